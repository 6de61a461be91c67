// retime(): a workload (workload.cpp) run on a machine model; format_compare().
#include "sim/replay/retime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "sim/replay/summary.hpp"
#include "xcall/types.hpp"

namespace xcallsim::replay {
namespace {

using trace::Api;

smp::Profile pick_profile(const Workload& w, const RetimeOptions& o) {
  if (o.profile) return *o.profile;
  for (const smp::Profile p : {smp::Profile::Seed, smp::Profile::Upstream})
    if (w.profile == smp::to_string(p)) return p;
  return w.source == trace::Source::LinuxFtrace ? smp::Profile::Upstream : smp::Profile::Seed;
}

// Runs one CPU's ops on its fiber.
class Player {
 public:
  Player(const std::vector<WorkOp>& ops, const std::vector<smp::Mask>& masks, double scale)
      : ops_(ops), masks_(masks), scale_(scale) {}

  void operator()(smp::Cpu& cpu) const {
    for (const WorkOp& op : ops_) step(cpu, op);
  }

 private:
  smp::Cycles cycles(std::uint64_t v) const {
    if (scale_ == 1.0) return v;
    return static_cast<smp::Cycles>(std::llround(static_cast<double>(v) * scale_));
  }

  void step(smp::Cpu& cpu, const WorkOp& op) const {
    using K = WorkOp::Kind;
    switch (op.kind) {
      case K::Compute:
        cpu.compute(cycles(op.value));
        break;
      case K::IrqDisable:
        cpu.irq_disable();
        break;
      case K::IrqEnable:
        cpu.irq_enable();
        break;
      case K::RawIpi:
        cpu.send_ipi(op.target, static_cast<std::uint8_t>(op.value));
        break;
      case K::SetTpr:
        cpu.set_tpr(static_cast<std::uint8_t>(op.value));
        break;
      case K::IdleUntil:
        cpu.idle_until(op.value);
        break;
      case K::Mark:
        cpu.mark(static_cast<std::uint32_t>(op.value));
        break;
      case K::PrivateBusy:
        cpu.private_busy(op.slot.value_or(0));
        break;
      case K::Call:
        issue(cpu, op);
        break;
    }
  }

  void issue(smp::Cpu& cpu, const WorkOp& op) const {
    static const smp::Mask kNoMask;
    const smp::Mask& mask = op.mask ? masks_[*op.mask] : kNoMask;
    const smp::FuncId func = op.func;
    const unsigned flags = op.flags;
    const bool wait = (flags & xcall::XCALL_TYPE_MASK) == xcall::XCALL_TYPE_SYNC;
    const smp::Cond cond = op.cond.value_or(smp::Cond::All);
    const int slot = op.slot.value_or(0);
    switch (op.api) {
      case Api::Single:
        cpu.xcall(op.target, func, flags);
        break;
      case Api::Cond:
        cpu.xcall_cond(op.target, func, flags, cond);
        break;
      case Api::Mask:
        cpu.xcall_mask(mask, func, flags);
        break;
      case Api::MaskCond:
        cpu.xcall_mask_cond(mask, func, flags, cond);
        break;
      case Api::Private:
        cpu.xcall_private(op.target, slot, func, flags);
        break;
      case Api::Any:
        cpu.xcall_any(mask, func, flags);
        break;
      case Api::CallFunctionSingle:
        cpu.smp_call_function_single(op.target, func, wait);
        break;
      case Api::CallFunctionSingleAsync:
        cpu.smp_call_function_single_async(op.target, slot, func);
        break;
      case Api::CallFunctionMany:
        cpu.smp_call_function_many(mask, func, wait);
        break;
      case Api::CallFunction:
        cpu.smp_call_function(func, wait);
        break;
      case Api::CallFunctionAny:
        cpu.smp_call_function_any(mask, func, wait);
        break;
      case Api::OnEachCpuCondMask:
        cpu.on_each_cpu_cond_mask(cond, func, wait, mask);
        break;
      case Api::CallSingleQueue:
        break;  // never extracted (not a program's entry point)
    }
  }

  const std::vector<WorkOp>& ops_;
  const std::vector<smp::Mask>& masks_;
  double scale_;
};

}  // namespace

trace::TraceHeader sim_trace_header(const machine::MachineConfig& m, const std::string& scenario,
                                    smp::Profile profile) {
  trace::TraceHeader h;
  h.source = trace::Source::Sim;
  h.sockets = static_cast<std::uint16_t>(m.topology.sockets);
  h.cores_per_socket = static_cast<std::uint16_t>(m.topology.cores_per_socket);
  h.threads_per_core = static_cast<std::uint16_t>(m.topology.threads_per_core);
  h.profile = std::string(smp::to_string(profile));
  h.machine = m.name;
  h.scenario = scenario;
  return h;
}

RetimeResult retime(const Workload& w, const machine::MachineConfig& machine,
                    const RetimeOptions& options) {
  RetimeResult result;
  result.profile = pick_profile(w, options);
  smp::Options sim_options = w.options.value_or(smp::Options{});
  sim_options.profile = result.profile;
  sim_options.time_limit = options.time_limit;
  sim_options.monitor = options.monitor;
  // Before the Simulation: its programs refer to these until it is destroyed.
  std::vector<smp::Mask> masks;
  for (const auto& words : w.masks) {
    smp::Mask m;
    for (std::size_t k = 0; k < words.size() * 64 && k < smp::kMaxCpus; ++k)
      if ((words[k / 64] >> (k % 64)) & 1u) m.set(static_cast<int>(k));
    masks.push_back(m);
  }
  smp::Simulation sim(machine, sim_options);
  if (sim.cpu_count() < w.cpu_count) {
    throw WorkloadError(fmt::format(
        "{}: error: the trace has {} CPUs but machine `{}` has {}; fix: re-time on a machine "
        "with at least {} CPUs",
        w.source_name, w.cpu_count, machine.name, sim.cpu_count(), w.cpu_count));
  }
  // Derived durations were measured at the trace's clock; recorded ones are work in cycles.
  const double scale = w.exact ? 1.0 : machine.ghz / w.ghz;
  for (const smp::FuncSpec& f : w.functions) {
    const auto cycles =
        scale == 1.0
            ? f.cycles
            : static_cast<smp::Cycles>(std::llround(static_cast<double>(f.cycles) * scale));
    sim.add_function({f.name, cycles});
  }
  for (const auto& [vector, handler] : w.vectors) {
    try {
      sim.add_vector_handler(vector, handler);
    } catch (const std::invalid_argument& e) {
      throw WorkloadError(w.source_name + ": error: " + e.what() + "; fix: re-record the trace");
    }
  }
  for (const int cpu : w.offline) sim.set_online(cpu, false);

  for (std::size_t cpu = 0; cpu < w.programs.size(); ++cpu) {
    if (!w.programs[cpu]) continue;
    sim.set_program(static_cast<int>(cpu), Player(*w.programs[cpu], masks, scale));
  }
  try {
    result.outcome = sim.run();
  } catch (const std::out_of_range& e) {  // an operation the machine rejects
    throw WorkloadError(w.source_name + ": error: the workload cannot run: " + e.what() +
                        "; fix: re-record the trace or pick another machine");
  }
  result.trace = sim.trace();
  result.header = sim_trace_header(machine, w.scenario, result.profile);
  result.header.cpu_count = static_cast<std::uint32_t>(result.trace.cpu_count);
  result.header.ghz = result.trace.ghz;
  if (!result.outcome.completed) result.header.flags |= trace::kFlagIncomplete;
  return result;
}

std::string format_compare(const trace::Trace& old_trace, const std::string& old_machine,
                           const trace::Trace& new_trace, const std::string& new_machine) {
  const Summary before = summarize(old_trace);
  const Summary after = summarize(new_trace);
  using Key = std::pair<std::uint32_t, std::uint32_t>;
  std::map<Key, std::pair<const CallRow*, const CallRow*>> rows;
  for (const CallRow& r : before.rows) rows[{r.api, r.flags}].first = &r;
  for (const CallRow& r : after.rows) rows[{r.api, r.flags}].second = &r;
  const auto ns = [](std::uint64_t cycles, const trace::Trace& t) {
    return static_cast<double>(cycles) / (t.ghz > 0 ? t.ghz : 1.0);
  };
  const auto ratio = [](double a, double b) {
    if (!(a > 0)) return std::string("-");
    return b / a >= 0.01 ? fmt::format("{:.2f}x", b / a) : fmt::format("{:.2g}x", b / a);
  };
  // Time spans from each trace's first record (imported traces start late).
  const auto span = [&ns](const Summary& s, const trace::Trace& t) {
    const std::uint64_t first = t.records.empty() ? 0 : t.records.front().time;
    return ns(s.end_time - std::min(first, s.end_time), t);
  };
  std::string out;
  fmt::format_to(std::back_inserter(out),
                 "re-timed: {} ({:.2f} GHz) -> {} ({:.2f} GHz); latency in ns at each clock, "
                 "ratio = new / old\n",
                 old_machine, old_trace.ghz, new_machine, new_trace.ghz);
  fmt::format_to(std::back_inserter(out),
                 "{:<36} {:>11} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7}\n",
                 "call", "count", "p50 old", "p50 new", "ratio", "p99 old", "p99 new", "ratio",
                 "max old", "max new", "ratio");
  for (const auto& [key, pair] : rows) {
    const CallRow& any = pair.first ? *pair.first : *pair.second;
    const Latency a = pair.first ? pair.first->latency : Latency{};
    const Latency b = pair.second ? pair.second->latency : Latency{};
    const std::string count = fmt::format("{}/{}", pair.first ? pair.first->count : 0,
                                          pair.second ? pair.second->count : 0);
    const double p50a = ns(a.p50, old_trace), p50b = ns(b.p50, new_trace);
    const double p99a = ns(a.p99, old_trace), p99b = ns(b.p99, new_trace);
    const double maxa = ns(a.max, old_trace), maxb = ns(b.max, new_trace);
    fmt::format_to(std::back_inserter(out),
                   "{:<36} {:>11} {:>10.1f} {:>10.1f} {:>7} {:>10.1f} {:>10.1f} {:>7} {:>10.1f} "
                   "{:>10.1f} {:>7}\n",
                   row_label(any), count, p50a, p50b, ratio(p50a, p50b), p99a, p99b,
                   ratio(p99a, p99b), maxa, maxb, ratio(maxa, maxb));
  }
  const double enda = span(before, old_trace), endb = span(after, new_trace);
  fmt::format_to(
      std::back_inserter(out), "time span: {:.1f} us -> {:.1f} us ({}); IPIs delivered: {} -> {}\n",
      enda / 1000.0, endb / 1000.0, ratio(enda, endb), before.ipis_delivered, after.ipis_delivered);
  return out;
}

}  // namespace xcallsim::replay
