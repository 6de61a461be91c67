// Core, trace: the library's TraceEvents as trace::Records with stable ids
// (func id = registration order, csd id = arena identity, mask id = table
// index, call id = 1-based issue order carried to the call's csd).
#include "sim/smp/core.hpp"
#include "sim/trace/xcall_map.hpp"

namespace xcallsim::smp {

// smp::Cond as an XcallArgs record says it (1 + the value; 0 is "no cond").
#define XCALLSIM_SAME_COND(name)                              \
  static_assert(static_cast<std::uint32_t>(Cond::name) + 1 == \
                static_cast<std::uint32_t>(trace::Cond::name))
XCALLSIM_SAME_COND(All);
XCALLSIM_SAME_COND(None);
XCALLSIM_SAME_COND(Odd);
XCALLSIM_SAME_COND(Even);
XCALLSIM_SAME_COND(Node0);
XCALLSIM_SAME_COND(NotSelf);
#undef XCALLSIM_SAME_COND

}  // namespace xcallsim::smp

namespace xcallsim::smp::detail {

namespace {
trace::Cond trace_cond(Cond cond) {
  return static_cast<trace::Cond>(static_cast<std::uint32_t>(cond) + 1);
}
}  // namespace

void Core::emit(CpuState& c, trace::Record record) {
  sync(c);
  emit_at(c.id, c.now, record);
}

void Core::emit_at(int cpu, Cycles t, trace::Record record) {
  record.time = t;
  record.cpu = static_cast<std::uint16_t>(cpu);
  recorder_.emit(record);
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
    void emit(trace::Record record) { core.emit(c, record); }
  };
  CpuState& c = running();
  if (ev.kind == xcall::TraceKind::CsdQueue && ev.value == 0) ++c.counters.queue_coalesced;
  Env env{*this, c};
  trace::map_xcall_event(env, ev);
  if (ev.kind == xcall::TraceKind::XcallIssue) {
    // What the library's event cannot say but a re-run needs (XcallArgs).
    if (c.issue_cond || c.issue_slot) {
      emit(c,
           trace::XcallArgs{.call = current_call(c),
                            .cond = c.issue_cond ? trace_cond(*c.issue_cond) : trace::Cond::Absent,
                            .has_slot = c.issue_slot.has_value(),
                            .slot = static_cast<std::uint32_t>(c.issue_slot.value_or(0))}
               .to_record());
    }
    c.issue_cond.reset();
    c.issue_slot.reset();
  }
}

namespace {

std::uint32_t saturate32(double v) {
  return v >= 4294967295.0 ? 0xFFFF'FFFFu : v <= 0 ? 0u : static_cast<std::uint32_t>(v + 0.5);
}

}  // namespace

void Core::record_workload() {
  emit_at(
      0, 0,
      trace::WorkloadInfo{.poll_idle = options_.poll_idle,
                          .csd_lock_wait_debug = options_.csd_lock_wait_debug,
                          .stop_when_stuck = options_.stop_when_stuck,
                          .private_slots = static_cast<std::uint32_t>(options_.private_slots),
                          .relax_cycles = saturate32(static_cast<double>(options_.relax_cycles)),
                          .stuck_timeout_us = saturate32(options_.stuck_timeout_ns / 1000.0)}
          .to_record());
  for (std::size_t id = 0; id < functions_.size(); ++id) {
    emit_at(0, 0,
            trace::FuncCost{.func = static_cast<std::uint32_t>(id), .cycles = functions_[id].cycles}
                .to_record());
  }
  for (const auto& [vector, handler] : vector_handlers_) {
    emit_at(0, 0,
            trace::VectorDef{.vector = static_cast<std::uint32_t>(vector),
                             .cycles = handler.cycles,
                             .irqs_on = handler.irqs_on}
                .to_record());
  }
  for (const CpuState& c : cpus_)
    if (!c.online) emit_at(c.id, 0, trace::CpuOffline{}.to_record());
}

}  // namespace xcallsim::smp::detail
