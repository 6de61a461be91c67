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

std::vector<Violation> verify(const trace::Trace& trace);

}  // namespace xcallsim::replay
