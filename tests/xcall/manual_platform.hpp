// A deterministic, single-threaded Platform for the xcall unit tests.
// Contract: all "CPUs" share the test's host thread; `current` names the CPU
// that is running. IPIs are only recorded as pending vectors (same-vector
// coalescing, like IRR); a CPU takes them only when the test calls
// take_interrupts(cpu), or when some CPU waits on a csd: wait_until() then
// calls `on_wait` (default: every CPU with IRQs on takes its pending
// interrupts, ascending) and throws Deadlock if that made no progress.
// Everything the library reports (trace, warnings, stuck reports) is kept.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "xcall/platform/builtin_atomics.hpp"
#include "xcall/xcall.hpp"

namespace xcallsim::xcall::testing {

inline constexpr int kVectorSingle = 0xfb;
inline constexpr int kVectorMask = 0xfc;

struct Deadlock : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RecordedEvent {
  TraceEvent ev;
  std::vector<uint64_t> mask;  // copy of ev.mask
};

struct SentIpi {
  int from, to, vector;
};

class ManualPlatform : public BuiltinAtomicsOps {
 public:
  static constexpr int max_cpus = 64;
  using irq_flags = bool;  // previous "IRQs disabled"

  struct Cpu {
    bool online = true;
    int node = 0;
    bool irqs_off = false;
    bool in_task = true;
    int preempt_count = 0;
    bool polling_idle = false;
    bool need_resched = false;
    std::vector<int> pending;  // vectors, at most one of each (IRR coalescing)
  };

  explicit ManualPlatform(int nr_cpus) : cpus(static_cast<size_t>(nr_cpus)) {}

  // --- Platform contract ---
  int this_cpu() { return current; }
  int nr_cpu_ids() { return static_cast<int>(cpus.size()); }
  bool cpu_online(int cpu) { return cpu >= 0 && cpu < nr_cpu_ids() && at(cpu).online; }
  int cpu_to_node(int cpu) { return at(cpu).node; }
  bool irqs_disabled() { return at(current).irqs_off; }
  bool in_task() { return at(current).in_task; }
  bool oops_in_progress() { return oops; }
  bool early_boot_irqs_disabled() { return early_boot; }
  irq_flags local_irq_save() {
    const bool old = at(current).irqs_off;
    at(current).irqs_off = true;
    return old;
  }
  void local_irq_restore(irq_flags old) { at(current).irqs_off = old; }
  void preempt_disable() { ++at(current).preempt_count; }
  void preempt_enable() { --at(current).preempt_count; }
  WaitResult wait_until(const shared<uint32_t>& word, uint32_t mask, uint32_t expected,
                        CsdWait& wait);
  void cpu_relax() {}
  bool call_function_single_prep_ipi(int cpu);
  void arch_send_call_function_single_ipi(int cpu) { raise(cpu, kVectorSingle); }
  void arch_send_call_function_ipi_mask(const cpumask<max_cpus>& mask) {
    mask.for_each([&](int cpu) { raise(cpu, kVectorMask); });
  }
  void warn(const WarningEvent& w) {
    warnings.push_back(w);
    ++warning_count[w.what];
  }
  void csd_lock_report(const CsdLockReport& r) { reports.push_back(r); }
  void trace(const TraceEvent& ev);

  // --- Test controls ---
  Cpu& at(int cpu) { return cpus.at(static_cast<size_t>(cpu)); }
  // Run `fn` as CPU `cpu`, then switch back.
  template <class F>
  void as_cpu(int cpu, F&& fn) {
    const int saved = current;
    current = cpu;
    fn();
    current = saved;
  }
  // CPU `cpu` takes its pending call-function interrupts (highest vector
  // first, as the APIC would), each with IRQs off. Returns how many.
  int take_interrupts(int cpu);
  // Every CPU with IRQs on takes its interrupts until none is pending.
  int deliver_all();
  // The polling idle loop of `cpu` notices need_resched and flushes (SEM-22).
  void idle_poll(int cpu);
  int count(TraceKind kind) const;
  int warned(Warning w) const {
    auto it = warning_count.find(w);
    return it == warning_count.end() ? 0 : it->second;
  }
  std::vector<RecordedEvent> events_of(TraceKind kind) const;
  void clear_records() {
    events.clear();
    ipis.clear();
    warnings.clear();
    warning_count.clear();
    reports.clear();
  }

  Xcall<ManualPlatform>* xcall = nullptr;  // the handler target
  std::vector<Cpu> cpus;
  int current = 0;
  bool oops = false;
  bool early_boot = false;
  std::vector<RecordedEvent> events;
  std::vector<SentIpi> ipis;
  std::vector<WarningEvent> warnings;
  std::map<Warning, int> warning_count;
  std::vector<CsdLockReport> reports;
  // Called when a wait is not satisfied; default: deliver_all().
  std::function<void(ManualPlatform&)> on_wait;
  // Stuck-csd diagnosis: how many TimedOut results to give (only when
  // wait.diagnose) before on_wait is allowed to make progress.
  int timeouts_to_report = 0;
  uint64_t clock = 0;
  int waits = 0;  // wait_until calls that had to wait

 private:
  void raise(int cpu, int vector);
};

}  // namespace xcallsim::xcall::testing
