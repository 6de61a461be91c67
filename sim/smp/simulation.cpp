// Core, running: fibers, the engine loop, each CPU's life (program, then the
// idle loop), and the Outcome. Plus Simulation, the public face of Core.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

namespace {

// Marks the running machine for trampolines on this host thread.
class CurrentGuard {
 public:
  explicit CurrentGuard(Core* core) : saved_(Core::set_current(core)) {}
  ~CurrentGuard() { Core::set_current(saved_); }
  CurrentGuard(const CurrentGuard&) = delete;
  CurrentGuard& operator=(const CurrentGuard&) = delete;

 private:
  Core* saved_;
};

}  // namespace

Outcome Core::run() {
  if (ran_) throw std::logic_error("smp: Simulation::run() may be called once");
  ran_ = true;
  CurrentGuard guard(this);
  const int n = cpu_count();
  // apic_use_ipi_shorthand (SEM-37): on only if every present CPU is online
  // (booted once) and there is more than one.
  policy_.use_shorthand = config_.apic.use_shorthand && online_ == Mask::first_n(n) && n > 1;
  record_workload();

  // Each CPU's stack line is cache-hot in its CPU (SEM 6.6: the on-stack csd
  // starts out owned by its sender, a percpu cfd csd does not).
  for (CpuState& c : cpus_) {
    const char* const stack = stacks_base_ + static_cast<std::size_t>(c.id) * stack_stride_;
    cache_.access(c.id, line_of(stack), machine::Access::Write, 0);
  }
  cache_transfers_base_ = cache_.transfers();
  cache_hits_base_ = cache_.hits();

  for (CpuState& c : cpus_) {
    if (!c.online) continue;
    c.stack = stacks_base_ + static_cast<std::size_t>(c.id) * stack_stride_ + kPageBytes;
    c.fiber =
        std::make_unique<Fiber>(fiber_host_, c.stack, stack_bytes_, [this, &c] { cpu_main(c); });
    schedule_resume(c, 0);
  }
  dispatch();
  return outcome();
}

void Core::cpu_main(CpuState& c) {
  if (c.program) {
    Cpu handle(*this, c.id);
    c.program(handle);
    emit(c, trace::ProgramEnd{}.to_record());
  }
  c.program_done = true;
  idle_loop(c);
}

// The idle task: IF=1, hlt until an interrupt (or, polling, until a
// NEED_RESCHED from an elided IPI, SEM-11). Never returns; the fiber is
// unwound when the Simulation is destroyed.
void Core::idle_loop(CpuState& c) {
  for (;;) {
    c.irqs_off = false;
    boundary(c);
    if (options_.poll_idle) {
      poll_idle_once(c);
    } else {
      begin_halt(c);
      park(c, Park::Idle, std::nullopt, true);
      end_halt(c);
    }
  }
}

std::string Core::unfinished_report() const {
  std::string text;
  for (const CpuState& c : cpus_) {
    if (!c.online) continue;
    const bool queued = state_->cpu(c.id).call_single_queue.first.value != nullptr;
    if (c.program_done && !queued) continue;
    text += describe_cpu(c.id);
    if (queued) text += ", call_single_queue not empty";
    text += '\n';
  }
  if (apic_.in_flight() != 0)
    text += fmt::format("{} IPI message(s) in flight\n", apic_.in_flight());
  return text;
}

Outcome Core::outcome() {
  Outcome o;
  o.stuck = stuck_;
  o.stuck_report = stuck_report_;
  o.time_limit_hit = options_.time_limit != 0 && !stuck_ && !interrupted_ && !stalled_ &&
                     (engine_.pending() > 0 || !resumes_.empty());
  o.unfinished_report = unfinished_report();
  o.interrupted = interrupted_;
  o.stalled = stalled_;
  o.stall_report = stall_report_;
  o.completed =
      !stuck_ && !o.time_limit_hit && !interrupted_ && !stalled_ && o.unfinished_report.empty();
  Cycles end = now_;
  for (const CpuState& c : cpus_)
    if (c.online) end = std::max(end, c.now);
  if (o.time_limit_hit) end = options_.time_limit;
  if (stuck_) end = stuck_time_;
  o.end_time = end;
  o.warnings_by_kind = warnings_;
  for (const std::uint64_t w : warnings_) o.warnings += w;
  o.warning_messages = warning_messages_;
  for (const CpuState& c : cpus_) {
    CpuCounters k = c.counters;
    k.icr_writes = apic_.counters(c.id).icr_writes - c.hypervisor_writes;  // the guest's own
    k.irr_coalesced = apic_.counters(c.id).coalesced;
    o.cpus.push_back(k);
  }
  o.cache_transfers = cache_.transfers() - cache_transfers_base_;
  o.cache_hits = cache_.hits() - cache_hits_base_;
  o.steps = steps_;
  return o;
}

}  // namespace xcallsim::smp::detail

namespace xcallsim::smp {

Simulation::Simulation(const machine::MachineConfig& config, Options options)
    : core_(std::make_unique<detail::Core>(config, options)) {}
Simulation::~Simulation() = default;

FuncId Simulation::add_function(FuncSpec spec) {
  return core_->add_function(std::move(spec));
}
FuncId Simulation::function(std::string_view name) const {
  return core_->function(name);
}
void Simulation::add_vector_handler(std::uint8_t vector, VectorHandler handler) {
  core_->add_vector_handler(vector, std::move(handler));
}
void Simulation::set_program(int cpu, Program program) {
  core_->set_program(cpu, std::move(program));
}
void Simulation::set_online(int cpu, bool online) {
  core_->set_online(cpu, online);
}
Outcome Simulation::run() {
  return core_->run();
}
void Simulation::set_trace_sink(trace::RecordSink& sink) {
  core_->set_trace_sink(sink);
}
const trace::Trace& Simulation::trace() const {
  return core_->trace();
}
const machine::Topology& Simulation::topology() const {
  return core_->topology();
}
const machine::MachineConfig& Simulation::config() const {
  return core_->config();
}
const Options& Simulation::options() const {
  return core_->options();
}
int Simulation::cpu_count() const {
  return core_->cpu_count();
}

}  // namespace xcallsim::smp
