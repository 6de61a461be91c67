// Cpu: what a CPU program can do, mapped onto Core and the real xcall
// library (functions by FuncId through the sim_func trampoline).
#include <stdexcept>
#include <string>

#include "sim/smp/core.hpp"

namespace xcallsim::smp {

using detail::Csd;
using detail::info_of;
using detail::sim_func;

namespace {

void* checked_info(const detail::Core& core, FuncId func) {
  if (core.function_spec(func) == nullptr)
    throw std::out_of_range("smp: unknown function id " + std::to_string(func));
  return info_of(func);
}

// The caller-owned csd of a slot: func/info are (re)written only while it is
// unlocked, as its owner may; a locked csd makes the library answer -EBUSY.
Csd& prepare_private(detail::Core& core, int cpu, int slot, FuncId func) {
  void* const info = checked_info(core, func);
  Csd& csd = core.private_csd(cpu, slot);
  // The owner's view: its own still-buffered lock store counts (x86-TSO).
  if ((core.peek(csd.node.u_flags) & xcall::CSD_FLAG_LOCK) == 0) {
    core.platform().store_relaxed(csd.func, &sim_func);
    core.platform().store_relaxed(csd.info, info);
  }
  core.running().issue_func = func;
  core.running().issue_slot = slot;
  return csd;
}

// A workload record (trace::Kind 30..36): the program's own operation, at
// its start, so `replay --machine` can re-run the program (docs/trace-format.md).
template <class Typed>
void record(detail::Core& core, detail::CpuState& c, Typed typed) {
  typed.call = detail::current_call(c);
  core.emit(c, typed.to_record());
}

}  // namespace

Cycles Cpu::now() const {
  return core_->cpu(id_).now;
}
int Cpu::cpu_count() const {
  return core_->cpu_count();
}
void Cpu::compute(Cycles cycles) {
  detail::CpuState& c = core_->enter(id_);
  record(*core_, c, trace::Compute{.cycles = cycles});
  core_->compute(c, cycles);
}

void Cpu::irq_disable() {
  detail::CpuState& c = core_->enter(id_);
  record(*core_, c, trace::IrqDisable{});
  core_->boundary(c);
  c.irqs_off = true;
}
void Cpu::irq_enable() {
  detail::CpuState& c = core_->enter(id_);
  record(*core_, c, trace::IrqEnable{});
  core_->irq_enable(c);
}
bool Cpu::irqs_disabled() const {
  return core_->cpu(id_).irqs_off;
}
void Cpu::idle_until(Cycles time) {
  detail::CpuState& c = core_->enter(id_);
  record(*core_, c, trace::IdleUntil{.until = time});
  core_->idle_until(c, time);
}

void Cpu::store(int word, std::uint32_t value) {
  detail::Word32& w = core_->scratch_word(word);
  core_->enter(id_);
  core_->platform().store_relaxed(w, value);
}
std::uint32_t Cpu::load(int word) {
  detail::Word32& w = core_->scratch_word(word);
  core_->enter(id_);
  return core_->platform().load_relaxed(w);
}
std::uint32_t Cpu::xchg(int word, std::uint32_t value) {
  detail::Word32& w = core_->scratch_word(word);
  core_->enter(id_);
  return core_->platform().xchg(w, value);
}
void Cpu::mfence() {
  detail::CpuState& c = core_->enter(id_);
  core_->boundary(c);
  core_->drain(c);
}

void Cpu::mark(std::uint32_t value) {
  detail::CpuState& c = core_->enter(id_);
  record(*core_, c, trace::Mark{.value = value});
}

void Cpu::set_tpr(std::uint8_t tpr) {
  detail::CpuState& c = core_->enter(id_);
  record(*core_, c, trace::SetTpr{.value = tpr});
  core_->write_tpr(c, tpr);
}

void Cpu::send_ipi(int target, std::uint8_t vector) {
  detail::CpuState& c = core_->enter(id_);
  if (target < 0 || target >= core_->cpu_count())
    throw std::out_of_range("smp: send_ipi to CPU " + std::to_string(target));
  record(*core_, c, trace::RawIpi{.target = static_cast<std::uint32_t>(target), .vector = vector});
  core_->send_single_ipi(target, vector);
}

int Cpu::xcall(int target, FuncId func, unsigned flags) {
  core_->enter(id_);
  return core_->xcall().smp_xcall(target, &sim_func, checked_info(*core_, func), flags);
}
int Cpu::xcall_cond(int target, FuncId func, unsigned flags, Cond cond) {
  core_->enter(id_).issue_cond = cond;
  return core_->xcall().smp_xcall_cond(target, &sim_func, checked_info(*core_, func), flags,
                                       detail::cond_func(cond));
}
int Cpu::xcall_mask(const Mask& mask, FuncId func, unsigned flags) {
  core_->enter(id_);
  return core_->xcall().smp_xcall_mask(&mask, &sim_func, checked_info(*core_, func), flags);
}
int Cpu::xcall_mask_cond(const Mask& mask, FuncId func, unsigned flags, Cond cond) {
  core_->enter(id_).issue_cond = cond;
  return core_->xcall().smp_xcall_mask_cond(&mask, &sim_func, checked_info(*core_, func), flags,
                                            detail::cond_func(cond));
}
int Cpu::xcall_private(int target, int slot, FuncId func, unsigned flags) {
  core_->enter(id_);
  Csd& csd = prepare_private(*core_, id_, slot, func);
  return core_->xcall().smp_xcall_private(target, &csd, flags);
}
int Cpu::xcall_any(const Mask& mask, FuncId func, unsigned flags) {
  core_->enter(id_);
  return core_->xcall().smp_xcall_any(&mask, &sim_func, checked_info(*core_, func), flags);
}
bool Cpu::private_busy(int slot) {
  detail::CpuState& c = core_->enter(id_);
  const bool busy = core_->xcall().csd_is_locked(&core_->private_csd(id_, slot));
  record(*core_, c, trace::PrivateBusy{.slot = static_cast<std::uint32_t>(slot), .busy = busy});
  return busy;
}

int Cpu::smp_call_function_single(int target, FuncId func, bool wait) {
  core_->enter(id_);
  return core_->xcall().smp_call_function_single(target, &sim_func, checked_info(*core_, func),
                                                 wait ? 1 : 0);
}
int Cpu::smp_call_function_single_async(int target, int slot, FuncId func) {
  core_->enter(id_);
  Csd& csd = prepare_private(*core_, id_, slot, func);
  return core_->xcall().smp_call_function_single_async(target, &csd);
}
void Cpu::smp_call_function_many(const Mask& mask, FuncId func, bool wait) {
  core_->enter(id_);
  core_->xcall().smp_call_function_many(&mask, &sim_func, checked_info(*core_, func), wait);
}
void Cpu::smp_call_function(FuncId func, bool wait) {
  core_->enter(id_);
  core_->xcall().smp_call_function(&sim_func, checked_info(*core_, func), wait);
}
int Cpu::smp_call_function_any(const Mask& mask, FuncId func, bool wait) {
  core_->enter(id_);
  return core_->xcall().smp_call_function_any(&mask, &sim_func, checked_info(*core_, func),
                                              wait ? 1 : 0);
}
void Cpu::on_each_cpu_cond_mask(Cond cond, FuncId func, bool wait, const Mask& mask) {
  core_->enter(id_).issue_cond = cond;
  core_->xcall().on_each_cpu_cond_mask(detail::cond_func(cond), &sim_func,
                                       checked_info(*core_, func), wait, &mask);
}

}  // namespace xcallsim::smp
