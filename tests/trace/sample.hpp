// A small hand-built trace that satisfies every verify() rule: a SYNC mask
// call from cpu0 to {1,2} (call 1) and two ASYNC calls from cpu3 to cpu1
// (calls 2 and 3, the second behind the first on a non-empty queue).
#pragma once

#include "sim/trace/record.hpp"

namespace xcallsim::test {

trace::Trace sample_trace();
trace::Record rec(std::uint64_t time, trace::Kind kind, std::uint16_t cpu, std::uint32_t call,
                  std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t c = 0,
                  std::uint32_t d = 0);

}  // namespace xcallsim::test
