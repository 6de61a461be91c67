#include "sim/replay/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sim/text/text.hpp"

namespace xcallsim::replay {
namespace {

using trace::Kind;

std::uint64_t nearest_rank(const std::vector<std::uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Latency latency_of(const std::vector<std::uint64_t>& samples) {
  if (samples.empty()) return {};
  return {samples.front(), nearest_rank(samples, 0.50), nearest_rank(samples, 0.99),
          samples.back()};
}

struct OpenCall {
  std::uint64_t issued = 0;
  std::uint32_t api = 0, flags = 0;
};

}  // namespace

Summary summarize(const trace::Trace& trace) {
  Summary out;
  std::map<std::uint32_t, OpenCall> open;  // call id -> issue
  std::map<std::pair<std::uint32_t, std::uint32_t>, CallRow> rows;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint64_t>> samples;
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> row_of_call;
  std::map<std::uint16_t, std::vector<std::uint64_t>> irq_stack;   // cpu -> entry times
  std::map<std::uint16_t, std::vector<std::uint64_t>> func_stack;  // cpu -> entry times

  auto row_for_call = [&](std::uint32_t call) -> CallRow* {
    auto it = row_of_call.find(call);
    return it == row_of_call.end() ? nullptr : &rows[it->second];
  };

  for (const trace::Record& r : trace.records) {
    out.end_time = std::max(out.end_time, r.time);
    switch (r.kind) {
      case Kind::XcallIssue: {
        open[r.call] = {r.time, r.a, r.b};
        auto key = std::make_pair(r.a, r.b);
        row_of_call[r.call] = key;
        CallRow& row = rows[key];
        row.api = r.a;
        row.flags = r.b;
        ++row.count;
        ++out.calls;
        break;
      }
      case Kind::XcallReturn: {
        auto it = open.find(r.call);
        if (it == open.end()) break;
        auto key = std::make_pair(it->second.api, it->second.flags);
        samples[key].push_back(r.time - it->second.issued);
        if (static_cast<std::int32_t>(r.a) < 0) ++rows[key].failed;
        open.erase(it);
        break;
      }
      case Kind::IpiSend:
        if (CallRow* row = row_for_call(r.call)) {
          ++row->ipis_sent;
          row->icr_writes += r.d;
        }
        break;
      case Kind::CsdQueue:
        if (r.d == 0) {
          if (CallRow* row = row_for_call(r.call)) ++row->ipis_avoided;
        }
        break;
      case Kind::FuncEntry:
        func_stack[r.cpu].push_back(r.time);
        break;
      case Kind::FuncExit: {
        auto& stack = func_stack[r.cpu];
        if (stack.empty()) break;
        std::uint64_t took = r.time - stack.back();
        stack.pop_back();
        if (CallRow* row = row_for_call(r.call)) row->func_cycles += took;
        break;
      }
      case Kind::IrqEntry:
        irq_stack[r.cpu].push_back(r.time);
        ++out.irqs_handled;
        break;
      case Kind::IrqExit: {
        auto& stack = irq_stack[r.cpu];
        if (stack.empty()) break;
        // Nested handlers: count only the outermost so time is not double counted.
        std::uint64_t entered = stack.back();
        stack.pop_back();
        if (stack.empty()) out.handler_cycles += r.time - entered;
        break;
      }
      case Kind::IrrCoalesced:
        ++out.irr_coalesced;
        break;
      case Kind::IpiDeliver:
        ++out.ipis_delivered;
        break;
      case Kind::Warning:
        ++out.warnings;
        break;
      default:
        break;
    }
  }
  out.unreturned = open.size();
  for (auto& [key, row] : rows) {
    row.samples = std::move(samples[key]);
    std::sort(row.samples.begin(), row.samples.end());
    row.latency = latency_of(row.samples);
    out.rows.push_back(row);
  }
  return out;
}

namespace {

// Type bits above 0x30 are undefined: show the raw value rather than a name.
std::string flags_name(std::uint32_t flags) {
  if ((flags & 0xC0) != 0) return fmt::format("0x{:x}", flags);
  return std::string(trace::csd_type_name(flags));
}

}  // namespace

std::string row_label(const CallRow& row) {
  return fmt::format("{} {}", trace::to_string(static_cast<trace::Api>(row.api)),
                     flags_name(row.flags));
}

std::string format_summary(const Summary& s, const trace::Trace& trace,
                           const SummaryHeader& header) {
  const double ghz = trace.ghz > 0 ? trace.ghz : 1.0;
  auto ns = [ghz](std::uint64_t cycles) { return static_cast<double>(cycles) / ghz; };
  std::string out;
  fmt::format_to(std::back_inserter(out),
                 "machine: {}  scenario: {}  profile: {}  cpus: {}  clock: {:.2f} GHz\n",
                 text::printable(header.machine), text::printable(header.scenario),
                 text::printable(header.profile), trace.cpu_count, ghz);
  fmt::format_to(std::back_inserter(out),
                 "simulated time: {} cycles ({:.1f} us)  calls: {}  unreturned: {}\n\n", s.end_time,
                 ns(s.end_time) / 1000.0, s.calls, s.unreturned);
  fmt::format_to(
      std::back_inserter(out),
      "{:<28} {:<8} {:>7} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>6} {:>6} {:>7} {:>10}\n",
      "call", "flags", "count", "err", "min", "p50", "p99", "max", "p50 ns", "p99 ns", "IPIs",
      "ICR wr", "avoided", "func cyc");
  for (const CallRow& row : s.rows) {
    fmt::format_to(std::back_inserter(out),
                   "{:<28} {:<8} {:>7} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9.1f} {:>9.1f} {:>6} {:>6} "
                   "{:>7} {:>10}\n",
                   trace::to_string(static_cast<trace::Api>(row.api)), flags_name(row.flags),
                   row.count, row.failed, row.latency.min, row.latency.p50, row.latency.p99,
                   row.latency.max, ns(row.latency.p50), ns(row.latency.p99), row.ipis_sent,
                   row.icr_writes, row.ipis_avoided, row.func_cycles);
  }
  fmt::format_to(std::back_inserter(out),
                 "\nlatency: cycles from issue to return on the caller; IPIs: send operations "
                 "(vector 0xfb/0xfc);\nerr: calls that returned an error code; ICR wr: APIC ICR "
                 "writes they took;\navoided: csds queued behind a non-empty queue, so no IPI "
                 "(SEM-10)\n\n");
  fmt::format_to(std::back_inserter(out),
                 "interrupts: {} delivered, {} handled, {} lost to IRR coalescing; handler time "
                 "{} cycles ({:.1f} us)\nwarnings: {}\n",
                 s.ipis_delivered, s.irqs_handled, s.irr_coalesced, s.handler_cycles,
                 ns(s.handler_cycles) / 1000.0, s.warnings);
  return out;
}

}  // namespace xcallsim::replay
