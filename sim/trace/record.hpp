// Contract: the trace record (records.hpp), one fixed-size 32-byte value per event, shared by
// every producer (simulator, device model, guest, ftrace import) and consumer
// (summary, replay checks, exporters). Records carry no host pointers: CPUs are
// logical indices, functions and csds are stable ids assigned by the producer,
// masks are ids into the trace's mask table. Kind values are a wire format:
// never reuse or renumber one (docs/trace-format.md). Producers emit records in
// non-decreasing time; at equal time, emission order is the event order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/records.hpp"  // Record, the typed records, Kind and the field enums

namespace xcallsim::trace {

std::string_view to_string(Kind kind);
std::string_view to_string(Api api);
// The CSD type of a flags word (bits 0x30): "ASYNC", "SYNC", "IRQ_WORK", "TTWU".
std::string_view csd_type_name(std::uint32_t flags);
std::string_view to_string(SendHow how);
std::string_view to_string(VmExitReason reason);

// An in-memory trace: records in (time, emission) order plus the mask table.
struct Trace {
  std::vector<Record> records;
  std::vector<std::vector<std::uint64_t>> masks;  // mask id -> bitmap words (ascending cpus)
  std::vector<std::string> functions;             // func id -> name
  int cpu_count = 0;
  double ghz = 1.0;
};

// One line, e.g. "1234 cpu1 #3 FuncEntry func=f csd=5 local=0 site=0" with
// function names resolved from `trace` where the kind has a func id.
std::string to_string(const Record& record, const Trace& trace);

}  // namespace xcallsim::trace
