// Contract: repairs the record order and call attribution that concurrent
// producers get wrong around a csd handed to another CPU (the comment in
// repair.cpp says why). Input: one vector per CPU in that CPU's ring order
// (non-decreasing time), complete (no ring wrapped, or the pairing is off).
// Output: the same records, each CPU's still in non-decreasing time; only
// CsdQueue times change (earlier: before its consumer, never before the
// owner's previous record other than interrupt handlers right before it,
// which it then precedes) and the call ids of the target's
// CsdUnlock/FuncEntry/FuncExit.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/trace/record.hpp"

namespace xcallsim::qemu {

struct RepairStats {
  std::size_t moved = 0;         // CsdQueue records moved before their consumer
  std::size_t reattributed = 0;  // target records whose call id was corrected
  std::size_t unpaired = 0;      // csds whose lock/unlock cycles did not pair (left alone)
};

RepairStats repair_queue_races(std::vector<std::vector<trace::Record>>& rings);

}  // namespace xcallsim::qemu
