// A small hand-built trace that satisfies every verify() rule: a SYNC mask
// call from cpu0 to {1,2} (call 1) and two ASYNC calls from cpu3 to cpu1
// (calls 2 and 3, the second behind the first on a non-empty queue).
#pragma once

#include "sim/trace/record.hpp"

namespace xcallsim::test {

trace::Trace sample_trace();
// A record of any kind (one this version does not know, too) with an empty payload.
trace::Record head_only(std::uint64_t time, trace::Kind kind, std::uint16_t cpu,
                        std::uint32_t call);

}  // namespace xcallsim::test
