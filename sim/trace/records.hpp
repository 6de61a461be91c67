// Contract: the typed view of every trace record kind. For each trace::Kind
// X there is a struct trace::X (= Typed<Kind::X>) with the record's head
// (time, cpu, call) and the kind's own fields, named and typed (enums of
// kinds.hpp, bools, 64-bit values whole), every one 0 unless set (ids too:
// write kNone / kNoFunc yourself), and
//   Record to_record() const        the 32-byte record, fields in their wire places
//   static X from(const Record& r)  the fields of r; precondition r.kind == X::kind
// from(to_record()) gives the struct back; to_record(from(r)) gives r back
// for every record a producer writes (flags 0/1, unused words 0): parse()
// checks that for untrusted input. Record's payload words are private
// (record_value.hpp), so this header and wire.hpp are the only code that
// knows where a field lives. Library-vs-trace enum pairs are tied in
// xcall_map.hpp. Freestanding (the guest includes it); pure functions.
#pragma once

#include "sim/trace/record_value.hpp"
#include "sim/trace/records_apic.hpp"
#include "sim/trace/records_calls.hpp"
#include "sim/trace/records_workload.hpp"

namespace xcallsim::trace {

// f(X::from(r)) for the typed record of r's kind; f(r) for a kind this
// version does not know (and the stream's control records).
template <class F>
constexpr decltype(auto) visit(const Record& r, F&& f) {
  switch (r.kind) {
#define XCALLSIM_TRACE_VISIT(name) \
  case Kind::name:                 \
    return f(name::from(r));
    XCALLSIM_TRACE_VISIT(XcallIssue)
    XCALLSIM_TRACE_VISIT(XcallReturn)
    XCALLSIM_TRACE_VISIT(CsdQueue)
    XCALLSIM_TRACE_VISIT(IpiSend)
    XCALLSIM_TRACE_VISIT(IpiElided)
    XCALLSIM_TRACE_VISIT(IpiDeliver)
    XCALLSIM_TRACE_VISIT(IrrCoalesced)
    XCALLSIM_TRACE_VISIT(IrqEntry)
    XCALLSIM_TRACE_VISIT(IrqExit)
    XCALLSIM_TRACE_VISIT(FuncEntry)
    XCALLSIM_TRACE_VISIT(FuncExit)
    XCALLSIM_TRACE_VISIT(CsdUnlock)
    XCALLSIM_TRACE_VISIT(Eoi)
    XCALLSIM_TRACE_VISIT(ApicError)
    XCALLSIM_TRACE_VISIT(Warning)
    XCALLSIM_TRACE_VISIT(LockWaitBegin)
    XCALLSIM_TRACE_VISIT(LockWaitEnd)
    XCALLSIM_TRACE_VISIT(FlushBegin)
    XCALLSIM_TRACE_VISIT(FlushEnd)
    XCALLSIM_TRACE_VISIT(StuckCall)
    XCALLSIM_TRACE_VISIT(CsdLock)
    XCALLSIM_TRACE_VISIT(IcrWrite)
    XCALLSIM_TRACE_VISIT(IcrBusyWait)
    XCALLSIM_TRACE_VISIT(ProgramEnd)
    XCALLSIM_TRACE_VISIT(Mark)
    XCALLSIM_TRACE_VISIT(WorkloadInfo)
    XCALLSIM_TRACE_VISIT(FuncCost)
    XCALLSIM_TRACE_VISIT(VectorDef)
    XCALLSIM_TRACE_VISIT(CpuOffline)
    XCALLSIM_TRACE_VISIT(Compute)
    XCALLSIM_TRACE_VISIT(IrqDisable)
    XCALLSIM_TRACE_VISIT(IrqEnable)
    XCALLSIM_TRACE_VISIT(RawIpi)
    XCALLSIM_TRACE_VISIT(SetTpr)
    XCALLSIM_TRACE_VISIT(IdleUntil)
    XCALLSIM_TRACE_VISIT(PrivateBusy)
    XCALLSIM_TRACE_VISIT(XcallArgs)
    XCALLSIM_TRACE_VISIT(VmExit)
    XCALLSIM_TRACE_VISIT(VcpuWake)
#undef XCALLSIM_TRACE_VISIT
  }
  return f(r);
}

// The CPU-valued field of r other than Record::cpu that must name a CPU of
// the trace (a target or a sender), if its kind has one: true and `cpu` set.
constexpr bool other_cpu(const Record& r, uint32_t& cpu) {
  switch (r.kind) {
    case Kind::CsdQueue:
      cpu = CsdQueue::from(r).target;
      return true;
    case Kind::IpiElided:
      cpu = IpiElided::from(r).target;
      return true;
    case Kind::RawIpi:
      cpu = RawIpi::from(r).target;
      return true;
    case Kind::IpiSend: {
      const IpiSend send = IpiSend::from(r);
      cpu = send.target;
      return !send.target_is_mask;
    }
    case Kind::IpiDeliver:
      cpu = IpiDeliver::from(r).sender;
      return true;
    case Kind::IrrCoalesced:
      cpu = IrrCoalesced::from(r).sender;
      return true;
    default:
      return false;
  }
}

// out = X::from(r) if r is of kind X; false (out untouched) otherwise.
template <class X>
constexpr bool as(const Record& r, X& out) {
  if (r.kind != X::kind) return false;
  out = X::from(r);
  return true;
}

// as(), and the typed record says all that r says: no flag word other
// than 0/1, no bits in unused words (the checked form, for untrusted input).
template <class X>
constexpr bool parse(const Record& r, X& out) {
  X x;
  if (!as(r, x) || !(x.to_record() == r)) return false;
  out = x;
  return true;
}

}  // namespace xcallsim::trace
