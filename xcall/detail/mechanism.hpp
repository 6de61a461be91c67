// Xcall<P> internals: queueing, IPIs and the csd lock (SEMANTICS 2.2, 2.3,
// 2.9). Part of xcall/xcall.hpp; include that instead.
#pragma once

#include "xcall/xcall.hpp"

namespace xcallsim::xcall {

// llist_add() onto cpu's call_single_queue; true if it was empty (SEM-10).
// `type` is the csd type the caller set: once queued, the target may clear
// the flags at any time, so they are not read back.
template <class P>
bool Xcall<P>::enqueue(int cpu, csd_t* csd, uint32_t type, CsdKind hint) {
  const bool was_empty = llist_add(p_, &csd->node.llist, state_.cpu(cpu).call_single_queue);
  TraceEvent ev = event(TraceKind::CsdQueue);
  ev.target = cpu;
  ev.csd_type = static_cast<uint8_t>(type);
  ev.value = was_empty ? 1 : 0;
  set_csd(ev, csd, hint);
  p_.trace(ev);
  return was_empty;
}

// __smp_call_single_queue(): IPI only on the empty->non-empty transition.
template <class P>
void Xcall<P>::call_single_queue(int cpu, csd_t* csd, uint32_t type, CsdKind hint) {
  if (enqueue(cpu, csd, type, hint)) send_single_ipi(cpu);
}

// send_call_function_single_ipi(): idle-poll elision on this path only (SEM-11).
template <class P>
void Xcall<P>::send_single_ipi(int cpu) {
  const bool send = p_.call_function_single_prep_ipi(cpu);
  TraceEvent ev = event(send ? TraceKind::IpiSendSingle : TraceKind::IpiElided);
  ev.target = cpu;
  p_.trace(ev);
  if (send) p_.arch_send_call_function_single_ipi(cpu);
}

template <class P>
void Xcall<P>::send_mask_ipi(const cpumask_t& mask) {
  TraceEvent ev = event(TraceKind::IpiSendMask);
  ev.value = mask.weight();
  ev.mask = mask.words();
  ev.mask_bits = static_cast<uint32_t>(p_.nr_cpu_ids());
  p_.trace(ev);
  p_.arch_send_call_function_ipi_mask(mask);
}

// csd_lock(): wait for the previous use, then `u_flags |= CSD_FLAG_LOCK`
// (a plain read-modify-write by the owner, SEM-6).
template <class P>
void Xcall<P>::csd_lock(csd_t* csd) {
  csd_lock_wait(csd, -1);
  p_.store_relaxed(csd->node.u_flags, p_.load_relaxed(csd->node.u_flags) | CSD_FLAG_LOCK);
  trace_lock(csd, CsdKind::External);
}

// Every place that sets CSD_FLAG_LOCK reports it, so that each CsdUnlock
// event pairs with an earlier CsdLock of the same csd.
template <class P>
void Xcall<P>::trace_lock(const csd_t* csd, CsdKind hint) {
  TraceEvent ev = event(TraceKind::CsdLock);
  set_csd(ev, csd, hint);
  p_.trace(ev);
}

// csd_unlock(): WARN if not locked, then store-release 0: the whole word,
// type bits included (SEM-7).
template <class P>
void Xcall<P>::csd_unlock(csd_t* csd) {
  const uint32_t flags = p_.load_relaxed(csd->node.u_flags);
  const bool locked = (flags & CSD_FLAG_LOCK) != 0;
  if (!locked) warn(Warning::CsdUnlockNotLocked, static_cast<int>(flags));
  TraceEvent ev = event(TraceKind::CsdUnlock);
  ev.csd_type = static_cast<uint8_t>(flags & CSD_FLAG_TYPE_MASK);
  ev.value = locked ? 1 : 0;
  set_csd(ev, csd);
  // Traced before the release: once it is stored the owner may re-lock the
  // csd, and a CsdLock event must never precede the CsdUnlock it follows.
  p_.trace(ev);
  p_.store_release(csd->node.u_flags, 0u);
}

// csd_lock_wait(): smp_cond_load_acquire(!(flags & LOCK)), through the
// platform so it can park and time out into stuck reports (SEM-8, 29).
template <class P>
void Xcall<P>::csd_lock_wait(csd_t* csd, int target) {
  TraceEvent ev = event(TraceKind::LockWaitBegin);
  ev.target = target;
  set_csd(ev, csd);
  p_.trace(ev);
  CsdWait wait;
  wait.csd = csd;
  wait.diagnose = options_.csd_lock_wait_debug;
  int bug_id = 0;
  while (p_.wait_until(csd->node.u_flags, CSD_FLAG_LOCK, 0u, wait) == WaitResult::TimedOut)
    report_stuck_csd(csd, wait, bug_id);
  if (bug_id != 0) report_unstuck_csd(csd, wait, bug_id);
  ev.kind = TraceKind::LockWaitEnd;
  p_.trace(ev);
}

// csd_lock_record(): debug-only record of what this CPU is running.
template <class P>
void Xcall<P>::csd_lock_record(csd_t* csd, smp_call_func_t func, void* info) {
  if (!options_.csd_lock_wait_debug) return;
  CsdRecord<P>& rec = state_.cpu(p_.this_cpu()).record;
  if (csd != nullptr) {
    p_.store_relaxed(rec.cur_csd_func, func);
    p_.store_relaxed(rec.cur_csd_info, info);
  }
  p_.store_release(rec.cur_csd, csd);
}

template <class P>
void Xcall<P>::set_debug_route(csd_t* csd, int src, int dst) {
  if (!options_.csd_lock_wait_debug) return;
  p_.store_relaxed(csd->node.src, static_cast<uint16_t>(src));
  p_.store_relaxed(csd->node.dst, static_cast<uint16_t>(dst));
}

// One csd_lock_wait_toolong() timeout (SEM-30): describe, maybe re-send.
template <class P>
void Xcall<P>::report_stuck_csd(csd_t* csd, CsdWait& wait, int& bug_id) {
  CsdLockReport r;
  r.phase = CsdLockPhase::Stuck;
  r.first_report = bug_id == 0;
  if (r.first_report) {
    auto& count = state_.globals().csd_bug_count;
    uint32_t old = p_.load_relaxed(count);
    while (!p_.cmpxchg(count, old, old + 1)) {
    }
    bug_id = static_cast<int>(old + 1);
  }
  r.bug_id = bug_id;
  r.waiter_cpu = p_.this_cpu();
  r.csd_flags = p_.load_relaxed(csd->node.u_flags);
  const uint32_t type = r.csd_flags & CSD_FLAG_TYPE_MASK;
  const int cpu = type == CSD_TYPE_SYNC || type == CSD_TYPE_ASYNC
                      ? static_cast<int>(p_.load_relaxed(csd->node.dst))
                      : -1;
  int cpux = cpu;
  if (!valid_cpu(cpu)) {
    warn(Warning::CsdLockWaitBadCpu, cpu);
    cpux = 0;
  }
  r.target_cpu = cpu;
  CsdRecord<P>& rec = state_.cpu(cpux).record;
  csd_t* cur = p_.load_acquire(rec.cur_csd);
  r.csd = identity(csd);
  r.func = identity(p_.load_relaxed(csd->func));
  r.info = identity(p_.load_relaxed(csd->info));
  r.cur_csd = identity(cur);
  if (cur != nullptr && cur != csd) {
    r.activity = TargetActivity::HandlingPrior;
    r.cur_func = identity(p_.load_relaxed(rec.cur_csd_func));
    r.cur_info = identity(p_.load_relaxed(rec.cur_csd_info));
  } else {
    r.activity = cur == nullptr ? TargetActivity::Unresponsive : TargetActivity::HandlingThis;
  }
  r.ipi_resent = cpu >= 0 && cur == nullptr;
  r.ts0 = wait.ts0;
  r.ts1 = wait.ts1;
  p_.csd_lock_report(r);
  if (r.ipi_resent) {
    TraceEvent ev = event(TraceKind::IpiResend);
    ev.target = cpu;
    set_csd(ev, csd);
    p_.trace(ev);
    p_.arch_send_call_function_single_ipi(cpu);
  }
}

// "csd: CSD lock (#%d) got unstuck on CPU#%02d, CPU#%02d released the lock."
template <class P>
void Xcall<P>::report_unstuck_csd(csd_t* csd, const CsdWait& wait, int bug_id) {
  CsdLockReport r;
  r.phase = CsdLockPhase::Unstuck;
  r.bug_id = bug_id;
  r.waiter_cpu = p_.this_cpu();
  r.csd = identity(csd);
  r.target_cpu = static_cast<int>(p_.load_relaxed(csd->node.dst));
  r.ts0 = wait.ts0;
  r.ts1 = wait.ts1;
  p_.csd_lock_report(r);
}

template <class P>
void Xcall<P>::run_func(FuncSite site, smp_call_func_t func, void* info, csd_t* csd) {
  TraceEvent ev = event(TraceKind::FuncEntry);
  ev.detail = static_cast<uint8_t>(site);
  ev.func = identity(func);
  ev.info = identity(info);
  set_csd(ev, csd);
  p_.trace(ev);
  func(info);
  ev.kind = TraceKind::FuncExit;
  p_.trace(ev);
}

template <class P>
void Xcall<P>::csd_init(csd_t* csd, smp_call_func_t func, void* info, uint32_t flags) {
  p_.store_relaxed(csd->func, func);
  p_.store_relaxed(csd->info, info);
  p_.store_release(csd->node.u_flags, flags);
}

}  // namespace xcallsim::xcall
