// SimPlatform: the xcall Platform contract (xcall/platform/contract.hpp) on
// simulated CPUs. Internal to sim/smp.
// Contract: one SimPlatform per Simulation, shared by all CPUs; every call
// runs on the fiber of the CPU this_cpu() names. Shared words are plain
// storage inside the Simulation's arena; each access first passes an
// operation boundary (clock sync with the engine, pending interrupts taken if
// IF=1), then takes effect under x86-TSO (Core::load/store/lock_line: plain
// stores retire from a store buffer, locked RMWs drain it), charging
// CacheModel::access() for the word's line (arena offset / 64, numbered
// densely in first-touch order). A store becoming visible wakes every CPU
// waiting on that line at that time. Queries (this_cpu, irqs_disabled, ...) are
// free and never yield.
#pragma once

#include <cstdint>

#include "sim/machine/machine.hpp"
#include "sim/smp/smp.hpp"
#include "xcall/platform/contract.hpp"

namespace xcallsim::smp::detail {

class Core;

class SimPlatform {
 public:
  static constexpr int max_cpus = kMaxCpus;
  using irq_flags = bool;  // "IRQs were disabled" before local_irq_save()
  template <class T>
  using shared = xcall::plain_shared<T>;

  explicit SimPlatform(Core& core) : core_(&core) {}

  int this_cpu();
  int nr_cpu_ids();
  bool cpu_online(int cpu);
  int cpu_to_node(int cpu);
  bool irqs_disabled();
  bool in_task();
  bool oops_in_progress() { return false; }
  bool early_boot_irqs_disabled() { return false; }
  irq_flags local_irq_save();
  void local_irq_restore(irq_flags were_disabled);  // re-enabling takes pending interrupts
  void preempt_disable();
  void preempt_enable();

  // x86-TSO: loads and stores go through the CPU's store buffer (acquire and
  // release are plain MOVs on x86); the locked RMWs drain it first and are
  // full barriers (Core::load/store/lock_line).
  template <class T>
  T load_acquire(const shared<T>& w) {
    T v;
    load(&w.value, &v, sizeof(T));
    return v;
  }
  template <class T>
  T load_relaxed(const shared<T>& w) {
    return load_acquire(w);
  }
  template <class T>
  void store_release(shared<T>& w, T v) {
    store(&w.value, &v, sizeof(T));
  }
  template <class T>
  void store_relaxed(shared<T>& w, T v) {
    store_release(w, v);
  }
  template <class T>
  bool cmpxchg(shared<T>& w, T& expected, T desired) {
    const T old = begin_rmw(w, !unfenced_cmpxchg());
    if (old != expected) {
      expected = old;
      return false;
    }
    end_rmw(w, desired);
    return true;
  }
  template <class T>
  T xchg(shared<T>& w, T v) {
    const T old = begin_rmw(w);
    end_rmw(w, v);
    return old;
  }
  template <class T>
  T fetch_or(shared<T>& w, T v) {
    const T old = begin_rmw(w);
    end_rmw(w, static_cast<T>(old | v));
    return old;
  }

  xcall::WaitResult wait_until(const shared<std::uint32_t>& word, std::uint32_t mask,
                               std::uint32_t expected, xcall::CsdWait& wait);
  void cpu_relax();

  bool call_function_single_prep_ipi(int cpu);
  void arch_send_call_function_single_ipi(int cpu);
  void arch_send_call_function_ipi_mask(const xcall::cpumask<max_cpus>& mask);

  void warn(const xcall::WarningEvent& warning);
  void csd_lock_report(const xcall::CsdLockReport& report);
  void trace(const xcall::TraceEvent& event);

 private:
  // A locked RMW: drain, own the line, read; then write, visible at once.
  template <class T>
  T begin_rmw(shared<T>& w, bool drain = true) {
    lock_line(&w, drain);
    return w.value;
  }
  bool unfenced_cmpxchg() const;  // Options::unfenced_cmpxchg_for_testing
  template <class T>
  void end_rmw(shared<T>& w, T v) {
    w.value = v;
    written(&w);
  }
  void load(const void* word, void* out, std::size_t size);
  void store(void* word, const void* in, std::size_t size);
  void lock_line(const void* word, bool drain);
  void written(const void* word);
  Core* core_;
};

static_assert(xcall::Platform<SimPlatform>);

}  // namespace xcallsim::smp::detail
