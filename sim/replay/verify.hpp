// Contract: checks a trace (from any source) against the ordering invariants
// of SEMANTICS.md that are visible in records. Pure function of the records,
// tolerant of anything (ids that do not resolve, CPUs out of range): it
// reports, never throws. Violations come in time order, then record order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/record.hpp"

namespace xcallsim::replay {

enum class Rule {
  Unreturned,          // XcallIssue without XcallReturn
  ReturnWithoutIssue,  // XcallReturn of a call never issued
  SyncReturnedEarly,   // SYNC call returned before its function finished on a target
  FifoOrder,           // ASYNC functions from one sender ran out of queueing order on a target
  CsdReuse,            // csd queued again before its CsdUnlock
  MissingIpi,          // csd queued on an empty queue, but no IpiSend/IpiElided covered it
};
std::string_view to_string(Rule rule);

struct Violation {
  std::uint64_t time = 0;
  std::uint16_t cpu = 0;
  std::uint32_t call = 0;
  Rule rule{};
  std::string what;
};
// "t=<cycles> cpu<n> call #<id>: <rule>: <what>"
std::string to_string(const Violation& v);

// One invariant's coverage: on how many records or calls it was checked,
// or, when none, why not (no events of the kind it needs in this trace).
struct Check {
  std::string name;  // "returns", "SYNC completion", ...
  std::uint64_t checked = 0;
  std::string unit;         // what `checked` counts: "calls", "SYNC calls", ...
  std::string not_checked;  // non-empty: the part it could not check, and why
};

struct VerifyOptions {
  // An imported Linux capture (source linux-ftrace): queue emptiness is
  // derived from the IPIs there (so missing-ipi cannot fail), and a call
  // with nothing after it on its CPU may have been cut by the capture's end.
  bool imported = false;
};

struct VerifyReport {
  std::vector<Violation> violations;
  std::vector<Check> checks;  // one per Rule family, in a fixed order
};

VerifyReport verify_report(const trace::Trace& trace, const VerifyOptions& options = {});
std::vector<Violation> verify(const trace::Trace& trace);  // verify_report(trace).violations

// "verify: checked returns on 12 calls; ...\nverify: not checked: ..." lines.
std::string format_checks(const VerifyReport& report);

}  // namespace xcallsim::replay
