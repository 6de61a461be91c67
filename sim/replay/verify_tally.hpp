// Contract: what verify() counted as it checked (internal to sim/replay):
// which events a trace has (Present, one pass before the checks) and how many
// records or calls each invariant was checked on or skipped for (Tally).
// coverage() turns them into the report's Check list; verify_coverage.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "sim/replay/verify.hpp"

namespace xcallsim::replay::detail {

using trace::Kind;
using trace::Record;

// What the trace has events for: an invariant is checked only where its
// events exist (an import without csd events has no unlocks to check).
struct Present {
  std::set<std::uint32_t> funcs_run;  // functions with a FuncEntry
  bool func_entries = false, unlocks = false, enqueues = false, flushes = false;
  std::set<trace::Api> returned_apis;              // APIs with an XcallReturn
  std::map<std::uint16_t, std::size_t> last_call;  // cpu -> index of its last issue/return

  explicit Present(const trace::Trace& trace) {
    for (std::size_t i = 0; i < trace.records.size(); ++i) {
      const Record& r = trace.records[i];
      trace::FuncEntry entry;
      if (trace::as(r, entry)) {
        funcs_run.insert(entry.func);
        func_entries = true;
      }
      unlocks |= r.kind == Kind::CsdUnlock;
      enqueues |= r.kind == Kind::CsdQueue;
      flushes |= r.kind == Kind::FlushBegin;
      if (r.kind == Kind::XcallReturn) returned_apis.insert(trace::XcallReturn::from(r).api);
      if (r.kind == Kind::XcallIssue || r.kind == Kind::XcallReturn) last_call[r.cpu] = i;
    }
  }
};

struct Tally {
  std::uint64_t returns = 0, no_return_events = 0, cut = 0;
  std::map<trace::Api, std::uint64_t> untraced;  // calls of APIs without return events
  std::uint64_t sync = 0, sync_untraced = 0;
  std::uint64_t sync_blind = 0;  // of them, with a target whose handler lost its events
  std::uint64_t fifo = 0, reuse = 0, ipi = 0;
};

std::vector<Check> coverage(const Tally& t, const Present& present, const VerifyOptions& options);

}  // namespace xcallsim::replay::detail
