// Chrome Trace Event Format export (see perfetto.hpp).
#include "sim/replay/perfetto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace xcallsim::replay {
namespace {

using nlohmann::json;
using trace::Kind;
using trace::Record;

constexpr int kPid = 1;

struct Open {
  Kind end;  // the kind that closes it
  std::uint64_t time;
  std::string name, cat;
  json args;
};

struct PendingIpi {
  std::uint64_t flow, time;
};

// A short slice waiting for its CPU's next record, which ends it.
struct PendingInstant {
  std::uint64_t time;
  std::string name;
  json args;
};

struct Exporter {
  const std::vector<std::string>& functions;  // as known so far (they grow while reading)
  const std::vector<std::vector<std::uint64_t>>& masks;
  int cpu_count;
  double cycles_per_us;
  std::ostream& sink;
  bool first_event = true;
  std::map<std::uint16_t, std::vector<Open>> stacks;  // cpu -> open slices
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::deque<PendingIpi>>
      pending;  // (sender, target, vector) -> sends not yet delivered
  std::map<std::uint32_t, std::uint64_t> depth;      // cpu -> queued csds
  std::map<std::uint16_t, PendingInstant> instants;  // cpu -> its open short slice
  std::uint64_t next_flow = 1, end_time = 0;

  Exporter(const std::vector<std::string>& f, const std::vector<std::vector<std::uint64_t>>& m,
           int cpus, double per_us, std::ostream& o)
      : functions(f), masks(m), cpu_count(cpus), cycles_per_us(per_us), sink(o) {}

  // One event per line, as it is final: memory stays O(open slices).
  void emit(const json& event) {
    sink << (first_event ? "\n" : ",\n") << event.dump();
    first_event = false;
  }

  double us(std::uint64_t cycles) const { return static_cast<double>(cycles) / cycles_per_us; }

  std::string func_name(std::uint32_t id) const {
    if (id < functions.size()) return functions[id];
    return id == trace::kNone ? std::string("func") : fmt::format("func#{}", id);
  }

  void slice(std::uint16_t cpu, std::uint64_t begin, std::uint64_t end, const std::string& name,
             const std::string& cat, json args) {
    emit({{"ph", "X"},
          {"pid", kPid},
          {"tid", cpu},
          {"ts", us(begin)},
          {"dur", us(end) - us(begin)},
          {"name", name},
          {"cat", cat},
          {"args", std::move(args)}});
  }

  void begin(const Record& r, Kind end, std::string name, std::string cat, json args) {
    stacks[r.cpu].push_back({end, r.time, std::move(name), std::move(cat), std::move(args)});
  }

  void end(const Record& r) {
    auto& stack = stacks[r.cpu];
    if (stack.empty() || stack.back().end != r.kind) return;  // unmatched: dropped
    Open& o = stack.back();
    slice(r.cpu, o.time, r.time, o.name, o.cat, std::move(o.args));
    stack.pop_back();
  }

  void counter(std::uint32_t cpu, std::uint64_t time) {
    emit({{"ph", "C"},
          {"pid", kPid},
          {"ts", us(time)},
          {"name", fmt::format("queue depth CPU {}", cpu)},
          {"args", {{"depth", depth[cpu]}}}});
  }

  void flow(const char* ph, std::uint32_t cpu, std::uint64_t time, std::uint64_t id) {
    json e = {{"ph", ph},      {"pid", kPid},  {"tid", cpu}, {"ts", us(time)},
              {"name", "IPI"}, {"cat", "ipi"}, {"id", id}};
    if (ph[0] == 'f') e["bp"] = "e";
    emit(e);
  }

  std::vector<std::uint32_t> targets(const trace::IpiSend& send) const {
    if (!send.target_is_mask) return {send.target};
    std::vector<std::uint32_t> out;
    const std::uint32_t id = send.target;
    if (id >= masks.size()) return out;
    for (std::size_t w = 0; w < masks[id].size(); ++w)
      for (std::uint32_t bit = 0; bit < 64; ++bit)
        if ((masks[id][w] >> bit) & 1u) out.push_back(static_cast<std::uint32_t>(64 * w + bit));
    return out;
  }

  // Short slices for sends and deliveries: until the CPU's next record.
  void instant(const Record& r, std::string name, json args) {
    instants[r.cpu] = {r.time, std::move(name), std::move(args)};
  }
  void end_instant(std::uint16_t cpu, std::uint64_t time) {
    const auto it = instants.find(cpu);
    if (it == instants.end()) return;
    slice(cpu, it->second.time, std::max(time, it->second.time), it->second.name, "ipi",
          std::move(it->second.args));
    instants.erase(it);
  }

  void record(const Record& r) {
    end_time = std::max(end_time, r.time);
    end_instant(r.cpu, r.time);
    switch (r.kind) {
      case Kind::XcallIssue: {
        const auto x = trace::XcallIssue::from(r);
        begin(r, Kind::XcallReturn, std::string(trace::to_string(x.api)), "xcall",
              {{"call", r.call}, {"flags", x.flags}, {"func", func_name(x.func)}});
        break;
      }
      case Kind::IrqEntry: {
        const auto x = trace::IrqEntry::from(r);
        begin(r, Kind::IrqExit, fmt::format("IRQ {:#x}", x.vector), "irq", {{"vector", x.vector}});
        break;
      }
      case Kind::FuncEntry: {
        const auto x = trace::FuncEntry::from(r);
        begin(r, Kind::FuncExit, func_name(x.func), "func",
              {{"call", r.call},
               {"csd", x.csd},
               {"local", x.local ? 1 : 0},
               {"site", static_cast<std::uint32_t>(x.site)}});
        break;
      }
      case Kind::LockWaitBegin: {
        const auto x = trace::LockWaitBegin::from(r);
        begin(r, Kind::LockWaitEnd, "csd_lock_wait", "wait",
              {{"call", r.call}, {"csd", x.csd}, {"target", x.target}});
        break;
      }
      case Kind::XcallReturn:
      case Kind::IrqExit:
      case Kind::FuncExit:
      case Kind::LockWaitEnd:
        end(r);
        break;
      case Kind::IpiSend: {
        const auto x = trace::IpiSend::from(r);
        instant(r, fmt::format("IPI send {:#x}", x.vector),
                {{"call", r.call}, {"how", trace::to_string(x.how)}, {"icr_writes", x.icr_writes}});
        for (std::uint32_t t : targets(x))
          pending[{r.cpu, t, x.vector}].push_back({next_flow++, r.time});
        break;
      }
      case Kind::IpiDeliver:
      case Kind::IrrCoalesced: {
        const bool coalesced = r.kind == Kind::IrrCoalesced;
        // The same fields in both kinds (records_apic.hpp).
        const auto x = trace::IpiDeliver::from(r);
        instant(r, fmt::format("{} {:#x}", coalesced ? "IRR coalesced" : "IPI deliver", x.vector),
                {{"from", x.sender}});
        auto it = pending.find({x.sender, r.cpu, x.vector});
        if (it == pending.end() || it->second.empty()) break;
        flow("s", x.sender, it->second.front().time, it->second.front().flow);
        flow("f", r.cpu, r.time, it->second.front().flow);
        it->second.pop_front();
        break;
      }
      case Kind::CsdQueue: {
        const auto x = trace::CsdQueue::from(r);
        ++depth[x.target];
        counter(x.target, r.time);
        break;
      }
      case Kind::FlushBegin:
        depth[r.cpu] = 0;
        counter(r.cpu, r.time);
        break;
      case Kind::VmExit: {  // a virtualized machine's exits: where the guest's time went
        const auto x = trace::VmExit::from(r);
        if (x.cycles == 0) break;  // a HLT: the idle gap shows it
        slice(r.cpu, r.time, r.time + x.cycles,
              fmt::format("VM exit: {}", trace::to_string(x.reason)), "vm",
              {{"call", r.call}, {"targets", x.targets}});
        break;
      }
      case Kind::VcpuWake: {
        const auto x = trace::VcpuWake::from(r);
        slice(r.cpu, r.time, r.time + x.cycles, x.polled ? "vCPU wake (halt-poll)" : "vCPU wake",
              "vm", {{"cycles", x.cycles}});
        break;
      }
      default:
        break;
    }
  }

  void begin_document() {
    sink << "{\"displayTimeUnit\":\"ns\",\"otherData\":"
         << json{{"cpu_count", cpu_count}, {"ghz", cycles_per_us / 1000.0}}.dump()
         << ",\"traceEvents\":[";
    emit({{"ph", "M"}, {"pid", kPid}, {"name", "process_name"}, {"args", {{"name", "xcallsim"}}}});
    for (int cpu = 0; cpu < cpu_count; ++cpu) {
      emit({{"ph", "M"},
            {"pid", kPid},
            {"tid", cpu},
            {"name", "thread_name"},
            {"args", {{"name", fmt::format("CPU {}", cpu)}}}});
      emit({{"ph", "M"},
            {"pid", kPid},
            {"tid", cpu},
            {"name", "thread_sort_index"},
            {"args", {{"sort_index", cpu}}}});
    }
  }

  void end_document() {
    while (!instants.empty()) end_instant(instants.begin()->first, 0);
    for (auto& [cpu, stack] : stacks)
      while (!stack.empty()) {
        Open& o = stack.back();
        o.args["unfinished"] = true;
        slice(cpu, o.time, end_time, o.name, o.cat, std::move(o.args));
        stack.pop_back();
      }
    sink << "\n]}\n";
  }
};

}  // namespace

struct PerfettoWriter::State {
  Exporter exporter;
  State(const PerfettoWriter::Definitions& d, std::ostream& out)
      : exporter(d.functions, d.masks, d.cpu_count, (d.ghz > 0 ? d.ghz : 1.0) * 1000.0, out) {}
};

PerfettoWriter::PerfettoWriter(const Definitions& definitions, std::ostream& out)
    : s_(std::make_unique<State>(definitions, out)) {
  s_->exporter.begin_document();
}
PerfettoWriter::~PerfettoWriter() = default;

void PerfettoWriter::record(const trace::Record& record) {
  s_->exporter.record(record);
}

void PerfettoWriter::finish() {
  s_->exporter.end_document();
}

nlohmann::json export_perfetto(const trace::Trace& trace) {
  std::ostringstream text;
  PerfettoWriter writer({trace.functions, trace.masks, trace.cpu_count, trace.ghz}, text);
  for (const trace::Record& r : trace.records) writer.record(r);
  writer.finish();
  return nlohmann::json::parse(text.str());
}

}  // namespace xcallsim::replay
