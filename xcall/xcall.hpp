// The xcall library: the seed's smp_xcall* API and upstream's
// smp_call_function_* over one cross-call mechanism (SEMANTICS 1.4 and 2).
//
// Contract:
// - Ownership: Xcall<P> holds a P& and an XcallState<P>& (state.hpp); both
//   outlive it. It allocates nothing, throws nothing, uses no RTTI or libc.
//   Callers own func/info and any csd passed to smp_xcall_private() /
//   smp_call_function_single_async(); a locked csd belongs to the mechanism.
// - Threading: one Xcall is shared by all CPUs; each method runs on the CPU
//   that P::this_cpu() names. Senders may run concurrently on every CPU; the
//   receive side (generic_smp_call_function_single_interrupt(), called by
//   the platform's 0xfb/0xfc handlers with IRQs off, and
//   flush_smp_call_function_queue() from task/idle context) may interrupt a
//   sender on the same CPU at any platform operation.
// - Ordering: an IPI goes out only on a queue's empty->non-empty transition
//   (SEM-10); the target runs one snapshot in FIFO order: SYNC entries
//   (unlocked after func), then ASYNC (unlocked before func) and IRQ_WORK,
//   then TTWU (SEM-21). SYNC callers return after func finished on every
//   remote target; ASYNC callers after queueing and IPIs (SEM 1.4.4).
// - Profile: set_profile() switches the seed API between the seed's rules
//   and upstream's (profile.hpp); the upstream-named methods always follow
//   upstream v5.18. Switch only while no call is in flight.
// - Warnings: context-rule violations are reported on every occurrence
//   through P::warn() (platform/warnings.hpp), never silently dropped.
#pragma once

#include <stdint.h>

#include "xcall/cpumask.hpp"
#include "xcall/csd.hpp"
#include "xcall/platform/contract.hpp"
#include "xcall/profile.hpp"
#include "xcall/state.hpp"
#include "xcall/trace_events.hpp"
#include "xcall/types.hpp"

namespace xcallsim::xcall {

struct XcallOptions {
  Profile profile = Profile::Seed;
  // CONFIG_CSD_LOCK_WAIT_DEBUG + csdlock_debug=1: record src/dst and the
  // per-CPU cur_csd, and let wait_until() time out into stuck reports.
  bool csd_lock_wait_debug = false;
};

template <class P>
class Xcall {
 public:
  using cpumask_t = cpumask<P::max_cpus>;
  using csd_t = call_single_data<P>;
  using node_t = llist_node<P>;

  // P must satisfy Platform<P> (checked here rather than on the class, so
  // that a platform can name Xcall<Self>* while still incomplete).
  Xcall(P& platform, XcallState<P>& state, XcallOptions options = {})
      : p_(platform), state_(state), options_(options), rules_(rules_for(options.profile)) {
    static_assert(Platform<P>, "P does not meet the Platform contract (platform/contract.hpp)");
  }
  Xcall(const Xcall&) = delete;
  Xcall& operator=(const Xcall&) = delete;

  Profile profile() const { return options_.profile; }
  void set_profile(Profile profile) {
    options_.profile = profile;
    rules_ = rules_for(profile);
  }
  bool csd_lock_wait_debug() const { return options_.csd_lock_wait_debug; }
  void set_csd_lock_wait_debug(bool on) { options_.csd_lock_wait_debug = on; }
  P& platform() { return p_; }
  XcallState<P>& state() { return state_; }

  // --- The seed API (SEMANTICS 1.1 patches 02-08, 1.4), per profile ---
  int smp_xcall(int cpu, smp_call_func_t func, void* info, unsigned int flags);
  int smp_xcall_cond(int cpu, smp_call_func_t func, void* info, unsigned int flags,
                     smp_cond_func_t cond_func);
  int smp_xcall_mask(const cpumask_t* mask, smp_call_func_t func, void* info, unsigned int flags);
  int smp_xcall_mask_cond(const cpumask_t* mask, smp_call_func_t func, void* info,
                          unsigned int flags, smp_cond_func_t cond_func);
  int smp_xcall_private(int cpu, csd_t* csd, unsigned int flags);
  int smp_xcall_any(const cpumask_t* mask, smp_call_func_t func, void* info, unsigned int flags);

  // --- Upstream entry points (v5.18 kernel/smp.c), profile-independent ---
  int smp_call_function_single(int cpu, smp_call_func_t func, void* info, int wait);
  int smp_call_function_single_async(int cpu, csd_t* csd);
  void smp_call_function_many(const cpumask_t* mask, smp_call_func_t func, void* info, bool wait);
  void smp_call_function(smp_call_func_t func, void* info, bool wait);
  int smp_call_function_any(const cpumask_t* mask, smp_call_func_t func, void* info, int wait);
  void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func, void* info, bool wait,
                             const cpumask_t* mask);
  // __smp_call_single_queue() for typed entries (irq_work_queue_on, ttwu):
  // the caller has set csd->node.u_flags (e.g. with csd_init) (SEM-24/25).
  void smp_call_single_queue(int cpu, csd_t* csd);

  // --- Receive side ---
  // The 0xfb/0xfc handler body, after EOI, IRQs off (SEM-20).
  void generic_smp_call_function_single_interrupt() { flush_queue(true, FlushSource::Interrupt); }
  // From task/idle context, e.g. a polling idle loop after an elided IPI (SEM-22).
  void flush_smp_call_function_queue();
  // CPU hotplug: the outgoing CPU drains its queue, IRQs off (SEM-23).
  void smpcfd_dying_cpu() { flush_queue(false, FlushSource::Dying); }

  // --- csd helpers for callers that own a csd ---
  // INIT_CSD(): func and info; flags = `flags` (0: ASYNC, unlocked).
  void csd_init(csd_t* csd, smp_call_func_t func, void* info, uint32_t flags = 0);
  bool csd_is_locked(const csd_t* csd) {
    return (p_.load_acquire(csd->node.u_flags) & CSD_FLAG_LOCK) != 0;
  }

 private:
  // mechanism (detail/mechanism.hpp)
  bool enqueue(int cpu, csd_t* csd, uint32_t type, CsdKind hint);
  void call_single_queue(int cpu, csd_t* csd, uint32_t type, CsdKind hint);
  void send_single_ipi(int cpu);
  void send_mask_ipi(const cpumask_t& mask);
  void csd_lock(csd_t* csd);
  void trace_lock(const csd_t* csd, CsdKind hint);
  void csd_unlock(csd_t* csd);
  void csd_lock_wait(csd_t* csd, int target);
  void csd_lock_record(csd_t* csd, smp_call_func_t func, void* info);
  void report_stuck_csd(csd_t* csd, CsdWait& wait, int& bug_id);
  void report_unstuck_csd(csd_t* csd, const CsdWait& wait, int bug_id);
  void set_debug_route(csd_t* csd, int src, int dst);
  void run_func(FuncSite site, smp_call_func_t func, void* info, csd_t* csd);
  // flush (detail/flush.hpp)
  void flush_queue(bool warn_cpu_offline, FlushSource source);
  void warn_offline_entries(node_t* entry);
  void irq_work_single(csd_t* csd);
  // senders (detail/many.hpp, detail/single.hpp)
  void many_cond(const cpumask_t& mask, smp_call_func_t func, void* info, bool wait,
                 bool run_local_allowed, smp_cond_func_t cond_func);
  int exec_single(int cpu, csd_t* csd, CsdKind hint);
  int single(int cpu, smp_call_func_t func, void* info, bool wait);
  int single_async(int cpu, csd_t* csd);
  int any(const cpumask_t& mask, smp_call_func_t func, void* info, bool wait);
  int pick_any_cpu(const cpumask_t& mask);
  // seed API bodies (detail/seed_api.hpp)
  int xcall_cond(int cpu, smp_call_func_t func, void* info, unsigned int flags,
                 smp_cond_func_t cond_func);
  int private_seed(int cpu, csd_t* csd, unsigned int flags);
  int private_upstream(int cpu, csd_t* csd, unsigned int flags);
  int any_seed(const cpumask_t* mask, smp_call_func_t func, void* info, unsigned int flags);
  // context, tracing, warnings (detail/report.hpp)
  void check_single_context();
  void check_many_context();
  cpumask_t all_possible() const { return cpumask_t::first_n(p_.nr_cpu_ids()); }
  bool valid_cpu(int cpu) { return cpu >= 0 && cpu < p_.nr_cpu_ids(); }
  int reject_null(Api api);
  void warn(Warning what, int arg, smp_call_func_t func = nullptr);
  TraceEvent event(TraceKind kind);
  void set_csd(TraceEvent& ev, const csd_t* csd, CsdKind hint = CsdKind::External);
  void trace_issue(Api api, int target, const cpumask_t* mask, unsigned int flags,
                   smp_call_func_t func, void* info);
  int trace_return(Api api, int ret);

  P& p_;
  XcallState<P>& state_;
  XcallOptions options_;
  ProfileRules rules_;
};

}  // namespace xcallsim::xcall

// clang-format off
#include "xcall/detail/report.hpp"
#include "xcall/detail/mechanism.hpp"
#include "xcall/detail/flush.hpp"
#include "xcall/detail/many.hpp"
#include "xcall/detail/single.hpp"
#include "xcall/detail/seed_api.hpp"
// clang-format on
