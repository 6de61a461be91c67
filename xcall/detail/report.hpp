// Xcall<P> internals: context checks, warnings and trace-event helpers.
// Part of xcall/xcall.hpp; include that instead.
#pragma once

#include "xcall/xcall.hpp"

namespace xcallsim::xcall {

// smp_call_function_single()'s checks (SEM-13, SEMANTICS 2.8).
template <class P>
void Xcall<P>::check_single_context() {
  if (p_.cpu_online(p_.this_cpu()) && p_.irqs_disabled() && !p_.oops_in_progress())
    warn(Warning::IrqsDisabled, 0);
  if (!p_.in_task()) warn(Warning::NotInTask, 0);
}

// smp_call_function_many_cond()'s checks (SEM-17); the seed's whole API goes
// through them, which is how it enforces its context rule (1.4.8).
template <class P>
void Xcall<P>::check_many_context() {
  if (p_.cpu_online(p_.this_cpu()) && !p_.oops_in_progress() && !p_.early_boot_irqs_disabled() &&
      p_.irqs_disabled())
    warn(Warning::IrqsDisabledLockdep, 0);
  if (!p_.in_task()) warn(Warning::NotInTask, 0);
}

template <class P>
int Xcall<P>::reject_null(Api api) {
  warn(Warning::NullArgument, static_cast<int>(api));
  return -kEINVAL;
}

template <class P>
void Xcall<P>::warn(Warning what, int arg, smp_call_func_t func) {
  WarningEvent w;
  w.what = what;
  w.style = warn_style(what);
  w.cpu = p_.this_cpu();
  w.arg = arg;
  w.func = identity(func);
  p_.warn(w);
  TraceEvent ev = event(TraceKind::Warning);
  ev.detail = static_cast<uint8_t>(what);
  ev.value = arg;
  ev.func = w.func;
  p_.trace(ev);
}

template <class P>
TraceEvent Xcall<P>::event(TraceKind kind) {
  TraceEvent ev;
  ev.kind = kind;
  ev.cpu = p_.this_cpu();
  return ev;
}

// Fill the csd identity; `hint` names storage the address cannot tell
// (Stack for upstream's on-stack csd, as seen by its sender).
template <class P>
void Xcall<P>::set_csd(TraceEvent& ev, const csd_t* csd, CsdKind hint) {
  CsdKind kind = CsdKind::None;
  int owner = -1;
  int index = -1;
  state_.classify(csd, kind, owner, index);
  if (kind == CsdKind::External && hint == CsdKind::Stack) {
    kind = CsdKind::Stack;
    owner = p_.this_cpu();
  }
  ev.csd = identity(csd);
  ev.csd_kind = kind;
  ev.csd_owner = static_cast<int16_t>(owner);
  ev.csd_index = static_cast<int16_t>(index);
}

template <class P>
void Xcall<P>::trace_issue(Api api, int target, const cpumask_t* mask, unsigned int flags,
                           smp_call_func_t func, void* info) {
  TraceEvent ev = event(TraceKind::XcallIssue);
  ev.detail = static_cast<uint8_t>(api);
  ev.target = target;
  ev.csd_type = static_cast<uint8_t>(flags);
  ev.func = identity(func);
  ev.info = identity(info);
  if (mask != nullptr) {
    ev.mask = mask->words();
    ev.mask_bits = static_cast<uint32_t>(p_.nr_cpu_ids());
  }
  p_.trace(ev);
}

template <class P>
int Xcall<P>::trace_return(Api api, int ret) {
  TraceEvent ev = event(TraceKind::XcallReturn);
  ev.detail = static_cast<uint8_t>(api);
  ev.value = ret;
  p_.trace(ev);
  return ret;
}

}  // namespace xcallsim::xcall
