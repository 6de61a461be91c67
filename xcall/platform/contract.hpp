// The Platform contract: everything the xcall library needs from the machine
// it runs on (simulator fibers, bare-metal guest, host threads).
//
// Contract:
// - Ownership: the library object (xcall::Xcall<P>) holds a P& and an
//   XcallState<P>& (storage the platform allocated); it never allocates. All
//   calls come from the CPU that this_cpu() names, on that CPU's own stack.
// - Shared memory: every word the library shares between CPUs is a
//   `P::shared<T>` and is touched ONLY through the atomic operations below
//   (never by plain loads/stores), so a platform can charge a cache-line cost
//   at each of them and interleave CPUs there. T is one of uint16_t,
//   uint32_t, an object pointer or a function pointer; `shared<T>` must be
//   value-initializable to T{} (zero / nullptr) and standard-layout.
// - Interrupt points: any operation may be an interrupt point (the simulator
//   takes interrupts between platform operations when IRQs are on); the
//   library is written so that this is safe. The queries this_cpu(),
//   nr_cpu_ids(), cpu_online(), cpu_to_node(), irqs_disabled(), in_task(),
//   oops_in_progress(), early_boot_irqs_disabled() should be free.
// - Ordering: load_acquire/store_release as in C++; cmpxchg and xchg are full
//   barriers (Linux try_cmpxchg/xchg). The library relies on nothing else:
//   a csd's fields are published by the llist_add() cmpxchg and consumed
//   after the flush's llist_del_all() xchg.
// - Interrupt delivery: the platform's 0xfb/0xfc handlers (EOI first, SEM-33)
//   call Xcall::generic_smp_call_function_single_interrupt() with IRQs off; a
//   polling-idle CPU whose IPI was elided calls
//   Xcall::flush_smp_call_function_queue() from its idle loop (SEM-11/22).
// - Re-entrancy: an interrupt taken inside a platform operation may run the
//   flush on the same CPU; the library holds no lock across operations, so
//   this is the same re-entrancy Linux has.
//
// Required members of a Platform P (checked by the concept below):
//
//   static constexpr int max_cpus;                    // cpumask size (>= nr_cpu_ids())
//   using irq_flags = ...;                            // saved interrupt state
//   template <class T> using shared = ...;            // a shared word of T
//
//   int  this_cpu();              // smp_processor_id()
//   int  nr_cpu_ids();            // possible CPUs: valid ids are [0, nr_cpu_ids())
//   bool cpu_online(int cpu);     // cpu_online_mask (false for invalid ids)
//   int  cpu_to_node(int cpu);    // NUMA node
//   bool irqs_disabled();
//   bool in_task();               // not in hard/soft IRQ or NMI context
//   bool oops_in_progress();      // relaxes the IRQs-disabled warnings (SEM-13/17)
//   bool early_boot_irqs_disabled();
//   irq_flags local_irq_save();   void local_irq_restore(irq_flags);
//   void preempt_disable();       void preempt_enable();
//
//   template <class T> T    load_acquire(const shared<T>&);
//   template <class T> T    load_relaxed(const shared<T>&);
//   template <class T> void store_release(shared<T>&, T);
//   template <class T> void store_relaxed(shared<T>&, T);
//   template <class T> bool cmpxchg(shared<T>&, T& expected, T desired);  // try_cmpxchg
//   template <class T> T    xchg(shared<T>&, T);
//   template <class T> T    fetch_or(shared<T>&, T);                       // integers only
//
//   // csd_lock_wait(): return once (load_acquire(word) & mask) == expected.
//   // Spin, park or sleep as the platform likes, but take interrupts while
//   // waiting if IRQs are on. May return TimedOut only if wait.diagnose; it
//   // then sets wait.ts1 = now (wait.ts0 = start on the first call) and the
//   // library reports and calls again (SEM-29/30).
//   WaitResult wait_until(const shared<uint32_t>& word, uint32_t mask, uint32_t expected,
//                         CsdWait& wait);
//   void cpu_relax();
//
//   // IPIs, split as in Linux v6.4+ so the library can trace the decision
//   // before the send (SEM-11): call_function_single_prep_ipi() returns
//   // false if the target polls in idle (the platform sets its need-resched
//   // and makes it flush from its idle loop), true if an IPI must be sent.
//   bool call_function_single_prep_ipi(int cpu);
//   void arch_send_call_function_single_ipi(int cpu);           // vector 0xfb
//   void arch_send_call_function_ipi_mask(const cpumask<max_cpus>& mask);  // 0xfc, no
//                                          // elision; the x86 shorthand policy is the platform's
//   void warn(const WarningEvent&);           // every occurrence; count, print per style
//   void csd_lock_report(const CsdLockReport&);  // stuck / unstuck csd (SEM-30/31)
//   void trace(const TraceEvent&);            // trace_events.hpp
#pragma once

#include <stdint.h>

#include "xcall/cpumask.hpp"
#include "xcall/platform/warnings.hpp"
#include "xcall/trace_events.hpp"
#include "xcall/types.hpp"

namespace xcallsim::xcall {

namespace detail {
template <class A, class B>
inline constexpr bool is_same_v = false;
template <class A>
inline constexpr bool is_same_v<A, A> = true;
}  // namespace detail

// Core-language stand-in for std::same_as (<concepts> is not freestanding in GCC 12).
template <class A, class B>
concept same_as = detail::is_same_v<A, B> && detail::is_same_v<B, A>;

// A ready-made shared word for platforms that keep plain storage and apply
// __atomic builtins or std::atomic_ref to `value` (guest, host threads).
template <class T>
struct plain_shared {
  T value{};
};

// clang-format off
template <class P>
concept Platform = requires(P& p, int cpu, typename P::irq_flags flags,
                            typename P::template shared<uint32_t>& w32,
                            typename P::template shared<uint16_t>& w16,
                            typename P::template shared<void*>& wptr,
                            uint32_t u32, uint16_t u16, void* ptr,
                            const cpumask<P::max_cpus>& mask, CsdWait& wait,
                            const WarningEvent& warning, const CsdLockReport& report,
                            const TraceEvent& event) {
  requires P::max_cpus > 0;
  { p.this_cpu() } -> same_as<int>;
  { p.nr_cpu_ids() } -> same_as<int>;
  { p.cpu_online(cpu) } -> same_as<bool>;
  { p.cpu_to_node(cpu) } -> same_as<int>;
  { p.irqs_disabled() } -> same_as<bool>;
  { p.in_task() } -> same_as<bool>;
  { p.oops_in_progress() } -> same_as<bool>;
  { p.early_boot_irqs_disabled() } -> same_as<bool>;
  { p.local_irq_save() } -> same_as<typename P::irq_flags>;
  p.local_irq_restore(flags);
  p.preempt_disable();
  p.preempt_enable();
  { p.load_acquire(w32) } -> same_as<uint32_t>;
  { p.load_relaxed(w32) } -> same_as<uint32_t>;
  { p.load_relaxed(w16) } -> same_as<uint16_t>;
  { p.load_acquire(wptr) } -> same_as<void*>;
  { p.load_relaxed(wptr) } -> same_as<void*>;
  p.store_release(w32, u32);
  p.store_relaxed(w32, u32);
  p.store_relaxed(w16, u16);
  p.store_release(wptr, ptr);
  p.store_relaxed(wptr, ptr);
  { p.cmpxchg(wptr, ptr, ptr) } -> same_as<bool>;
  { p.cmpxchg(w32, u32, u32) } -> same_as<bool>;
  { p.xchg(wptr, ptr) } -> same_as<void*>;
  { p.fetch_or(w32, u32) } -> same_as<uint32_t>;
  { p.wait_until(w32, u32, u32, wait) } -> same_as<WaitResult>;
  p.cpu_relax();
  { p.call_function_single_prep_ipi(cpu) } -> same_as<bool>;
  p.arch_send_call_function_single_ipi(cpu);
  p.arch_send_call_function_ipi_mask(mask);
  p.warn(warning);
  p.csd_lock_report(report);
  p.trace(event);
};
// clang-format on

}  // namespace xcallsim::xcall
