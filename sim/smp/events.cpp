// Core, trace: the library's TraceEvents as trace::Records with stable ids
// (func id = registration order, csd id = arena identity, mask id = table
// index, call id = 1-based issue order carried to the call's csd).
#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

namespace {

std::uint32_t u32(std::int32_t v) {
  return static_cast<std::uint32_t>(v);
}

// xcall::Api is 0-based in the same order as the 1-based trace::Api.
std::uint32_t api_of(std::uint8_t detail) {
  return std::uint32_t{detail} + 1;
}

}  // namespace

void Core::emit(CpuState& c, trace::Kind kind, std::uint32_t call, std::uint32_t a, std::uint32_t b,
                std::uint32_t cc, std::uint32_t d) {
  sync(c);
  emit_at(c.id, c.now, kind, call, a, b, cc, d);
}

void Core::emit_at(int cpu, Cycles t, trace::Kind kind, std::uint32_t call, std::uint32_t a,
                   std::uint32_t b, std::uint32_t cc, std::uint32_t d) {
  recorder_.emit(trace::Record{t, kind, static_cast<std::uint16_t>(cpu), call, a, b, cc, d});
}

// Dense csd ids, N = cpu count: cfd csd (s, t) = s*N + t; csd_data of s =
// N*N + s; the on-stack csd of s = N*N + N + s; private slot k of s =
// N*N + 2N + s*slots + k. kNone for anything else.
std::uint32_t Core::csd_id(std::uint64_t csd) const {
  if (csd == 0) return trace::kNone;
  const auto n = static_cast<std::uint64_t>(cpu_count());
  const auto slots = static_cast<std::uint64_t>(options_.private_slots);
  const auto in = [csd](const void* base, std::uint64_t bytes) {
    const auto b = reinterpret_cast<std::uint64_t>(base);
    return csd >= b && csd < b + bytes;
  };
  const auto rel = [csd](const void* base) { return csd - reinterpret_cast<std::uint64_t>(base); };
  if (in(cfd_, n * n * sizeof(Csd))) {
    const auto slot = rel(cfd_) / sizeof(Csd);  // target-major storage (xcall/state.hpp)
    return static_cast<std::uint32_t>((slot % n) * n + slot / n);
  }
  if (in(percpu_, n * sizeof(*percpu_))) {
    const auto s = rel(percpu_) / sizeof(*percpu_);
    if (csd == reinterpret_cast<std::uint64_t>(&percpu_[s].csd_data))
      return static_cast<std::uint32_t>(n * n + s);
    return trace::kNone;
  }
  if (in(stacks_base_, n * stack_stride_))
    return static_cast<std::uint32_t>(n * n + n + rel(stacks_base_) / stack_stride_);
  if (in(private_base_, n * private_stride_)) {
    const auto s = rel(private_base_) / private_stride_;
    const auto k = (rel(private_base_) % private_stride_) / sizeof(Csd);
    return static_cast<std::uint32_t>(n * n + 2 * n + s * slots + k);
  }
  return trace::kNone;
}

void Core::on_trace(const xcall::TraceEvent& ev) {
  using TK = xcall::TraceKind;
  using K = trace::Kind;
  CpuState& c = running();
  const std::uint32_t csd = csd_id(ev.csd);
  switch (ev.kind) {
    case TK::XcallIssue: {
      const std::uint32_t call = recorder_.new_call();
      c.calls.push_back(call);
      std::uint32_t func = func_id(ev.func, ev.info);
      if (func == trace::kNone && c.issue_func) func = *c.issue_func;
      c.issue_func.reset();
      std::uint32_t target = u32(ev.target);
      std::uint32_t d = func & ~trace::kMaskTarget;
      if (ev.mask != nullptr) {
        target = recorder_.mask_id(ev.mask, ev.mask_bits);
        d |= trace::kMaskTarget;
      }
      emit(c, K::XcallIssue, call, api_of(ev.detail), ev.csd_type, target, d);
      break;
    }
    case TK::XcallReturn:
      emit(c, K::XcallReturn, current_call(c), u32(ev.value), api_of(ev.detail));
      if (!c.calls.empty()) c.calls.pop_back();
      break;
    case TK::CsdQueue:
      recorder_.bind_csd(csd, current_call(c));
      if (ev.value == 0) ++c.counters.queue_coalesced;
      emit(c, K::CsdQueue, current_call(c), u32(ev.target), csd, ev.csd_type, u32(ev.value));
      break;
    case TK::IpiSendSingle:
    case TK::IpiSendMask:
    case TK::IpiResend:
      break;  // the platform's IpiSend record says how it left and how many ICR writes
    case TK::IpiElided:
      emit(c, K::IpiElided, current_call(c), u32(ev.target));
      break;
    case TK::FlushBegin:
    case TK::FlushEnd:
      emit(c, ev.kind == TK::FlushBegin ? K::FlushBegin : K::FlushEnd, 0, u32(ev.value), ev.detail);
      break;
    case TK::FuncEntry: {
      const bool local = ev.detail == static_cast<std::uint8_t>(xcall::FuncSite::Local);
      const std::uint32_t call = local ? current_call(c) : recorder_.call_of_csd(csd);
      c.funcs.push_back(call);
      emit(c, K::FuncEntry, call, func_id(ev.func, ev.info), csd, local ? 1 : 0, ev.detail);
      break;
    }
    case TK::FuncExit: {
      const std::uint32_t call = c.funcs.empty() ? 0 : c.funcs.back();
      if (!c.funcs.empty()) c.funcs.pop_back();
      emit(c, K::FuncExit, call, func_id(ev.func, ev.info), csd);
      break;
    }
    case TK::CsdLock:
      emit(c, K::CsdLock, current_call(c), csd);
      break;
    case TK::CsdUnlock:
      emit(c, K::CsdUnlock, recorder_.call_of_csd(csd), csd, u32(ev.value));
      break;
    case TK::LockWaitBegin:
    case TK::LockWaitEnd:
      emit(c, ev.kind == TK::LockWaitBegin ? K::LockWaitBegin : K::LockWaitEnd, current_call(c),
           csd, u32(ev.target));
      break;
    case TK::Warning:
      emit(c, K::Warning, current_call(c), ev.detail, u32(ev.value), trace::kNone);
      break;
  }
}

}  // namespace xcallsim::smp::detail
