// Xcall<P> internals and the upstream entry points: single-target calls
// (SEMANTICS 2.4, SEM-12..15) and the upstream wrappers of the mask path.
// Part of xcall/xcall.hpp; include that instead.
#pragma once

#include "xcall/xcall.hpp"

namespace xcallsim::xcall {

// generic_exec_single(): csd is locked, func/info set; preemption disabled.
template <class P>
int Xcall<P>::exec_single(int cpu, csd_t* csd, CsdKind hint) {
  if (cpu == p_.this_cpu()) {
    const smp_call_func_t func = p_.load_relaxed(csd->func);
    void* const info = p_.load_relaxed(csd->info);
    // "We can unlock early even for the synchronous on-stack case, since
    // we're doing this from the same CPU."
    csd_lock_record(csd, func, info);
    csd_unlock(csd);
    const auto flags = p_.local_irq_save();
    run_func(FuncSite::Local, func, info, csd);
    csd_lock_record(nullptr, nullptr, nullptr);
    p_.local_irq_restore(flags);
    return 0;
  }
  if (!valid_cpu(cpu) || !p_.cpu_online(cpu)) {
    csd_unlock(csd);
    return -kENXIO;
  }
  // Type bits as set by the caller, read before queueing (once queued the
  // target may clear them).
  call_single_queue(cpu, csd, p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_TYPE_MASK, hint);
  return 0;
}

// smp_call_function_single() body (SEM-13): on-stack SYNC csd when waiting,
// this CPU's csd_data (csd_lock may spin on its previous use) when not.
template <class P>
int Xcall<P>::single(int cpu, smp_call_func_t func, void* info, bool wait) {
  p_.preempt_disable();
  const int self = p_.this_cpu();
  check_single_context();
  csd_t csd_stack{};
  csd_t* csd = &csd_stack;
  const CsdKind kind = wait ? CsdKind::Stack : CsdKind::CsdData;
  if (wait) {
    p_.store_relaxed(csd_stack.node.u_flags, CSD_FLAG_LOCK | CSD_TYPE_SYNC);
    trace_lock(csd, CsdKind::Stack);
  } else {
    csd = &state_.cpu(self).csd_data;
    csd_lock(csd);
  }
  p_.store_relaxed(csd->func, func);
  p_.store_relaxed(csd->info, info);
  set_debug_route(csd, self, cpu);
  const int err = exec_single(cpu, csd, kind);
  if (wait) csd_lock_wait(csd, cpu);
  p_.preempt_enable();
  return err;
}

// smp_call_function_single_async() (SEM-14): no context checks, -EBUSY if
// the caller's csd is still locked.
template <class P>
int Xcall<P>::single_async(int cpu, csd_t* csd) {
  p_.preempt_disable();
  int err = -kEBUSY;
  if ((p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_LOCK) == 0) {
    p_.store_relaxed(csd->node.u_flags, CSD_FLAG_LOCK);
    trace_lock(csd, CsdKind::External);
    err = exec_single(cpu, csd, CsdKind::External);
  }
  p_.preempt_enable();
  return err;
}

// CPU choice of smp_call_function_any() and the seed's smp_xcall_any():
// self if in mask; else the first online CPU of this node in mask
// (ascending); else any online CPU in mask; -1 if none (SEM-15, 1.4.7).
template <class P>
int Xcall<P>::pick_any_cpu(const cpumask_t& mask) {
  const int self = p_.this_cpu();
  if (mask.test(self)) return self;
  const int node = p_.cpu_to_node(self);
  const int nr = p_.nr_cpu_ids();
  for (int cpu = mask.first(); cpu >= 0 && cpu < nr; cpu = mask.next(cpu))
    if (p_.cpu_to_node(cpu) == node && p_.cpu_online(cpu)) return cpu;
  for (int cpu = mask.first(); cpu >= 0 && cpu < nr; cpu = mask.next(cpu))
    if (p_.cpu_online(cpu)) return cpu;
  return -1;
}

template <class P>
int Xcall<P>::any(const cpumask_t& mask, smp_call_func_t func, void* info, bool wait) {
  p_.preempt_disable();  // get_cpu()
  const int cpu = pick_any_cpu(mask);
  // None qualifies: smp_call_function_single(nr_cpu_ids) -> -ENXIO.
  const int ret = single(cpu < 0 ? p_.nr_cpu_ids() : cpu, func, info, wait);
  p_.preempt_enable();
  return ret;
}

// ---- Upstream entry points: trace, reject NULLs, run the body ----

template <class P>
int Xcall<P>::smp_call_function_single(int cpu, smp_call_func_t func, void* info, int wait) {
  constexpr Api api = Api::SmpCallFunctionSingle;
  trace_issue(api, cpu, nullptr, wait ? XCALL_TYPE_SYNC : XCALL_TYPE_ASYNC, func, info);
  return trace_return(api, func == nullptr ? reject_null(api) : single(cpu, func, info, wait));
}

template <class P>
int Xcall<P>::smp_call_function_single_async(int cpu, csd_t* csd) {
  constexpr Api api = Api::SmpCallFunctionSingleAsync;
  trace_issue(api, cpu, nullptr, XCALL_TYPE_ASYNC, nullptr, nullptr);
  return trace_return(api, csd == nullptr ? reject_null(api) : single_async(cpu, csd));
}

template <class P>
void Xcall<P>::smp_call_function_many(const cpumask_t* mask, smp_call_func_t func, void* info,
                                      bool wait) {
  constexpr Api api = Api::SmpCallFunctionMany;
  trace_issue(api, -1, mask, wait ? XCALL_TYPE_SYNC : XCALL_TYPE_ASYNC, func, info);
  if (mask == nullptr || func == nullptr) {
    trace_return(api, reject_null(api));
    return;
  }
  // v5.18 asserts the caller disabled preemption; we disable it here, as
  // later kernels do with get_cpu().
  p_.preempt_disable();
  many_cond(*mask, func, info, wait, false, nullptr);
  p_.preempt_enable();
  trace_return(api, 0);
}

template <class P>
void Xcall<P>::smp_call_function(smp_call_func_t func, void* info, bool wait) {
  constexpr Api api = Api::SmpCallFunction;
  trace_issue(api, XCALL_ALL, nullptr, wait ? XCALL_TYPE_SYNC : XCALL_TYPE_ASYNC, func, info);
  if (func == nullptr) {
    trace_return(api, reject_null(api));
    return;
  }
  p_.preempt_disable();
  many_cond(all_possible(), func, info, wait, false, nullptr);
  p_.preempt_enable();
  trace_return(api, 0);
}

template <class P>
int Xcall<P>::smp_call_function_any(const cpumask_t* mask, smp_call_func_t func, void* info,
                                    int wait) {
  constexpr Api api = Api::SmpCallFunctionAny;
  trace_issue(api, -1, mask, wait ? XCALL_TYPE_SYNC : XCALL_TYPE_ASYNC, func, info);
  if (mask == nullptr || func == nullptr) return trace_return(api, reject_null(api));
  return trace_return(api, any(*mask, func, info, wait));
}

template <class P>
void Xcall<P>::on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func, void* info,
                                     bool wait, const cpumask_t* mask) {
  constexpr Api api = Api::OnEachCpuCondMask;
  trace_issue(api, -1, mask, wait ? XCALL_TYPE_SYNC : XCALL_TYPE_ASYNC, func, info);
  if (mask == nullptr || func == nullptr) {
    trace_return(api, reject_null(api));
    return;
  }
  p_.preempt_disable();
  many_cond(*mask, func, info, wait, true, cond_func);
  p_.preempt_enable();
  trace_return(api, 0);
}

template <class P>
void Xcall<P>::smp_call_single_queue(int cpu, csd_t* csd) {
  constexpr Api api = Api::CallSingleQueue;
  trace_issue(api, cpu, nullptr, 0, nullptr, nullptr);
  if (csd == nullptr) {
    trace_return(api, reject_null(api));
    return;
  }
  if (!valid_cpu(cpu)) {
    warn(Warning::InvalidCpu, cpu);
    trace_return(api, -kENXIO);
    return;
  }
  call_single_queue(cpu, csd, p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_TYPE_MASK,
                    CsdKind::External);
  trace_return(api, 0);
}

}  // namespace xcallsim::xcall
