// A Platform on real host threads, one std::thread per simulated CPU, for
// race-hunting under TSan.
// Contract: run(body) starts one thread per online CPU, each calling
// body(cpu); all other members are called from those threads. Shared words
// are real atomics (__atomic builtins via BuiltinAtomicsOps). An IPI sets a
// pending-vector bit on the target; the target "takes the interrupt" at its
// next platform operation (or while waiting) when its IRQs are on, running
// the handler on its own thread with IRQs off. A CPU polls in idle between
// work items and in a drain loop after its body returned, until every CPU is
// done and its queue is empty, so no call is ever stranded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "xcall/platform/builtin_atomics.hpp"
#include "xcall/xcall.hpp"

namespace xcallsim::xcall::testing {

class HostPlatform : private BuiltinAtomicsOps {
  using Base = BuiltinAtomicsOps;

 public:
  static constexpr int max_cpus = 64;
  using irq_flags = bool;
  template <class T>
  using shared = Base::shared<T>;

  // `threads` CPUs run bodies; CPUs [threads, nr_cpus) stay offline.
  HostPlatform(int nr_cpus, int threads);

  void set_xcall(Xcall<HostPlatform>* xcall) { xcall_ = xcall; }
  void run(const std::function<void(int cpu)>& body);
  // The CPU polls in idle for about `spins` polls (IPIs to it may be elided).
  void idle(int spins);

  // --- Platform contract ---
  int this_cpu() { return tls_cpu; }
  int nr_cpu_ids() { return nr_cpus_; }
  bool cpu_online(int cpu) { return cpu >= 0 && cpu < threads_; }
  int cpu_to_node(int cpu) { return cpu % 2; }
  bool irqs_disabled() { return self().irqs_off; }
  bool in_task() { return self().irq_depth == 0; }
  bool oops_in_progress() { return false; }
  bool early_boot_irqs_disabled() { return false; }
  irq_flags local_irq_save() {
    const bool old = self().irqs_off;
    self().irqs_off = true;
    return old;
  }
  void local_irq_restore(irq_flags old) {
    self().irqs_off = old;
    poll_interrupts();
  }
  void preempt_disable() { ++self().preempt_count; }
  void preempt_enable() { --self().preempt_count; }

  // Each shared-memory operation is an interrupt point, and a random
  // preemption point before and after (see chaos()).
  template <class T>
  T load_acquire(const shared<T>& w) {
    poll_interrupts();
    const T v = Base::load_acquire(w);
    chaos();
    return v;
  }
  template <class T>
  T load_relaxed(const shared<T>& w) {
    poll_interrupts();
    const T v = Base::load_relaxed(w);
    chaos();
    return v;
  }
  template <class T>
  void store_release(shared<T>& w, T v) {
    poll_interrupts();
    Base::store_release(w, v);
    chaos();
  }
  template <class T>
  void store_relaxed(shared<T>& w, T v) {
    poll_interrupts();
    Base::store_relaxed(w, v);
    chaos();
  }
  template <class T>
  bool cmpxchg(shared<T>& w, T& expected, T desired) {
    poll_interrupts();
    const bool ok = Base::cmpxchg(w, expected, desired);
    chaos();
    return ok;
  }
  template <class T>
  T xchg(shared<T>& w, T v) {
    poll_interrupts();
    const T old = Base::xchg(w, v);
    chaos();
    return old;
  }
  template <class T>
  T fetch_or(shared<T>& w, T v) {
    poll_interrupts();
    const T old = Base::fetch_or(w, v);
    chaos();
    return old;
  }
  WaitResult wait_until(const shared<uint32_t>& word, uint32_t mask, uint32_t expected,
                        CsdWait& wait);
  void cpu_relax();
  bool call_function_single_prep_ipi(int cpu);
  void arch_send_call_function_single_ipi(int cpu) { raise(cpu, kPendingSingle); }
  void arch_send_call_function_ipi_mask(const cpumask<max_cpus>& mask) {
    mask.for_each([&](int cpu) { raise(cpu, kPendingMask); });
  }
  void warn(const WarningEvent& w) { warnings_[static_cast<int>(w.what)].fetch_add(1); }
  void csd_lock_report(const CsdLockReport&) { reports_.fetch_add(1); }
  void trace(const TraceEvent& ev);

  // --- Results ---
  int warnings(Warning w) const { return warnings_[static_cast<int>(w)].load(); }
  int total_warnings() const;
  long events(TraceKind kind) const { return events_[static_cast<int>(kind)].load(); }
  // Lock-protocol violations seen by the trace hook (see trace()).
  long csd_violations() const { return csd_violations_.load(); }
  // Track lock/unlock of `count` csds at `first`, `stride` bytes apart
  // (shadow lock state, checked in trace()). Call before run().
  void watch_csds(const void* first, size_t count, size_t stride);

  static thread_local int tls_cpu;

 private:
  static constexpr uint32_t kPendingSingle = 1;  // vector 0xfb
  static constexpr uint32_t kPendingMask = 2;    // vector 0xfc
  static constexpr uint32_t kPolling = 1;        // TIF_POLLING_NRFLAG
  static constexpr uint32_t kNeedResched = 2;    // TIF_NEED_RESCHED

  struct alignas(64) Cpu {
    std::atomic<uint32_t> pending{0};
    std::atomic<uint32_t> idle_flags{0};
    bool irqs_off = false;  // owner thread only
    int irq_depth = 0;
    int preempt_count = 0;
    uint64_t chaos = 0x9e3779b97f4a7c15ull;  // xorshift state for random yields
  };
  Cpu& self() { return cpus_[static_cast<size_t>(tls_cpu)]; }
  void raise(int cpu, uint32_t bit);
  void poll_interrupts();
  void chaos();
  void exit_idle();
  bool drained();
  std::atomic<uint8_t>* shadow_of(const void* csd);

  int nr_cpus_;
  int threads_;
  std::vector<Cpu> cpus_;
  Xcall<HostPlatform>* xcall_ = nullptr;
  std::atomic<int> done_{0};
  std::atomic<int> warnings_[kWarningCount] = {};
  std::atomic<long> events_[32] = {};
  std::atomic<int> reports_{0};
  std::atomic<long> csd_violations_{0};
  struct WatchRange {
    uintptr_t first;
    size_t count;
    size_t stride;
    std::unique_ptr<std::atomic<uint8_t>[]> shadow;
  };
  std::vector<WatchRange> watched_;
};

}  // namespace xcallsim::xcall::testing
