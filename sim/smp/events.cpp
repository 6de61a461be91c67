// Core, trace: the library's TraceEvents as trace::Records with stable ids
// (func id = registration order, csd id = arena identity, mask id = table
// index, call id = 1-based issue order carried to the call's csd).
#include "sim/smp/core.hpp"
#include "sim/trace/xcall_map.hpp"

namespace xcallsim::smp::detail {

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

// The mapping itself is shared with the guest (sim/trace/xcall_map.hpp);
// this is the simulator's side of it.
void Core::on_trace(const xcall::TraceEvent& ev) {
  struct Env {
    Core& core;
    CpuState& c;
    std::uint32_t csd_id(const xcall::TraceEvent& e) const { return core.csd_id(e.csd); }
    std::uint32_t func_id(const xcall::TraceEvent& e) const { return core.func_id(e.func, e.info); }
    std::uint32_t issue_func_id(const xcall::TraceEvent& e) {
      std::uint32_t func = func_id(e);
      if (func == trace::kNone && c.issue_func) func = *c.issue_func;
      c.issue_func.reset();
      return func;
    }
    std::uint32_t mask_id(const std::uint64_t* words, std::uint32_t bits) {
      return core.recorder_.mask_id(words, bits);
    }
    std::uint32_t new_call() { return core.recorder_.new_call(); }
    void push_call(std::uint32_t call) { c.calls.push_back(call); }
    void pop_call() {
      if (!c.calls.empty()) c.calls.pop_back();
    }
    std::uint32_t current_call() const { return detail::current_call(c); }
    void push_func(std::uint32_t call) { c.funcs.push_back(call); }
    std::uint32_t pop_func() {
      if (c.funcs.empty()) return 0;
      const std::uint32_t call = c.funcs.back();
      c.funcs.pop_back();
      return call;
    }
    void bind_csd(std::uint32_t csd, std::uint32_t call) { core.recorder_.bind_csd(csd, call); }
    std::uint32_t call_of_csd(std::uint32_t csd) const { return core.recorder_.call_of_csd(csd); }
    void emit(trace::Kind kind, std::uint32_t call, std::uint32_t a, std::uint32_t b,
              std::uint32_t cc, std::uint32_t d) {
      core.emit(c, kind, call, a, b, cc, d);
    }
  };
  CpuState& c = running();
  if (ev.kind == xcall::TraceKind::CsdQueue && ev.value == 0) ++c.counters.queue_coalesced;
  Env env{*this, c};
  trace::map_xcall_event(env, ev);
  if (ev.kind == xcall::TraceKind::XcallIssue) {
    // What the library's event cannot say but a re-run needs (XcallArgs).
    if (c.issue_cond || c.issue_slot) {
      const std::uint32_t cond = c.issue_cond ? static_cast<std::uint32_t>(*c.issue_cond) + 1 : 0;
      const std::uint32_t slot = c.issue_slot ? static_cast<std::uint32_t>(*c.issue_slot) + 1 : 0;
      emit(c, trace::Kind::XcallArgs, current_call(c), cond, slot);
    }
    c.issue_cond.reset();
    c.issue_slot.reset();
  }
}

namespace {

std::uint32_t lo32(std::uint64_t v) {
  return static_cast<std::uint32_t>(v);
}
std::uint32_t hi32(std::uint64_t v) {
  return static_cast<std::uint32_t>(v >> 32);
}
std::uint32_t saturate32(double v) {
  return v >= 4294967295.0 ? 0xFFFF'FFFFu : v <= 0 ? 0u : static_cast<std::uint32_t>(v + 0.5);
}

}  // namespace

void Core::record_workload() {
  const std::uint32_t bits = (options_.poll_idle ? 1u : 0u) |
                             (options_.csd_lock_wait_debug ? 2u : 0u) |
                             (options_.stop_when_stuck ? 4u : 0u);
  emit_at(0, 0, trace::Kind::WorkloadInfo, 0, bits,
          static_cast<std::uint32_t>(options_.private_slots),
          saturate32(static_cast<double>(options_.relax_cycles)),
          saturate32(options_.stuck_timeout_ns / 1000.0));
  for (std::size_t id = 0; id < functions_.size(); ++id) {
    const Cycles cycles = functions_[id].cycles;
    emit_at(0, 0, trace::Kind::FuncCost, 0, static_cast<std::uint32_t>(id), lo32(cycles),
            hi32(cycles));
  }
  for (const auto& [vector, handler] : vector_handlers_) {
    emit_at(0, 0, trace::Kind::VectorDef, 0, static_cast<std::uint32_t>(vector),
            lo32(handler.cycles), hi32(handler.cycles), handler.irqs_on ? 1 : 0);
  }
  for (const CpuState& c : cpus_)
    if (!c.online) emit_at(c.id, 0, trace::Kind::CpuOffline, 0);
}

}  // namespace xcallsim::smp::detail
