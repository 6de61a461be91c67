// Contract: the one mapping from the xcall library's TraceEvents
// (xcall/trace_events.hpp) to trace records (kinds.hpp, field meanings in
// record.hpp), shared by every producer that runs the library: the simulator
// (sim/smp/events.cpp) and the bare-metal guest (guest/trace/recorder.cpp),
// and the one place where each library enum is tied to its trace twin.
// Freestanding: no C++ library, no allocation, no exceptions.
//
// `Env` is the producer's side, called on the CPU the event describes:
//   uint32_t csd_id(const xcall::TraceEvent&)        stable csd id or kNone
//   uint32_t func_id(const xcall::TraceEvent&)       func id (ev.func, ev.info) or kNone
//   uint32_t issue_func_id(const xcall::TraceEvent&) func id of an XcallIssue
//   uint32_t mask_id(const uint64_t* words, uint32_t bits)
//   uint32_t new_call()                              a fresh call id (1-based)
//   void push_call(uint32_t) / void pop_call() / uint32_t current_call()
//       this CPU's open calls, innermost last; current_call() is 0 if none
//   void push_func(uint32_t) / uint32_t pop_func()   calls of the funcs this CPU
//       runs, innermost last; pop_func() returns 0 if none
//   void bind_csd(uint32_t csd, uint32_t call) / uint32_t call_of_csd(uint32_t csd)
//       which call last queued a csd (0 if unknown); shared by all CPUs
//   void emit(Record)  the producer sets its time and cpu
// IPI sends are not mapped here: IpiSendSingle/IpiSendMask/IpiResend carry no
// send mode or ICR count, so the platform emits the IpiSend record itself.
#pragma once

#include <stdint.h>

#include "sim/trace/records.hpp"
#include "xcall/platform/warnings.hpp"
#include "xcall/platform/x86_send_policy.hpp"
#include "xcall/trace_events.hpp"
#include "xcall/types.hpp"

namespace xcallsim::trace {

// xcall::Api is 0-based in the same order as the 1-based trace::Api.
constexpr Api api_of(uint8_t xcall_api) {
  return static_cast<Api>(uint32_t{xcall_api} + 1);
}
#define XCALLSIM_SAME_API(lib, tr) \
  static_assert(api_of(static_cast<uint8_t>(xcall::Api::lib)) == Api::tr)
XCALLSIM_SAME_API(SmpXcall, Single);
XCALLSIM_SAME_API(SmpXcallCond, Cond);
XCALLSIM_SAME_API(SmpXcallMask, Mask);
XCALLSIM_SAME_API(SmpXcallMaskCond, MaskCond);
XCALLSIM_SAME_API(SmpXcallPrivate, Private);
XCALLSIM_SAME_API(SmpXcallAny, Any);
XCALLSIM_SAME_API(SmpCallFunctionSingle, CallFunctionSingle);
XCALLSIM_SAME_API(SmpCallFunctionSingleAsync, CallFunctionSingleAsync);
XCALLSIM_SAME_API(SmpCallFunctionMany, CallFunctionMany);
XCALLSIM_SAME_API(SmpCallFunction, CallFunction);
XCALLSIM_SAME_API(SmpCallFunctionAny, CallFunctionAny);
XCALLSIM_SAME_API(OnEachCpuCondMask, OnEachCpuCondMask);
XCALLSIM_SAME_API(CallSingleQueue, CallSingleQueue);
#undef XCALLSIM_SAME_API

// The library's other enums have the trace's values: the same number, the same name.
#define XCALLSIM_SAME_VALUE(lib, tr) \
  static_assert(static_cast<uint32_t>(lib) == static_cast<uint32_t>(tr), #lib " != " #tr)
XCALLSIM_SAME_VALUE(xcall::CSD_TYPE_ASYNC, CsdType::Async);
XCALLSIM_SAME_VALUE(xcall::CSD_TYPE_SYNC, CsdType::Sync);
XCALLSIM_SAME_VALUE(xcall::CSD_TYPE_IRQ_WORK, CsdType::IrqWork);
XCALLSIM_SAME_VALUE(xcall::CSD_TYPE_TTWU, CsdType::Ttwu);
XCALLSIM_SAME_VALUE(xcall::FlushSource::Interrupt, FlushSource::Interrupt);
XCALLSIM_SAME_VALUE(xcall::FlushSource::Idle, FlushSource::Idle);
XCALLSIM_SAME_VALUE(xcall::FlushSource::Dying, FlushSource::Dying);
XCALLSIM_SAME_VALUE(xcall::FuncSite::FlushSync, FuncSite::FlushSync);
XCALLSIM_SAME_VALUE(xcall::FuncSite::FlushAsync, FuncSite::FlushAsync);
XCALLSIM_SAME_VALUE(xcall::FuncSite::FlushIrqWork, FuncSite::FlushIrqWork);
XCALLSIM_SAME_VALUE(xcall::FuncSite::FlushTtwu, FuncSite::FlushTtwu);
XCALLSIM_SAME_VALUE(xcall::FuncSite::Local, FuncSite::Local);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::Unicast, SendHow::Unicast);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::ShorthandAllButSelf, SendHow::ShorthandAllButSelf);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::ShorthandAll, SendHow::ShorthandAll);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::ClusterMulticast, SendHow::ClusterMulticast);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::PerCpuLoop, SendHow::PerCpuLoop);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::LogicalFlat, SendHow::LogicalFlat);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::Nothing, SendHow::Nothing);
XCALLSIM_SAME_VALUE(xcall::x86::SendHow::PvHypercall, SendHow::PvHypercall);
XCALLSIM_SAME_VALUE(xcall::Warning::IrqsDisabled, WarningCode::IrqsDisabled);
XCALLSIM_SAME_VALUE(xcall::Warning::IrqsDisabledLockdep, WarningCode::IrqsDisabledLockdep);
XCALLSIM_SAME_VALUE(xcall::Warning::NotInTask, WarningCode::NotInTask);
XCALLSIM_SAME_VALUE(xcall::Warning::InvalidCpu, WarningCode::InvalidCpu);
XCALLSIM_SAME_VALUE(xcall::Warning::PrivateBadCpu, WarningCode::PrivateBadCpu);
XCALLSIM_SAME_VALUE(xcall::Warning::NullArgument, WarningCode::NullArgument);
XCALLSIM_SAME_VALUE(xcall::Warning::CsdUnlockNotLocked, WarningCode::CsdUnlockNotLocked);
XCALLSIM_SAME_VALUE(xcall::Warning::IpiOnOfflineCpu, WarningCode::IpiOnOfflineCpu);
XCALLSIM_SAME_VALUE(xcall::Warning::CallbackOnOfflineCpu, WarningCode::CallbackOnOfflineCpu);
XCALLSIM_SAME_VALUE(xcall::Warning::TtwuOnOfflineCpu, WarningCode::TtwuOnOfflineCpu);
XCALLSIM_SAME_VALUE(xcall::Warning::UnknownTypeOnOfflineCpu, WarningCode::UnknownTypeOnOfflineCpu);
XCALLSIM_SAME_VALUE(xcall::Warning::FlushIrqsEnabled, WarningCode::FlushIrqsEnabled);
XCALLSIM_SAME_VALUE(xcall::Warning::CsdLockWaitBadCpu, WarningCode::CsdLockWaitBadCpu);
static_assert(xcall::kWarningCount == 13, "a new xcall::Warning needs its WarningCode");
#undef XCALLSIM_SAME_VALUE

constexpr SendHow send_how_of(xcall::x86::SendHow how) {
  return static_cast<SendHow>(how);
}

template <class Env>
void map_xcall_event(Env& env, const xcall::TraceEvent& ev) {
  using TK = xcall::TraceKind;
  const auto u32 = [](int32_t v) { return static_cast<uint32_t>(v); };
  switch (ev.kind) {
    case TK::XcallIssue: {
      const uint32_t call = env.new_call();
      env.push_call(call);
      XcallIssue r{.call = call,
                   .api = api_of(ev.detail),
                   .flags = ev.csd_type,
                   .target = u32(ev.target),
                   .func = env.issue_func_id(ev) & ~kMaskTarget};
      if (ev.mask != nullptr) {
        r.target = env.mask_id(ev.mask, ev.mask_bits);
        r.target_is_mask = true;
      }
      env.emit(r.to_record());
      break;
    }
    case TK::XcallReturn:
      env.emit(XcallReturn{.call = env.current_call(), .ret = ev.value, .api = api_of(ev.detail)}
                   .to_record());
      env.pop_call();
      break;
    case TK::CsdQueue: {
      const uint32_t csd = env.csd_id(ev);
      env.bind_csd(csd, env.current_call());
      env.emit(CsdQueue{.call = env.current_call(),
                        .target = u32(ev.target),
                        .csd = csd,
                        .type = static_cast<CsdType>(ev.csd_type),
                        .queue_was_empty = ev.value != 0}
                   .to_record());
      break;
    }
    case TK::IpiSendSingle:
    case TK::IpiSendMask:
    case TK::IpiResend:
      break;  // the platform's IpiSend record says how it left and how many ICR writes
    case TK::IpiElided:
      env.emit(IpiElided{.call = env.current_call(), .target = u32(ev.target)}.to_record());
      break;
    case TK::FlushBegin:
      env.emit(FlushBegin{.entries = u32(ev.value), .source = static_cast<FlushSource>(ev.detail)}
                   .to_record());
      break;
    case TK::FlushEnd:
      env.emit(FlushEnd{.entries = u32(ev.value), .source = static_cast<FlushSource>(ev.detail)}
                   .to_record());
      break;
    case TK::FuncEntry: {
      const uint32_t csd = env.csd_id(ev);
      const auto site = static_cast<FuncSite>(ev.detail);
      const bool local = site == FuncSite::Local;
      const uint32_t call = local ? env.current_call() : env.call_of_csd(csd);
      env.push_func(call);
      env.emit(
          FuncEntry{.call = call, .func = env.func_id(ev), .csd = csd, .local = local, .site = site}
              .to_record());
      break;
    }
    case TK::FuncExit: {
      const uint32_t call = env.pop_func();
      env.emit(FuncExit{.call = call, .func = env.func_id(ev), .csd = env.csd_id(ev)}.to_record());
      break;
    }
    case TK::CsdLock:
      env.emit(CsdLock{.call = env.current_call(), .csd = env.csd_id(ev)}.to_record());
      break;
    case TK::CsdUnlock: {
      const uint32_t csd = env.csd_id(ev);
      env.emit(CsdUnlock{.call = env.call_of_csd(csd), .csd = csd, .was_locked = ev.value != 0}
                   .to_record());
      break;
    }
    case TK::LockWaitBegin:
      env.emit(
          LockWaitBegin{.call = env.current_call(), .csd = env.csd_id(ev), .target = u32(ev.target)}
              .to_record());
      break;
    case TK::LockWaitEnd:
      env.emit(
          LockWaitEnd{.call = env.current_call(), .csd = env.csd_id(ev), .target = u32(ev.target)}
              .to_record());
      break;
    case TK::Warning:
      env.emit(Warning{.call = env.current_call(),
                       .code = static_cast<WarningCode>(ev.detail),
                       .arg = u32(ev.value),
                       .func = kNone}
                   .to_record());
      break;
  }
}

}  // namespace xcallsim::trace
