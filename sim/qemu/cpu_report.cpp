// describe_cpus(): what each guest CPU was last doing, from its records.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "sim/qemu/guest_trace.hpp"

namespace xcallsim::qemu {
namespace {

using trace::Kind;
using trace::Record;

std::string target_name(const trace::XcallIssue& issue, const trace::Trace& t) {
  if (issue.target_is_mask) {
    std::string cpus;
    if (issue.target < t.masks.size() && !t.masks[issue.target].empty())
      for (int c = 0; c < 64; ++c)
        if ((t.masks[issue.target][0] >> c) & 1u)
          cpus += (cpus.empty() ? "" : ",") + std::to_string(c);
    return "mask {" + cpus + "}";
  }
  if (static_cast<std::int32_t>(issue.target) == -1) return "XCALL_ALL";
  return "cpu " + std::to_string(issue.target);
}

struct CpuState {
  std::vector<trace::XcallIssue> calls;  // open calls, innermost last
  int irq_depth = 0;
  std::vector<trace::FuncEntry> funcs;       // open callbacks
  std::optional<trace::LockWaitBegin> wait;  // open csd lock wait
  std::optional<Record> last;
};

}  // namespace

std::vector<std::string> describe_cpus(const GuestTrace& guest,
                                       std::optional<std::uint64_t> end_time) {
  const trace::Trace& t = guest.trace;
  std::vector<CpuState> state(guest.cpus.size());
  std::uint64_t now = 0;
  for (const Record& r : t.records) {
    now = std::max(now, r.time);
    if (r.cpu >= state.size()) continue;
    CpuState& s = state[r.cpu];
    s.last = r;
    switch (r.kind) {
      case Kind::XcallIssue:
        s.calls.push_back(trace::XcallIssue::from(r));
        break;
      case Kind::XcallReturn:
        if (!s.calls.empty()) s.calls.pop_back();
        break;
      case Kind::IrqEntry:
        ++s.irq_depth;
        break;
      case Kind::IrqExit:
        s.irq_depth = std::max(0, s.irq_depth - 1);
        break;
      case Kind::FuncEntry:
        s.funcs.push_back(trace::FuncEntry::from(r));
        break;
      case Kind::FuncExit:
        if (!s.funcs.empty()) s.funcs.pop_back();
        break;
      case Kind::LockWaitBegin:
        s.wait = trace::LockWaitBegin::from(r);
        break;
      case Kind::LockWaitEnd:
        s.wait.reset();
        break;
      default:
        break;
    }
  }
  if (end_time && *end_time > now) now = *end_time;
  const double ghz = t.ghz > 0 ? t.ghz : 1.0;
  const auto ago = [&](std::uint64_t time) {
    const double us = static_cast<double>(now - std::min(now, time)) / ghz / 1000.0;
    return us >= 1000.0 ? fmt::format("{:.1f} ms before the end", us / 1000.0)
                        : fmt::format("{:.1f} us before the end", us);
  };
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < state.size(); ++i) {
    const CpuState& s = state[i];
    std::string line = fmt::format("cpu {}: {}", i, to_string(guest.cpus[i].phase));
    if (!s.calls.empty()) {
      const trace::XcallIssue& c = s.calls.back();
      line += fmt::format("; inside {}({}, {}) call #{}, issued {}", trace::to_string(c.api),
                          target_name(c, t), trace::csd_type_name(c.flags), c.call, ago(c.time));
    }
    if (s.wait)
      line += fmt::format("; waiting for csd {} to be unlocked by cpu {} since {}", s.wait->csd,
                          s.wait->target, ago(s.wait->time));
    if (s.irq_depth > 0) line += "; in an interrupt handler";
    if (!s.funcs.empty()) {
      const trace::FuncEntry& f = s.funcs.back();
      const std::string name = f.func < t.functions.size() ? t.functions[f.func] : "?";
      line += fmt::format("; running callback {} of call #{}", name, f.call);
    }
    if (s.last)
      line += fmt::format("; last event {} {}", trace::to_string(s.last->kind), ago(s.last->time));
    else
      line += "; no events recorded";
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace xcallsim::qemu
