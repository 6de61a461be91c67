// verify()'s report of what it checked (verify_tally.hpp).
#include <fmt/format.h>

#include "sim/replay/verify_tally.hpp"

namespace xcallsim::replay {
namespace detail {

std::vector<Check> coverage(const Tally& t, const Present& present, const VerifyOptions& options) {
  std::vector<Check> out;
  std::string untraced;
  for (const auto& [api, n] : t.untraced)
    untraced +=
        fmt::format("{}{} {} call(s) ({} has no return events in this trace)",
                    untraced.empty() ? "" : "; ", n, trace::to_string(api), trace::to_string(api));
  if (t.cut > 0)
    untraced += fmt::format(
        "{}{} call(s) with nothing after them on their CPU (the capture "
        "ended in flight)",
        untraced.empty() ? "" : "; ", t.cut);
  out.push_back({"returns", t.returns, "calls", untraced});
  std::string sync_skipped;
  if (t.sync_untraced > 0)
    sync_skipped = fmt::format(
        "{} SYNC call(s) whose function has no callback events in this trace", t.sync_untraced);
  if (t.sync_blind > 0)
    sync_skipped += fmt::format(
        "{}{} SYNC call(s) on a target whose call-function handler shows no queue flush "
        "while it waited (the capture missed that handler's probe hits)",
        sync_skipped.empty() ? "" : "; ", t.sync_blind);
  out.push_back({"SYNC completion", t.sync, "SYNC calls", sync_skipped});
  out.push_back({"per-sender FIFO", t.fifo, "ASYNC callbacks",
                 t.fifo > 0         ? std::string()
                 : present.enqueues ? "no ASYNC callback in this trace is linked to its enqueue"
                                    : "no enqueue events in this trace"});
  out.push_back({"csd reuse", t.reuse, "csd enqueues",
                 present.unlocks ? std::string() : "no csd unlock events in this trace"});
  out.push_back({"enqueue IPI", t.ipi, "empty-queue enqueues",
                 options.imported ? "queue emptiness is derived from the IPIs in an imported trace"
                 : present.enqueues ? std::string()
                                    : "no enqueue events in this trace"});
  return out;
}

}  // namespace detail

std::string format_checks(const VerifyReport& report) {
  std::string checked, skipped;
  for (const Check& c : report.checks) {
    if (c.checked > 0)
      checked +=
          fmt::format("{}{} on {} {}", checked.empty() ? "" : "; ", c.name, c.checked, c.unit);
    if (!c.not_checked.empty())
      skipped += fmt::format("{}{}: {}", skipped.empty() ? "" : "; ", c.name, c.not_checked);
  }
  std::string out = fmt::format("verify: checked {}\n", checked.empty() ? "nothing" : checked);
  if (!skipped.empty()) out += fmt::format("verify: not checked: {}\n", skipped);
  return out;
}

}  // namespace xcallsim::replay
