// Xcall<P>: the seed's smp_xcall* entry points (SEMANTICS 1.1 patches 02-08,
// 1.4) with their profile dispatch. Every seed-vs-upstream difference is a
// read of rules_ (profile.hpp). Part of xcall/xcall.hpp; include that instead.
#pragma once

#include "xcall/xcall.hpp"

namespace xcallsim::xcall {

// smp_xcall_cond() body. Flags are tested with `flags & XCALL_TYPE_SYNC`, as
// the seed does (patch 08), so TTWU (0x30) counts as SYNC and IRQ_WORK as ASYNC.
template <class P>
int Xcall<P>::xcall_cond(int cpu, smp_call_func_t func, void* info, unsigned int flags,
                         smp_cond_func_t cond_func) {
  const bool wait = (flags & XCALL_TYPE_SYNC) != 0;
  if (cpu == XCALL_ALL) {
    p_.preempt_disable();
    many_cond(all_possible(), func, info, wait, rules_.all_includes_self, cond_func);
    p_.preempt_enable();
    return 0;
  }
  if (!valid_cpu(cpu)) {
    if (rules_.warn_invalid_cpu) warn(Warning::InvalidCpu, cpu);
    return -kENXIO;
  }
  if (rules_.single_uses_mask_path) {
    // Patch 04: cpumask_of(cpu) through the mask path; an offline cpu drops
    // out of cfd_cpumask, so it returns 0 and calls nothing (1.4.2).
    p_.preempt_disable();
    many_cond(cpumask_t::of(cpu), func, info, wait, true, cond_func);
    p_.preempt_enable();
    return 0;
  }
  // Upstream has no single-CPU cond call: the sender filters, then
  // smp_call_function_single().
  if (cond_func != nullptr) {
    p_.preempt_disable();
    const bool call = cond_func(cpu, info);
    p_.preempt_enable();
    if (!call) return 0;
  }
  return single(cpu, func, info, wait);
}

template <class P>
int Xcall<P>::smp_xcall(int cpu, smp_call_func_t func, void* info, unsigned int flags) {
  constexpr Api api = Api::SmpXcall;
  trace_issue(api, cpu, nullptr, flags, func, info);
  return trace_return(
      api, func == nullptr ? reject_null(api) : xcall_cond(cpu, func, info, flags, nullptr));
}

template <class P>
int Xcall<P>::smp_xcall_cond(int cpu, smp_call_func_t func, void* info, unsigned int flags,
                             smp_cond_func_t cond_func) {
  constexpr Api api = Api::SmpXcallCond;
  trace_issue(api, cpu, nullptr, flags, func, info);
  return trace_return(
      api, func == nullptr ? reject_null(api) : xcall_cond(cpu, func, info, flags, cond_func));
}

template <class P>
int Xcall<P>::smp_xcall_mask(const cpumask_t* mask, smp_call_func_t func, void* info,
                             unsigned int flags) {
  constexpr Api api = Api::SmpXcallMask;
  trace_issue(api, -1, mask, flags, func, info);
  if (mask == nullptr || func == nullptr) return trace_return(api, reject_null(api));
  p_.preempt_disable();
  many_cond(*mask, func, info, (flags & XCALL_TYPE_SYNC) != 0, rules_.mask_runs_local, nullptr);
  p_.preempt_enable();
  return trace_return(api, 0);
}

// Seed: __smp_call_mask_cond() with unconditional run-local; upstream:
// on_each_cpu_cond_mask() (SCF_RUN_LOCAL). Both run locally.
template <class P>
int Xcall<P>::smp_xcall_mask_cond(const cpumask_t* mask, smp_call_func_t func, void* info,
                                  unsigned int flags, smp_cond_func_t cond_func) {
  constexpr Api api = Api::SmpXcallMaskCond;
  trace_issue(api, -1, mask, flags, func, info);
  if (mask == nullptr || func == nullptr) return trace_return(api, reject_null(api));
  p_.preempt_disable();
  many_cond(*mask, func, info, (flags & XCALL_TYPE_SYNC) != 0, true, cond_func);
  p_.preempt_enable();
  return trace_return(api, 0);
}

template <class P>
int Xcall<P>::smp_xcall_private(int cpu, csd_t* csd, unsigned int flags) {
  constexpr Api api = Api::SmpXcallPrivate;
  trace_issue(api, cpu, nullptr, flags, nullptr, nullptr);
  return trace_return(api, rules_.private_seed_rules ? private_seed(cpu, csd, flags)
                                                     : private_upstream(cpu, csd, flags));
}

// Patch 05 (1.4.6): -EINVAL for a bad/offline cpu or NULL csd, -EBUSY if
// locked; the lock bit only for SYNC/ASYNC; self runs inline after
// csd_unlock() (which WARNs for the unlocked IRQ_WORK/TTWU types, as posted);
// SYNC waits. Context rule: only SYNC is checked (ASYNC, and the kernel-
// internal IRQ_WORK/TTWU users, may run with IRQs off).
template <class P>
int Xcall<P>::private_seed(int cpu, csd_t* csd, unsigned int flags) {
  if (!valid_cpu(cpu) || !p_.cpu_online(cpu)) {
    warn(Warning::PrivateBadCpu, cpu);
    return -kEINVAL;
  }
  if (csd == nullptr) return reject_null(Api::SmpXcallPrivate);
  const uint32_t type = flags & XCALL_TYPE_MASK;
  if (type == XCALL_TYPE_SYNC) check_single_context();
  p_.preempt_disable();
  int ret = 0;
  if ((p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_LOCK) != 0) {
    ret = -kEBUSY;
  } else {
    const bool lockable = type == XCALL_TYPE_SYNC || type == XCALL_TYPE_ASYNC;
    p_.store_relaxed(csd->node.u_flags, lockable ? (CSD_FLAG_LOCK | type) : type);
    if (lockable) trace_lock(csd, CsdKind::External);
    const int self = p_.this_cpu();
    if (cpu == self) {
      const smp_call_func_t func = p_.load_relaxed(csd->func);
      void* const info = p_.load_relaxed(csd->info);
      csd_unlock(csd);
      const auto irq = p_.local_irq_save();
      run_func(FuncSite::Local, func, info, csd);
      p_.local_irq_restore(irq);
    } else {
      set_debug_route(csd, self, cpu);
      call_single_queue(cpu, csd, type, CsdKind::External);
      if (type == XCALL_TYPE_SYNC) csd_lock_wait(csd, cpu);
    }
  }
  p_.preempt_enable();
  return ret;
}

// Upstream mapping: ASYNC is smp_call_function_single_async(); SYNC is
// generic_exec_single() + csd_lock_wait() on the caller's csd (what
// smp_call_function_single() does with its stack csd); IRQ_WORK/TTWU are
// __smp_call_single_queue() (irq_work_queue_on, ttwu), inline on self.
template <class P>
int Xcall<P>::private_upstream(int cpu, csd_t* csd, unsigned int flags) {
  if (csd == nullptr) return reject_null(Api::SmpXcallPrivate);
  const uint32_t type = flags & XCALL_TYPE_MASK;
  if (type == XCALL_TYPE_ASYNC) return single_async(cpu, csd);
  if (type == XCALL_TYPE_SYNC) {
    check_single_context();
    p_.preempt_disable();
    int ret = -kEBUSY;
    if ((p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_LOCK) == 0) {
      p_.store_relaxed(csd->node.u_flags, CSD_FLAG_LOCK | CSD_TYPE_SYNC);
      trace_lock(csd, CsdKind::External);
      set_debug_route(csd, p_.this_cpu(), cpu);
      ret = exec_single(cpu, csd, CsdKind::External);
      csd_lock_wait(csd, cpu);
    }
    p_.preempt_enable();
    return ret;
  }
  if (!valid_cpu(cpu) || !p_.cpu_online(cpu)) return -kENXIO;
  p_.preempt_disable();
  p_.store_relaxed(csd->node.u_flags, type);
  if (cpu == p_.this_cpu()) {
    const smp_call_func_t func = p_.load_relaxed(csd->func);
    void* const info = p_.load_relaxed(csd->info);
    const auto irq = p_.local_irq_save();
    run_func(FuncSite::Local, func, info, csd);
    p_.local_irq_restore(irq);
  } else {
    call_single_queue(cpu, csd, type, CsdKind::External);
  }
  p_.preempt_enable();
  return 0;
}

template <class P>
int Xcall<P>::smp_xcall_any(const cpumask_t* mask, smp_call_func_t func, void* info,
                            unsigned int flags) {
  constexpr Api api = Api::SmpXcallAny;
  trace_issue(api, -1, mask, flags, func, info);
  if (mask == nullptr || func == nullptr) return trace_return(api, reject_null(api));
  if (!rules_.any_seed_rules)
    return trace_return(api, any(*mask, func, info, (flags & XCALL_TYPE_SYNC) != 0));
  return trace_return(api, any_seed(mask, func, info, flags));
}

// Patch 07 (1.4.7): flags must be exactly SYNC or ASYNC; -ENXIO if no CPU
// qualifies; otherwise 0 whatever smp_xcall() returned.
template <class P>
int Xcall<P>::any_seed(const cpumask_t* mask, smp_call_func_t func, void* info,
                       unsigned int flags) {
  if (flags != XCALL_TYPE_SYNC && flags != XCALL_TYPE_ASYNC) return -kEINVAL;
  p_.preempt_disable();
  const int cpu = pick_any_cpu(*mask);
  int ret = -kENXIO;
  if (cpu >= 0) {
    (void)xcall_cond(cpu, func, info, flags, nullptr);
    ret = 0;
  }
  p_.preempt_enable();
  return ret;
}

}  // namespace xcallsim::xcall
