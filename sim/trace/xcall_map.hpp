// Contract: the one mapping from the xcall library's TraceEvents
// (xcall/trace_events.hpp) to trace records (kinds.hpp, field meanings in
// record.hpp), shared by every producer that runs the library: the simulator
// (sim/smp/events.cpp) and the bare-metal guest (guest/trace/recorder.cpp).
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
//   void emit(Kind, uint32_t call, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
// IPI sends are not mapped here: IpiSendSingle/IpiSendMask/IpiResend carry no
// send mode or ICR count, so the platform emits the IpiSend record itself.
#pragma once

#include <stdint.h>

#include "sim/trace/kinds.hpp"
#include "xcall/trace_events.hpp"

namespace xcallsim::trace {

// xcall::Api is 0-based in the same order as the 1-based trace::Api.
constexpr uint32_t api_of(uint8_t xcall_api) {
  return uint32_t{xcall_api} + 1;
}

template <class Env>
void map_xcall_event(Env& env, const xcall::TraceEvent& ev) {
  using TK = xcall::TraceKind;
  const auto u32 = [](int32_t v) { return static_cast<uint32_t>(v); };
  switch (ev.kind) {
    case TK::XcallIssue: {
      const uint32_t call = env.new_call();
      env.push_call(call);
      uint32_t target = u32(ev.target);
      uint32_t d = env.issue_func_id(ev) & ~kMaskTarget;
      if (ev.mask != nullptr) {
        target = env.mask_id(ev.mask, ev.mask_bits);
        d |= kMaskTarget;
      }
      env.emit(Kind::XcallIssue, call, api_of(ev.detail), ev.csd_type, target, d);
      break;
    }
    case TK::XcallReturn:
      env.emit(Kind::XcallReturn, env.current_call(), u32(ev.value), api_of(ev.detail), 0, 0);
      env.pop_call();
      break;
    case TK::CsdQueue: {
      const uint32_t csd = env.csd_id(ev);
      env.bind_csd(csd, env.current_call());
      env.emit(Kind::CsdQueue, env.current_call(), u32(ev.target), csd, ev.csd_type, u32(ev.value));
      break;
    }
    case TK::IpiSendSingle:
    case TK::IpiSendMask:
    case TK::IpiResend:
      break;  // the platform's IpiSend record says how it left and how many ICR writes
    case TK::IpiElided:
      env.emit(Kind::IpiElided, env.current_call(), u32(ev.target), 0, 0, 0);
      break;
    case TK::FlushBegin:
    case TK::FlushEnd:
      env.emit(ev.kind == TK::FlushBegin ? Kind::FlushBegin : Kind::FlushEnd, 0, u32(ev.value),
               ev.detail, 0, 0);
      break;
    case TK::FuncEntry: {
      const uint32_t csd = env.csd_id(ev);
      const bool local = ev.detail == static_cast<uint8_t>(xcall::FuncSite::Local);
      const uint32_t call = local ? env.current_call() : env.call_of_csd(csd);
      env.push_func(call);
      env.emit(Kind::FuncEntry, call, env.func_id(ev), csd, local ? 1 : 0, ev.detail);
      break;
    }
    case TK::FuncExit: {
      const uint32_t call = env.pop_func();
      env.emit(Kind::FuncExit, call, env.func_id(ev), env.csd_id(ev), 0, 0);
      break;
    }
    case TK::CsdLock:
      env.emit(Kind::CsdLock, env.current_call(), env.csd_id(ev), 0, 0, 0);
      break;
    case TK::CsdUnlock: {
      const uint32_t csd = env.csd_id(ev);
      env.emit(Kind::CsdUnlock, env.call_of_csd(csd), csd, u32(ev.value), 0, 0);
      break;
    }
    case TK::LockWaitBegin:
    case TK::LockWaitEnd:
      env.emit(ev.kind == TK::LockWaitBegin ? Kind::LockWaitBegin : Kind::LockWaitEnd,
               env.current_call(), env.csd_id(ev), u32(ev.target), 0, 0);
      break;
    case TK::Warning:
      env.emit(Kind::Warning, env.current_call(), ev.detail, u32(ev.value), kNone, 0);
      break;
  }
}

}  // namespace xcallsim::trace
