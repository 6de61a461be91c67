// Core, time: the run loop, clock sync, parking and handing over between
// fibers, compute phases, and taking interrupts at operation boundaries
// (docs/architecture.md "How time flows in the simulator").
#include <fmt/format.h>

#include <algorithm>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

namespace {
constexpr int kCallFunctionSingleVector = xcall::x86::CALL_FUNCTION_SINGLE_VECTOR;
constexpr int kCallFunctionVector = xcall::x86::CALL_FUNCTION_VECTOR;
constexpr std::uint64_t kMonitorMask = (std::uint64_t{1} << 16) - 1;  // monitor every 65536 ops
}  // namespace

// The run loop. A parking CPU picks its successor itself (park()), so this
// only starts the run and regains control when nothing is left to run, the
// limit is passed, or a stuck report stops the run.
void Core::dispatch() {
  for (int id = next_cpu(); id >= 0; id = next_cpu()) resume(id);
}

// The slow half of sync(): the monitor's turn or a stall. Either may end
// the run: this CPU then parks, and the run loop sees the stop.
void Core::check_progress(CpuState& c) {
  if (options_.stall_steps != 0 && steps_ - steps_at_progress_ > options_.stall_steps &&
      !stalled_) {
    stalled_ = true;
    stall_report_ = fmt::format(
        "xcallsim: the run stalled: {} platform operations without simulated time passing {} "
        "cycles (a zero-time loop, e.g. `repeat` of `compute 0`); fix: give the loop a cost, "
        "or raise --stall-steps if the run is meant to\n{}",
        options_.stall_steps, progress_time_, describe_cpu(c.id));
    stop_requested_ = true;
  }
  if ((steps_ & kMonitorMask) == 0 && options_.monitor &&
      !options_.monitor(RunProgress{progress_time_, steps_})) {
    interrupted_ = true;
    stop_requested_ = true;
  }
  if (stop_requested_) park(c, Park::Sync, c.now, false);  // resumed only to unwind
}

// The earliest of the next APIC arrival and the next CPU resume, arrivals
// first at equal time: runs the arrivals due, then pops and returns the CPU
// to run (now_ at its resume time), or -1.
int Core::next_cpu() {
  while (!stop_requested_) {
    const Cycles arrival = engine_.next_time();
    const Cycles cpu_time = resumes_.empty() ? engine::kForever : resumes_.top_time();
    if (arrival <= cpu_time && arrival != engine::kForever) {
      if (arrival > limit_) return -1;
      engine_.step();
      continue;
    }
    if (resumes_.empty() || cpu_time > limit_) return -1;
    now_ = cpu_time;
    return static_cast<int>(resumes_.pop());
  }
  return -1;
}

Cycles Core::next_event_time() {
  const Cycles arrival = engine_.next_time();
  return resumes_.empty() ? arrival : std::min(arrival, resumes_.top_time());
}

// True if this CPU may run on past `t` without yielding: nothing is pending
// at or before t (so its resume at t would be the next event anyway) and t
// is inside the time limit.
bool Core::can_run_inline_until(Cycles t) {
  return t <= limit_ && next_event_time() > t;
}

void Core::sync(CpuState& c) {
  ++steps_;
  if (c.now > progress_time_) {
    progress_time_ = c.now;
    steps_at_progress_ = steps_;
  }
  if ((steps_ & kMonitorMask) == 0 ||
      (options_.stall_steps != 0 && steps_ - steps_at_progress_ > options_.stall_steps))
    check_progress(c);
  // Resumed exactly at our clock: every event ordered before us has run.
  if (c.now == now_) return;
  if (can_run_inline_until(c.now)) return;
  park(c, Park::Sync, c.now, false);
}

// Hands the host CPU to whatever runs next: this CPU again (its resume is
// the next event), another CPU's fiber directly, or the run loop when
// nothing is left. Returns once this CPU is resumed.
void Core::park(CpuState& c, Park kind, std::optional<Cycles> until, bool wake_on_irq) {
  if (c.fiber->aborting()) throw Fiber::Aborted{};  // a teardown runs nothing further
  c.park = kind;
  c.wake_on_irq = wake_on_irq;
  running_ = -1;  // arrivals run by next_cpu() belong to no CPU
  const int next = until ? next_cpu_after(c, std::max(*until, c.now)) : next_cpu();
  if (next < 0) {
    c.fiber->yield();
  } else if (next != c.id) {
    CpuState& n = cpu(next);
    enter_resumed(n);
    c.fiber->switch_to(*n.fiber);
  } else {
    enter_resumed(c);
  }
}

// schedule_resume(c, t) then next_cpu(), with one heap pass in the common
// case: no arrival is due first and the run goes on.
int Core::next_cpu_after(CpuState& c, Cycles t) {
  t = std::max(t, now_);
  const auto id = static_cast<std::uint32_t>(c.id);
  const Cycles earliest = resumes_.empty() ? t : std::min(t, resumes_.top_time());
  if (resumes_.pending(id) || stop_requested_ || earliest > limit_ ||
      engine_.next_time() <= earliest) {
    schedule_resume(c, t);
    return next_cpu();
  }
  const engine::WakeQueue::Entry next = resumes_.push_pop(id, t);
  now_ = next.time;
  return static_cast<int>(next.id);
}

void Core::enter_resumed(CpuState& c) {
  c.park = Park::None;
  c.now = std::max(c.now, now_);
  running_ = c.id;
}

// A pending resume only ever moves earlier (a wake-up before a deadline).
void Core::schedule_resume(CpuState& c, Cycles t) {
  resumes_.schedule(static_cast<std::uint32_t>(c.id), std::max(t, now_));
}

void Core::resume(int id) {
  CpuState& c = cpu(id);
  enter_resumed(c);
  struct Reset {
    int& running;
    ~Reset() { running = -1; }
  } reset{running_};
  c.fiber->resume();
}

void Core::wake(CpuState& c, Cycles t) {
  if (c.park == Park::None || c.park == Park::Sync) return;
  schedule_resume(c, t);
}

void Core::wake_for_irq(int id, Cycles t) {
  CpuState& c = cpu(id);
  if (!c.online || c.irqs_off || !c.wake_on_irq) return;
  if (apic_.highest_deliverable(id) < 0) return;
  if (c.halted_since != engine::kForever) {       // halted in KVM: woken, then re-entered
    if (c.wake_done != engine::kForever) return;  // KVM is already waking it
    t = vcpu_wake_at(c, t);
  }
  wake(c, t);
}

void Core::boundary(CpuState& c) {
  for (;;) {
    sync(c);
    if (c.irqs_off || !c.online) return;
    const int vector = apic_.highest_deliverable(c.id);
    if (vector < 0) return;
    take_interrupt(c, vector);
  }
}

// State changes happen at the CPU's clock: sync first, so no other CPU sees
// IF=1 "early" while this one runs ahead through an IRQs-off stretch.
void Core::irq_enable(CpuState& c) {
  sync(c);
  c.irqs_off = false;
  boundary(c);  // sti: a pending interrupt is taken before the next instruction
}

void Core::write_tpr(CpuState& c, std::uint8_t tpr) {
  sync(c);
  apic_.write_tpr(c.id, tpr);
  boundary(c);  // lowering the TPR may make a pending vector deliverable
}

void Core::compute(CpuState& c, Cycles cycles) {
  Cycles left = cycles;
  for (;;) {
    boundary(c);
    if (left == 0) return;
    // Saturating at the end of time (a hostile or corrupt workload's
    // 2^64-cycle compute): past the limit, so the run ends instead of the
    // clock wrapping.
    const Cycles end = left > kEndOfTime - c.now ? kEndOfTime + 1 : c.now + left;
    // Nothing can interrupt it (IF=0, or no event before its end): run through.
    if (c.irqs_off || can_run_inline_until(end)) {
      c.now = end;
      return;
    }
    const Cycles start = c.now;
    park(c, Park::Compute, end, true);
    left -= std::min(left, c.now - start);  // interrupted at c.now: handler time is not progress
  }
}

void Core::idle_until(CpuState& c, Cycles time) {
  for (;;) {
    boundary(c);
    if (c.now >= time) return;
    if (can_run_inline_until(time)) {
      c.now = time;
      return;
    }
    begin_halt(c);
    park(c, Park::Halt, time, !c.irqs_off);
    end_halt(c);
  }
}

// Dispatch (INTA), entry cost, handler with IF=0, exit cost: Linux's
// sysvec_call_function{,_single} does EOI first, then the queue flush
// (SEM-20, SEM-33). A handler that sets IF=1 again can be preempted by a
// higher class (the APIC's PPR decides, SEM-47).
void Core::take_interrupt(CpuState& c, int vector) {
  const Cycles start = c.now;
  vector = apic_.acknowledge(c.id, c.now);  // the same vector: nothing ran since the check
  emit(c, trace::IrqEntry{.vector = static_cast<std::uint32_t>(vector)}.to_record());
  c.irqs_off = true;
  ++c.irq_depth;
  ++c.counters.interrupts;
  receiver_exit(c);
  c.now += apic_.costs().entry;
  if (vector == kCallFunctionSingleVector || vector == kCallFunctionVector) {
    eoi(c, vector);
    xcall_->generic_smp_call_function_single_interrupt();
  } else if (const auto it = vector_handlers_.find(vector); it != vector_handlers_.end()) {
    eoi(c, vector);
    if (it->second.irqs_on) irq_enable(c);
    compute(c, it->second.cycles);
    c.irqs_off = true;
  } else {
    eoi(c, vector);  // no handler: acknowledged and dropped
  }
  emit(c, trace::IrqExit{.vector = static_cast<std::uint32_t>(vector)}.to_record());
  c.now += apic_.costs().exit;
  --c.irq_depth;
  c.irqs_off = false;  // iret restores IF=1 (it was 1 when the interrupt was taken)
  if (c.irq_depth == 0) c.counters.handler_cycles += c.now - start;
}

void Core::eoi(CpuState& c, int vector) {
  sync(c);
  apic_.write_eoi(c.id, c.now);
  emit(c, trace::Eoi{.vector = static_cast<std::uint32_t>(vector)}.to_record());
  c.now += apic_.costs().eoi;
  eoi_exit(c);
}

}  // namespace xcallsim::smp::detail
