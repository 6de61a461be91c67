#include "sim/replay/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "sim/text/text.hpp"
#include "xcall/platform/warnings.hpp"

namespace xcallsim::replay {
namespace {

using trace::Kind;

constexpr std::uint64_t kNotCallFunction = ~std::uint64_t{0};  // a handler of another vector

// Nearest-rank percentile of a distribution kept as value -> count.
std::uint64_t nearest_rank(const std::map<std::uint64_t, std::uint64_t>& counts,
                           std::uint64_t total, double p) {
  auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total) + 0.999999);
  rank = std::clamp<std::uint64_t>(rank, 1, total);
  std::uint64_t seen = 0;
  for (const auto& [value, count] : counts) {
    seen += count;
    if (seen >= rank) return value;
  }
  return counts.rbegin()->first;
}

Latency latency_of(const std::map<std::uint64_t, std::uint64_t>& counts) {
  if (counts.empty()) return {};
  std::uint64_t total = 0;
  for (const auto& [value, count] : counts) total += count;
  return {counts.begin()->first, nearest_rank(counts, total, 0.50),
          nearest_rank(counts, total, 0.99), counts.rbegin()->first};
}

// A call from its issue until it has returned and every csd it queued has
// run (an ASYNC call's functions run after it returns); then it is dropped,
// so the builder's memory follows the calls in flight, not the calls seen.
struct LiveCall {
  std::uint64_t issued = 0;
  std::pair<std::uint32_t, std::uint32_t> row;  // (api, flags)
  bool many = false;                            // a mask (or all-CPU) target
  trace::Api api{};
  bool returned = false;
  std::uint64_t queued = 0;  // csds queued for it and not yet run
};

struct OpenFunc {
  std::uint64_t entered = 0;
  bool local = false;  // run by the caller itself: no csd
};

}  // namespace

struct SummaryBuilder::State {
  Summary out;
  std::map<std::uint32_t, LiveCall> live;  // call id -> state
  std::map<std::pair<std::uint32_t, std::uint32_t>, CallRow> rows;
  std::map<std::uint16_t, std::vector<std::uint64_t>> irq_stack;  // cpu -> entry times
  // cpu -> open interrupt handlers: callbacks run so far, or kNotCallFunction.
  std::map<std::uint16_t, std::vector<std::uint64_t>> handler_runs;
  std::map<std::uint16_t, std::vector<OpenFunc>> func_stack;  // cpu -> open functions
  std::map<std::uint32_t, WarningRow> warnings;               // code -> first, count
  std::set<trace::Api> returned_apis;                         // APIs with a return event

  CallRow* row_for_call(std::uint32_t call) {
    auto it = live.find(call);
    return it == live.end() ? nullptr : &rows[it->second.row];
  }
  void drop_if_done(std::map<std::uint32_t, LiveCall>::iterator it) {
    if (it->second.returned && it->second.queued == 0) live.erase(it);
  }
};

SummaryBuilder::SummaryBuilder() : s_(std::make_unique<State>()) {}
SummaryBuilder::~SummaryBuilder() = default;

void SummaryBuilder::record(const trace::Record& r) {
  State& s = *s_;
  Summary& out = s.out;
  out.end_time = std::max(out.end_time, r.time);
  switch (r.kind) {
    case Kind::XcallIssue: {
      const auto issue = trace::XcallIssue::from(r);
      auto key = std::make_pair(static_cast<std::uint32_t>(issue.api), issue.flags);
      s.live[r.call] = {r.time, key, issue.target_is_mask || issue.target == trace::kNone,
                        issue.api};
      CallRow& row = s.rows[key];
      row.api = key.first;
      row.flags = key.second;
      ++row.count;
      ++out.calls;
      break;
    }
    case Kind::XcallReturn: {
      s.returned_apis.insert(trace::XcallReturn::from(r).api);
      auto it = s.live.find(r.call);
      if (it == s.live.end() || it->second.returned) break;
      CallRow& row = s.rows[it->second.row];
      ++row.latencies[r.time - it->second.issued];
      if (trace::XcallReturn::from(r).ret < 0) ++row.failed;
      it->second.returned = true;
      s.drop_if_done(it);
      break;
    }
    case Kind::IpiSend:
      if (CallRow* row = s.row_for_call(r.call)) {
        ++row->ipis_sent;
        row->icr_writes += trace::IpiSend::from(r).icr_writes;
      }
      break;
    case Kind::CsdQueue: {
      const auto queue = trace::CsdQueue::from(r);
      Coalescing& c = out.coalescing;
      ++c.enqueues;
      c.inferred += queue.inferred;
      c.rode += !queue.queue_was_empty;
      auto it = s.live.find(r.call);
      if (it == s.live.end()) break;
      ++it->second.queued;
      CallRow& row = s.rows[it->second.row];
      ++row.csds;
      if (!queue.queue_was_empty) {
        ++row.ipis_avoided;
        c.rode_many += it->second.many;
      }
      break;
    }
    case Kind::IpiElided:
      ++out.coalescing.elided;
      break;
    case Kind::FuncEntry: {
      const bool local = trace::FuncEntry::from(r).local;
      s.func_stack[r.cpu].push_back({r.time, local});
      out.coalescing.callbacks_traced = true;
      if (local) break;
      ++out.coalescing.remote_callbacks;
      auto& handlers = s.handler_runs[r.cpu];
      if (!handlers.empty() && handlers.back() != kNotCallFunction) ++handlers.back();
      break;
    }
    case Kind::FuncExit: {
      auto& stack = s.func_stack[r.cpu];
      if (stack.empty()) break;
      const OpenFunc entry = stack.back();
      stack.pop_back();
      auto it = s.live.find(r.call);
      if (it == s.live.end()) break;
      s.rows[it->second.row].func_cycles += r.time - entry.entered;
      if (!entry.local && it->second.queued > 0) {
        --it->second.queued;
        s.drop_if_done(it);
      }
      break;
    }
    case Kind::IrqEntry: {
      s.irq_stack[r.cpu].push_back(r.time);
      ++out.irqs_handled;
      const std::uint32_t vector = trace::IrqEntry::from(r).vector;
      s.handler_runs[r.cpu].push_back(vector == 0xfb || vector == 0xfc ? 0 : kNotCallFunction);
      break;
    }
    case Kind::IrqExit: {
      if (auto& handlers = s.handler_runs[r.cpu]; !handlers.empty()) {
        if (handlers.back() != kNotCallFunction)
          ++out.coalescing.callbacks_per_handler[handlers.back()];
        handlers.pop_back();
      }
      auto& stack = s.irq_stack[r.cpu];
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
    case Kind::VmExit: {
      const auto exit = trace::VmExit::from(r);
      const auto reason = static_cast<std::uint32_t>(exit.reason);
      ++out.virt.exits[reason];
      out.virt.exit_cycles[reason] += exit.cycles;
      if (r.call != 0) {
        ++out.virt.call_exits;
        out.virt.call_exit_cycles += exit.cycles;
      }
      break;
    }
    case Kind::VcpuWake: {
      const auto wake = trace::VcpuWake::from(r);
      ++out.virt.wakes;
      out.virt.polled_wakes += wake.polled;
      out.virt.wake_cycles += wake.cycles;
      break;
    }
    case Kind::IpiDeliver:
      ++out.ipis_delivered;
      break;
    case Kind::Warning: {
      ++out.warnings;
      const auto warning = trace::Warning::from(r);
      const auto code = static_cast<std::uint32_t>(warning.code);
      auto [it, first] = s.warnings.try_emplace(code);
      if (first) it->second = {code, 0, r.time, r.cpu, r.call, warning.arg};
      ++it->second.count;
      break;
    }
    default:
      break;
  }
}

Summary SummaryBuilder::finish() const {
  Summary out = s_->out;
  for (const auto& [id, call] : s_->live) {
    if (call.returned) continue;
    ++(s_->returned_apis.count(call.api) ? out.unreturned : out.return_untraced);
  }
  for (const auto& [key, row] : s_->rows) {
    out.rows.push_back(row);
    out.rows.back().latency = latency_of(row.latencies);
  }
  for (const auto& [code, w] : s_->warnings) out.warning_kinds.push_back(w);
  return out;
}

Summary summarize(const trace::Trace& trace) {
  SummaryBuilder builder;
  for (const trace::Record& r : trace.records) builder.record(r);
  return builder.finish();
}

namespace {

// Type bits above 0x30 are undefined: show the raw value rather than a name.
std::string flags_name(std::uint32_t flags) {
  if ((flags & 0xC0) != 0) return fmt::format("0x{:x}", flags);
  return std::string(trace::csd_type_name(flags));
}

// xcall::Warning's name (xcall/platform/warnings.hpp), or the raw code.
std::string warning_label(std::uint32_t code) {
  if (code < static_cast<std::uint32_t>(xcall::kWarningCount))
    return xcall::warning_name(static_cast<xcall::Warning>(code));
  return fmt::format("warning#{}", code);
}

// The queue-coalescing lines: what a cross-call study looks for, from the
// records of any source (a simulator run or an imported capture).
std::string format_coalescing(const Coalescing& c) {
  std::string out = fmt::format(
      "coalescing: {} csds queued{}, {} without an IPI of their own: {} rode a pending IPI "
      "({} of mask calls), {} IPIs elided for a polling-idle target (SEM-11)\n",
      c.enqueues, c.inferred > 0 ? fmt::format(" ({} inferred)", c.inferred) : std::string(),
      c.rode + c.elided, c.rode, c.rode_many, c.elided);
  out += "callbacks per call-function handler entry: ";
  if (!c.callbacks_traced) {
    out += "unknown (no callback events in this trace)\n";
  } else if (c.callbacks_per_handler.empty()) {
    out += "no handler entries\n";
  } else {
    const char* sep = "";
    for (const auto& [k, n] : c.callbacks_per_handler) {
      out += fmt::format("{}k={}: {}", sep, k, n);
      sep = ", ";
    }
    out += fmt::format(" ({} remote callbacks in all)\n", c.remote_callbacks);
  }
  return out + "\n";
}

}  // namespace

std::string row_label(const CallRow& row) {
  return fmt::format("{} {}", trace::to_string(static_cast<trace::Api>(row.api)),
                     flags_name(row.flags));
}

namespace {

// "VM exits: ..." and "vCPU wake-ups: ..." lines (virtualized machines only).
template <class Ns>
std::string format_virtualization(const Virtualization& v, const Ns& ns) {
  std::string out = "VM exits:";
  std::uint64_t cycles = 0;
  for (const auto& [reason, count] : v.exits) {
    const std::uint64_t c = v.exit_cycles.at(reason);
    cycles += c;
    fmt::format_to(std::back_inserter(out), " {} {}", trace::to_string(trace::VmExitReason{reason}),
                   count);
    if (c != 0) fmt::format_to(std::back_inserter(out), " ({} cycles)", c);
    out += ';';
  }
  if (v.exits.empty()) out += " none;";
  fmt::format_to(std::back_inserter(out),
                 " {} guest-visible cycles ({:.1f} us) in all, {} exits ({} cycles) inside calls\n",
                 cycles, ns(cycles) / 1000.0, v.call_exits, v.call_exit_cycles);
  fmt::format_to(std::back_inserter(out),
                 "vCPU wake-ups: {} ({} inside the halt-polling window), {} cycles ({:.1f} us)\n",
                 v.wakes, v.polled_wakes, v.wake_cycles, ns(v.wake_cycles) / 1000.0);
  return out;
}

}  // namespace

std::string format_summary(const Summary& s, const trace::Trace& trace,
                           const SummaryHeader& header) {
  const double ghz = trace.ghz > 0 ? trace.ghz : 1.0;
  auto ns = [ghz](std::uint64_t cycles) { return static_cast<double>(cycles) / ghz; };
  std::string out;
  fmt::format_to(std::back_inserter(out),
                 "machine: {}  scenario: {}  profile: {}  cpus: {}  clock: {:.2f} GHz\n",
                 text::printable(header.machine), text::printable(header.scenario),
                 text::printable(header.profile), trace.cpu_count, ghz);
  fmt::format_to(
      std::back_inserter(out),
      "simulated time: {} cycles ({:.1f} us)  calls: {}  unreturned: {}{}\n\n", s.end_time,
      ns(s.end_time) / 1000.0, s.calls, s.unreturned,
      s.return_untraced > 0
          ? fmt::format(" (+{} whose entry point has no return events)", s.return_untraced)
          : std::string());
  fmt::format_to(
      std::back_inserter(out),
      "{:<28} {:<8} {:>7} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>6} {:>6} {:>6} {:>7} "
      "{:>10}\n",
      "call", "flags", "count", "err", "min", "p50", "p99", "max", "p50 ns", "p99 ns", "IPIs",
      "ICR wr", "csds", "avoided", "func cyc");
  for (const CallRow& row : s.rows) {
    fmt::format_to(std::back_inserter(out),
                   "{:<28} {:<8} {:>7} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9.1f} {:>9.1f} {:>6} {:>6} "
                   "{:>6} {:>7} {:>10}\n",
                   trace::to_string(static_cast<trace::Api>(row.api)), flags_name(row.flags),
                   row.count, row.failed, row.latency.min, row.latency.p50, row.latency.p99,
                   row.latency.max, ns(row.latency.p50), ns(row.latency.p99), row.ipis_sent,
                   row.icr_writes, row.csds, row.ipis_avoided, row.func_cycles);
  }
  fmt::format_to(std::back_inserter(out),
                 "\nlatency: cycles from issue to return on the caller; IPIs: send operations "
                 "(vector 0xfb/0xfc);\nerr: calls that returned an error code; ICR wr: APIC ICR "
                 "writes they took; csds: csds they queued;\navoided: csds queued behind a "
                 "non-empty queue, so no IPI (SEM-10)\n\n");
  out += format_coalescing(s.coalescing);
  fmt::format_to(std::back_inserter(out),
                 "interrupts: {} delivered, {} handled, {} lost to IRR coalescing; handler time "
                 "{} cycles ({:.1f} us)\nwarnings: {}\n",
                 s.ipis_delivered, s.irqs_handled, s.irr_coalesced, s.handler_cycles,
                 ns(s.handler_cycles) / 1000.0, s.warnings);
  if (s.virt.any()) out += format_virtualization(s.virt, ns);
  for (const WarningRow& w : s.warning_kinds) {
    fmt::format_to(std::back_inserter(out), "  {} x{}: first at {} cycles on CPU {}{} (arg {})\n",
                   warning_label(w.code), w.count, w.first_time, w.first_cpu,
                   w.first_call != 0 ? fmt::format(", call #{}", w.first_call) : std::string(),
                   w.arg);
  }
  return out;
}

}  // namespace xcallsim::replay
