// extract_workload(): a trace's CPU programs, exactly from its workload
// records, or approximately from its call times (retime.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sim/replay/retime.hpp"
#include "xcall/types.hpp"

namespace xcallsim::replay {
namespace {

using trace::Api;
using trace::Kind;
using trace::Record;

constexpr std::uint32_t kCallFunctionSingleVector = 0xfb;
constexpr std::uint32_t kCallFunctionVector = 0xfc;

bool takes_mask(Api api) {
  switch (api) {
    case Api::Mask:
    case Api::MaskCond:
    case Api::Any:
    case Api::CallFunctionMany:
    case Api::CallFunctionAny:
    case Api::OnEachCpuCondMask:
      return true;
    default:
      return false;
  }
}
bool takes_cond(Api api) {
  return api == Api::Cond || api == Api::MaskCond || api == Api::OnEachCpuCondMask;
}
bool takes_slot(Api api) {
  return api == Api::Private || api == Api::CallFunctionSingleAsync;
}

std::uint64_t median(std::vector<std::uint64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

class Extractor {
 public:
  Extractor(const trace::TraceFile& file, std::string name)
      : records_(file.trace.records), trace_(file.trace) {
    w_.source_name = std::move(name);
    w_.cpu_count = file.trace.cpu_count;
    w_.ghz = file.trace.ghz;
    w_.source = file.header.source;
    w_.profile = file.header.profile;
    w_.machine = file.header.machine;
    w_.scenario = file.header.scenario;
    w_.masks = file.trace.masks;
    w_.programs.resize(static_cast<std::size_t>(std::max(0, w_.cpu_count)));
  }

  Workload run() {
    for (std::size_t i = 0; i < records_.size(); ++i)  // read_trace checks this; memory may not
      if (records_[i].cpu >= w_.programs.size())
        fail(i, "cpu >= the trace's cpu count", "fix the trace's cpu count");
    w_.exact = std::any_of(records_.begin(), records_.end(),
                           [](const Record& r) { return r.kind == Kind::WorkloadInfo; });
    if (w_.exact) {
      exact();
    } else {
      approximate();
    }
    return std::move(w_);
  }

 private:
  [[noreturn]] void fail(std::size_t i, const std::string& problem, const std::string& fix) const {
    const Record& r = records_[i];
    throw WorkloadError(fmt::format("{}: record {} ({} at time {} on cpu {}): error: {}; fix: {}",
                                    w_.source_name, i, trace::to_string(r.kind), r.time, r.cpu,
                                    problem, fix));
  }

  std::vector<WorkOp>& program(int cpu) {
    auto& p = w_.programs[static_cast<std::size_t>(cpu)];
    if (!p) p.emplace();
    return *p;
  }

  WorkOp op(WorkOp::Kind kind, const Record& r, std::uint64_t value = 0) const {
    WorkOp o;
    o.kind = kind;
    o.value = value;
    o.time = r.time;
    return o;
  }

  // The XcallIssue at `i` as a Call op; nullopt (approximate only) if a
  // program cannot re-issue it. Exact traces fail instead.
  std::optional<WorkOp> call(std::size_t i) {
    const Record& r = records_[i];
    const auto issue = trace::XcallIssue::from(r);
    const Api api = issue.api;
    const auto skip = [&](const std::string& why) -> std::optional<WorkOp> {
      if (w_.exact) fail(i, why, "re-record the trace with this xcallsim");
      ++skipped_[why];
      return std::nullopt;
    };
    if (api < Api::Single || api > Api::OnEachCpuCondMask)
      return skip(
          fmt::format("entry point {} cannot be issued by a CPU program", trace::to_string(api)));
    WorkOp o = op(WorkOp::Kind::Call, r);
    o.api = api;
    o.flags = issue.flags;
    if (issue.target_is_mask) {
      if (issue.target >= w_.masks.size()) fail(i, "undefined mask id", "define the mask");
      o.mask = issue.target;
      o.target = xcall::XCALL_ALL;
    } else {
      o.target = static_cast<std::int32_t>(issue.target);
    }
    if (takes_mask(api) != o.mask.has_value())
      return skip(
          fmt::format("{} {} a mask", trace::to_string(api), takes_mask(api) ? "without" : "with"));
    const std::uint32_t func = issue.func;
    if (func == trace::kNoFunc) {
      if (w_.exact) fail(i, "the call names no function", "re-record the trace");
      if (!unknown_func_) {
        unknown_func_ = static_cast<std::uint32_t>(trace_.functions.size());
        w_.notes.push_back("calls that name no function run `(unknown function)`");
      }
      o.func = *unknown_func_;
    } else {
      if (func >= trace_.functions.size()) fail(i, "undefined function id", "define it");
      o.func = func;
    }
    return o;
  }

  void exact();
  void check_exact_calls();
  void approximate();
  void approximate_costs(const std::map<std::uint32_t, std::vector<std::uint64_t>>& samples,
                         const std::vector<std::uint64_t>& handlers);

  const std::vector<Record>& records_;
  const trace::Trace& trace_;
  Workload w_;
  std::map<std::string, std::uint64_t> skipped_;
  std::optional<std::uint32_t> unknown_func_;
};

void Extractor::exact() {
  std::vector<std::optional<smp::Cycles>> costs(trace_.functions.size());
  std::map<std::uint32_t, std::pair<int, std::size_t>> calls;  // call id -> (cpu, op index)
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Record& r = records_[i];
    switch (r.kind) {
      case Kind::WorkloadInfo: {
        if (w_.options) fail(i, "a second WorkloadInfo", "a trace has one");
        const auto info = trace::WorkloadInfo::from(r);
        smp::Options o;
        o.poll_idle = info.poll_idle;
        o.csd_lock_wait_debug = info.csd_lock_wait_debug;
        o.stop_when_stuck = info.stop_when_stuck;
        o.private_slots = static_cast<int>(std::min<std::uint32_t>(info.private_slots, 1u << 16));
        o.relax_cycles = info.relax_cycles;
        o.stuck_timeout_ns = std::max<double>(info.stuck_timeout_us, 1.0) * 1000.0;
        w_.options = o;
        break;
      }
      case Kind::FuncCost: {
        const auto cost = trace::FuncCost::from(r);
        if (cost.func >= costs.size()) fail(i, "undefined function id", "define it");
        if (costs[cost.func]) fail(i, "function cost defined twice", "define each cost once");
        costs[cost.func] = cost.cycles;
        break;
      }
      case Kind::VectorDef: {
        const auto def = trace::VectorDef::from(r);
        const std::uint32_t v = def.vector;
        if (v < 32 || v > 255 || v == kCallFunctionSingleVector || v == kCallFunctionVector)
          fail(i, fmt::format("vector {} cannot have a scenario handler", v),
               "scenario vectors are 32-250");
        w_.vectors.emplace_back(
            static_cast<std::uint8_t>(v),
            smp::VectorHandler{fmt::format("vector {:#x}", v), def.cycles, def.irqs_on});
        break;
      }
      case Kind::CpuOffline:
        w_.offline.push_back(r.cpu);
        break;
      case Kind::Compute:
        program(r.cpu).push_back(op(WorkOp::Kind::Compute, r, trace::Compute::from(r).cycles));
        break;
      case Kind::IrqDisable:
        program(r.cpu).push_back(op(WorkOp::Kind::IrqDisable, r));
        break;
      case Kind::IrqEnable:
        program(r.cpu).push_back(op(WorkOp::Kind::IrqEnable, r));
        break;
      case Kind::RawIpi: {
        const auto ipi = trace::RawIpi::from(r);
        if (ipi.vector > 255) fail(i, "vector above 255", "re-record the trace");
        if (ipi.target >= w_.programs.size())
          fail(i, "target cpu >= cpu count", "re-record the trace");
        WorkOp o = op(WorkOp::Kind::RawIpi, r, ipi.vector);
        o.target = static_cast<int>(ipi.target);
        program(r.cpu).push_back(o);
        break;
      }
      case Kind::SetTpr: {
        const std::uint32_t tpr = trace::SetTpr::from(r).value;
        if (tpr > 255) fail(i, "TPR value above 255", "re-record the trace");
        program(r.cpu).push_back(op(WorkOp::Kind::SetTpr, r, tpr));
        break;
      }
      case Kind::IdleUntil:
        program(r.cpu).push_back(op(WorkOp::Kind::IdleUntil, r, trace::IdleUntil::from(r).until));
        break;
      case Kind::Mark:
        program(r.cpu).push_back(op(WorkOp::Kind::Mark, r, trace::Mark::from(r).value));
        break;
      case Kind::PrivateBusy: {
        WorkOp o = op(WorkOp::Kind::PrivateBusy, r);
        o.slot =
            static_cast<int>(std::min<std::uint32_t>(trace::PrivateBusy::from(r).slot, 1u << 16));
        program(r.cpu).push_back(o);
        break;
      }
      case Kind::XcallIssue: {
        auto& ops = program(r.cpu);
        ops.push_back(*call(i));
        calls[r.call] = {r.cpu, ops.size() - 1};
        break;
      }
      case Kind::XcallArgs: {
        const auto it = calls.find(r.call);
        auto& ops = program(r.cpu);
        if (it == calls.end() || it->second.first != r.cpu || it->second.second + 1 != ops.size())
          fail(i, "XcallArgs does not follow its XcallIssue", "re-record the trace");
        WorkOp& o = ops.back();
        const auto args = trace::XcallArgs::from(r);
        const auto cond = static_cast<std::uint32_t>(args.cond);
        if (args.cond > trace::Cond::NotSelf)
          fail(i, fmt::format("unknown cond {}", cond), "cond is 0..6");
        if (args.cond != trace::Cond::Absent) o.cond = static_cast<smp::Cond>(cond - 1);
        if (args.has_slot) o.slot = static_cast<int>(std::min<std::uint32_t>(args.slot, 1u << 16));
        break;
      }
      case Kind::ProgramEnd:
        program(r.cpu);
        break;
      default:
        break;
    }
  }
  for (std::size_t id = 0; id < costs.size(); ++id) {
    if (!costs[id])
      throw WorkloadError(
          fmt::format("{}: error: function `{}` has no FuncCost record; fix: "
                      "re-record the trace with this xcallsim",
                      w_.source_name, trace_.functions[id]));
    w_.functions.push_back({trace_.functions[id], *costs[id]});
  }
  check_exact_calls();
}

void Extractor::check_exact_calls() {
  const int slots = w_.options->private_slots;
  for (const auto& p : w_.programs) {
    if (!p) continue;
    for (const WorkOp& o : *p) {
      const auto bad = [&](const std::string& problem) {
        throw WorkloadError(fmt::format("{}: {} at time {}: error: {}; fix: re-record the trace",
                                        w_.source_name, trace::to_string(o.api), o.time, problem));
      };
      if (o.kind == WorkOp::Kind::PrivateBusy && *o.slot >= slots) bad("csd slot out of range");
      if (o.kind != WorkOp::Kind::Call) continue;
      if (takes_cond(o.api) && !o.cond) bad("a cond call without its cond (XcallArgs)");
      if (takes_slot(o.api) && !o.slot) bad("a csd-slot call without its slot (XcallArgs)");
      if (o.slot && *o.slot >= slots) bad("csd slot out of range");
    }
  }
}

void Extractor::approximate() {
  struct CpuTrack {
    std::uint64_t cursor = 0;  // the program's last known point in time
    std::uint64_t irq_since_cursor = 0;
    int irq_depth = 0;
    std::uint64_t irq_start = 0;
    std::uint32_t irq_vector = 0;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> funcs;  // (func, entry time)
  };
  const std::uint64_t t0 = records_.empty() ? 0 : records_.front().time;
  std::vector<CpuTrack> cpus(w_.programs.size());
  for (CpuTrack& c : cpus) c.cursor = t0;
  std::map<std::uint32_t, std::vector<std::uint64_t>> func_samples;
  std::vector<std::uint64_t> handlers;  // outermost call-function IRQ handler durations

  // Compute from the cursor to `t`, minus interrupt handler time in between.
  const auto advance = [&](const Record& r) {
    CpuTrack& c = cpus[r.cpu];
    const std::uint64_t elapsed = r.time - std::min(r.time, c.cursor);
    const std::uint64_t busy = std::min(elapsed, c.irq_since_cursor);
    if (elapsed > busy) program(r.cpu).push_back(op(WorkOp::Kind::Compute, r, elapsed - busy));
    c.cursor = r.time;
    c.irq_since_cursor = 0;
  };
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Record& r = records_[i];
    CpuTrack& c = cpus[r.cpu];
    switch (r.kind) {
      case Kind::IrqEntry:
        if (c.irq_depth++ == 0) {
          c.irq_start = r.time;
          c.irq_vector = trace::IrqEntry::from(r).vector;
        }
        break;
      case Kind::IrqExit:
        if (c.irq_depth > 0 && --c.irq_depth == 0) {
          if (c.irq_vector == kCallFunctionSingleVector || c.irq_vector == kCallFunctionVector)
            handlers.push_back(r.time - c.irq_start);
          c.irq_since_cursor += r.time - std::max(c.irq_start, std::min(r.time, c.cursor));
        }
        break;
      case Kind::FuncEntry:
        c.funcs.emplace_back(trace::FuncEntry::from(r).func, r.time);
        break;
      case Kind::FuncExit:
        if (!c.funcs.empty()) {
          const std::uint32_t func = trace::FuncExit::from(r).func;
          if (c.funcs.back().first == func && func != trace::kNone)
            func_samples[func].push_back(r.time - c.funcs.back().second);
          c.funcs.pop_back();
        }
        break;
      case Kind::XcallIssue:
        if (auto o = call(i)) {
          advance(r);
          program(r.cpu).push_back(*o);
        }
        break;
      case Kind::XcallReturn:
        c.cursor = std::max(c.cursor, r.time);
        c.irq_since_cursor = 0;
        break;
      case Kind::Mark:
        advance(r);
        program(r.cpu).push_back(op(WorkOp::Kind::Mark, r, trace::Mark::from(r).value));
        break;
      case Kind::ProgramEnd:
        advance(r);
        break;
      default:
        break;
    }
  }
  approximate_costs(func_samples, handlers);
}

void Extractor::approximate_costs(
    const std::map<std::uint32_t, std::vector<std::uint64_t>>& samples,
    const std::vector<std::uint64_t>& handlers) {
  const std::uint64_t fallback = median(handlers);
  std::size_t measured = 0, guessed = 0;
  for (std::uint32_t id = 0; id < trace_.functions.size(); ++id) {
    const auto it = samples.find(id);
    if (it != samples.end() && !it->second.empty()) {
      w_.functions.push_back({trace_.functions[id], median(it->second)});
      ++measured;
    } else {
      w_.functions.push_back({trace_.functions[id], fallback});
      ++guessed;
    }
  }
  if (unknown_func_) {
    w_.functions.push_back({"(unknown function)", fallback});
    ++guessed;
  }
  w_.notes.insert(
      w_.notes.begin(),
      "approximate: the trace has no workload records, so each CPU's program is its xcalls in "
      "trace order, with compute phases = time from the previous return (or the trace's start) "
      "to the next issue minus interrupt-handler time; IRQs-off sections, raw IPIs, TPR writes "
      "and idle periods are not in it; durations scale to the machine's clock");
  if (measured + guessed > 0) {
    w_.notes.push_back(fmt::format(
        "function costs: {} from the median FuncEntry->FuncExit time, {} without samples use "
        "the median call-function IRQ handler time ({} cycles, an upper bound{})",
        measured, guessed, fallback, handlers.empty() ? "; no handlers seen, so 0" : ""));
  }
  for (const auto& [why, count] : skipped_)
    w_.notes.push_back(fmt::format("skipped {} call(s): {}", count, why));
  bool defaulted_cond = false, defaulted_slot = false;
  for (auto& p : w_.programs) {
    if (!p) continue;
    for (WorkOp& o : *p) {
      if (o.kind != WorkOp::Kind::Call) continue;
      if (takes_cond(o.api) && !o.cond) {
        o.cond = smp::Cond::All;
        defaulted_cond = true;
      }
      if (takes_slot(o.api) && !o.slot) {
        o.slot = 0;
        defaulted_slot = true;
      }
    }
  }
  if (defaulted_cond) w_.notes.push_back("cond calls run with cond `all` (the trace has no cond)");
  if (defaulted_slot) w_.notes.push_back("caller-owned csd calls use slot 0");
}

}  // namespace

Workload extract_workload(const trace::TraceFile& file, std::string source_name) {
  if (file.trace.cpu_count < 1)
    throw WorkloadError(source_name + ": error: the trace has no CPUs; fix: pass a trace file");
  return Extractor(file, std::move(source_name)).run();
}

}  // namespace xcallsim::replay
