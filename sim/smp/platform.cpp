// SimPlatform: the contract's non-template members, forwarding to Core.
#include "sim/smp/platform.hpp"

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

int SimPlatform::this_cpu() {
  return core_->running().id;
}
int SimPlatform::nr_cpu_ids() {
  return core_->cpu_count();
}
bool SimPlatform::cpu_online(int cpu) {
  return cpu >= 0 && cpu < core_->cpu_count() && core_->cpu(cpu).online;
}
int SimPlatform::cpu_to_node(int cpu) {
  return core_->topology().node(cpu);
}
bool SimPlatform::irqs_disabled() {
  return core_->running().irqs_off;
}
bool SimPlatform::in_task() {
  return core_->running().irq_depth == 0;
}

// cli after an operation boundary: an interrupt that arrived during the
// previous operation is taken before IF drops.
SimPlatform::irq_flags SimPlatform::local_irq_save() {
  CpuState& c = core_->running();
  core_->boundary(c);
  const bool were_disabled = c.irqs_off;
  c.irqs_off = true;
  return were_disabled;
}

void SimPlatform::local_irq_restore(irq_flags were_disabled) {
  CpuState& c = core_->running();
  if (were_disabled)
    c.irqs_off = true;
  else
    core_->irq_enable(c);
}

void SimPlatform::preempt_disable() {
  ++core_->running().preempt_count;
}
void SimPlatform::preempt_enable() {
  --core_->running().preempt_count;
}

xcall::WaitResult SimPlatform::wait_until(const shared<std::uint32_t>& word, std::uint32_t mask,
                                          std::uint32_t expected, xcall::CsdWait& wait) {
  return core_->wait_until(word, mask, expected, wait);
}

void SimPlatform::cpu_relax() {
  CpuState& c = core_->running();
  core_->boundary(c);
  c.now += core_->options().relax_cycles;
}

bool SimPlatform::call_function_single_prep_ipi(int cpu) {
  return core_->prep_single_ipi(cpu);
}
void SimPlatform::arch_send_call_function_single_ipi(int cpu) {
  core_->send_single_ipi(cpu, xcall::x86::CALL_FUNCTION_SINGLE_VECTOR);
}
void SimPlatform::arch_send_call_function_ipi_mask(const xcall::cpumask<max_cpus>& mask) {
  core_->send_mask_ipi(mask);
}

void SimPlatform::warn(const xcall::WarningEvent& warning) {
  core_->on_warning(warning);
}
void SimPlatform::csd_lock_report(const xcall::CsdLockReport& report) {
  core_->on_csd_lock_report(report);
}
void SimPlatform::trace(const xcall::TraceEvent& event) {
  core_->on_trace(event);
}

void SimPlatform::load(const void* word, void* out, std::size_t size) {
  core_->load(word, out, size);
}
void SimPlatform::store(void* word, const void* in, std::size_t size) {
  core_->store(word, in, size);
}
bool SimPlatform::unfenced_cmpxchg() const {
  return core_->options().unfenced_cmpxchg_for_testing;
}
void SimPlatform::lock_line(const void* word, bool drain) {
  core_->lock_line(word, drain);
}
void SimPlatform::written(const void* word) {
  core_->written(word);
}

}  // namespace xcallsim::smp::detail
