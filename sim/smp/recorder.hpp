// The trace being written (internal to sim/smp).
// Contract: records arrive in non-decreasing time (checked: a violation is a
// simulator bug and throws std::logic_error) and go to the sink at once: the
// in-memory trace() by default, or the caller's (set_sink), so a run's memory
// does not grow with its length. Function and mask definitions go to the sink
// before any record names them; trace() keeps them (and cpu_count, ghz)
// whichever sink is set, but records only by default. Masks are deduplicated into
// dense ids in order of first appearance; call ids are dense from 1; a csd is
// bound to the call that last queued it. Nothing here depends on host
// addresses or unordered iteration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/trace/record.hpp"
#include "sim/trace/sink.hpp"

namespace xcallsim::smp::detail {

class Recorder {
 public:
  void init(int cpu_count, double ghz);
  const trace::Trace& trace() const { return trace_; }
  void add_function(std::string name);
  // Later records go to `sink` (functions defined so far are replayed to it);
  // nullptr: back to trace().
  void set_sink(trace::RecordSink* sink);

  void emit(const trace::Record& record);
  std::uint32_t mask_id(const std::uint64_t* words, std::size_t bits);
  std::uint32_t new_call() { return ++last_call_; }
  void bind_csd(std::uint32_t csd, std::uint32_t call);
  std::uint32_t call_of_csd(std::uint32_t csd) const {
    return csd < csd_calls_.size() ? csd_calls_[csd] : other_call_of_csd(csd);
  }

 private:
  trace::Trace trace_;
  trace::RecordSink* sink_ = nullptr;  // nullptr: records into trace_
  std::uint64_t last_time_ = 0;
  std::map<std::vector<std::uint64_t>, std::uint32_t> mask_ids_;
  std::uint32_t other_call_of_csd(std::uint32_t csd) const;

  // csd id -> call (0: none yet); a flat table for the dense ids, a map for
  // anything else (kNone).
  std::vector<std::uint32_t> csd_calls_;
  std::map<std::uint32_t, std::uint32_t> other_csd_calls_;
  std::uint32_t last_call_ = 0;
};

}  // namespace xcallsim::smp::detail
