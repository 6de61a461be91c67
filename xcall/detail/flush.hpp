// Xcall<P> internals: the receive-side flush (SEMANTICS 2.6, SEM-20..23).
// Part of xcall/xcall.hpp; include that instead.
#pragma once

#include "xcall/xcall.hpp"

namespace xcallsim::xcall {

// __flush_smp_call_function_queue(): one snapshot, reversed to FIFO, run in
// three passes. Entries are unlinked before they run and each `next` is read
// before its csd is unlocked (llist_for_each_entry_safe), because an
// unlocked csd may be re-queued by its owner at once.
template <class P>
void Xcall<P>::flush_queue(bool warn_cpu_offline, FlushSource source) {
  const int self = p_.this_cpu();
  if (!p_.irqs_disabled()) warn(Warning::FlushIrqsEnabled, static_cast<int>(source));
  int count = 0;
  node_t* entry =
      llist_reverse_order(p_, llist_del_all(p_, state_.cpu(self).call_single_queue), count);
  TraceEvent ev = event(TraceKind::FlushBegin);
  ev.detail = static_cast<uint8_t>(source);
  ev.value = count;
  p_.trace(ev);
  // Tests `entry`, as 6.x does; v5.18 tested the (just emptied) head.
  if (warn_cpu_offline && !p_.cpu_online(self) && entry != nullptr) warn_offline_entries(entry);

  // Pass 1: SYNC only, "people are waiting for us"; unlock AFTER func.
  node_t* prev = nullptr;
  for (node_t* node = entry; node != nullptr;) {
    node_t* next = p_.load_relaxed(node->next);
    csd_t* csd = csd_of(node);
    if ((p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_TYPE_MASK) == CSD_TYPE_SYNC) {
      const smp_call_func_t func = p_.load_relaxed(csd->func);
      void* const info = p_.load_relaxed(csd->info);
      if (prev != nullptr)
        p_.store_relaxed(prev->next, next);
      else
        entry = next;
      csd_lock_record(csd, func, info);
      run_func(FuncSite::FlushSync, func, info, csd);
      csd_unlock(csd);
      csd_lock_record(nullptr, nullptr, nullptr);
    } else {
      prev = node;
    }
    node = next;
  }

  // Pass 2: everything but TTWU, FIFO; ASYNC is unlocked BEFORE func.
  prev = nullptr;
  for (node_t* node = entry; node != nullptr;) {
    node_t* next = p_.load_relaxed(node->next);
    csd_t* csd = csd_of(node);
    const uint32_t type = p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_TYPE_MASK;
    if (type != CSD_TYPE_TTWU) {
      if (prev != nullptr)
        p_.store_relaxed(prev->next, next);
      else
        entry = next;
      if (type == CSD_TYPE_ASYNC) {
        const smp_call_func_t func = p_.load_relaxed(csd->func);
        void* const info = p_.load_relaxed(csd->info);
        csd_lock_record(csd, func, info);
        csd_unlock(csd);
        run_func(FuncSite::FlushAsync, func, info, csd);
        csd_lock_record(nullptr, nullptr, nullptr);
      } else if (type == CSD_TYPE_IRQ_WORK) {
        irq_work_single(csd);
      }  // unknown types are unlinked and dropped, as in Linux
    } else {
      prev = node;
    }
    node = next;
  }

  // Pass 3: only TTWU is left: sched_ttwu_pending(entry), one batch in FIFO
  // order. TTWU entries carry no lock; each func runs once.
  for (node_t* node = entry; node != nullptr;) {
    node_t* next = p_.load_relaxed(node->next);
    csd_t* csd = csd_of(node);
    run_func(FuncSite::FlushTtwu, p_.load_relaxed(csd->func), p_.load_relaxed(csd->info), csd);
    node = next;
  }
  ev.kind = TraceKind::FlushEnd;
  p_.trace(ev);
}

// irq_work_single(): clear PENDING, run, then clear BUSY if nobody re-claimed
// the work meanwhile. Our irq_work is a csd whose func(info) is the work.
template <class P>
void Xcall<P>::irq_work_single(csd_t* csd) {
  uint32_t flags = p_.load_relaxed(csd->node.u_flags);
  flags &= ~IRQ_WORK_PENDING;
  const smp_call_func_t func = p_.load_relaxed(csd->func);
  void* const info = p_.load_relaxed(csd->info);
  p_.xchg(csd->node.u_flags, flags);
  run_func(FuncSite::FlushIrqWork, func, info, csd);
  uint32_t expected = flags;
  p_.cmpxchg(csd->node.u_flags, expected, flags & ~IRQ_WORK_BUSY);
}

// "IPI on offline CPU %d", once per boot, then one pr_warn per entry (SEM-21).
template <class P>
void Xcall<P>::warn_offline_entries(node_t* entry) {
  auto& warned = state_.globals().offline_ipi_warned;
  if (p_.load_relaxed(warned) != 0) return;
  p_.store_relaxed(warned, 1u);
  warn(Warning::IpiOnOfflineCpu, p_.this_cpu());
  for (node_t* node = entry; node != nullptr; node = p_.load_relaxed(node->next)) {
    csd_t* csd = csd_of(node);
    const uint32_t type = p_.load_relaxed(csd->node.u_flags) & CSD_FLAG_TYPE_MASK;
    if (type == CSD_TYPE_SYNC || type == CSD_TYPE_ASYNC || type == CSD_TYPE_IRQ_WORK)
      warn(Warning::CallbackOnOfflineCpu, static_cast<int>(type), p_.load_relaxed(csd->func));
    else if (type == CSD_TYPE_TTWU)
      warn(Warning::TtwuOnOfflineCpu, static_cast<int>(type));
    else
      warn(Warning::UnknownTypeOnOfflineCpu, static_cast<int>(type));
  }
}

// flush_smp_call_function_queue() from task/idle context (SEM-22). Pending
// softirqs are not modelled.
template <class P>
void Xcall<P>::flush_smp_call_function_queue() {
  if (p_.load_relaxed(state_.cpu(p_.this_cpu()).call_single_queue.first) == nullptr) return;
  const auto flags = p_.local_irq_save();
  flush_queue(true, FlushSource::Idle);
  p_.local_irq_restore(flags);
}

}  // namespace xcallsim::xcall
