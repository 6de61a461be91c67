// Contract: exports a trace as Chrome Trace Event Format JSON that
// ui.perfetto.dev and chrome://tracing load: one process, one thread (track)
// per CPU named "CPU n"; "X" slices for xcalls (issue..return), IRQ handlers,
// functions and csd lock waits, plus short "IPI send"/"IPI deliver" slices;
// flow arrows ("s" -> "f", bp "e") from each IPI send to each delivery it
// caused; "C" counters "queue depth CPU n". ts/dur in microseconds
// (cycles / ghz / 1000). Deterministic; tolerant of malformed traces
// (unmatched ends are dropped, unfinished slices end at the last record).
// PerfettoWriter streams: each event is written, one per line, once it is
// final, so memory holds only the open slices and in-flight IPIs, not the
// trace; export_perfetto() is the same writer over an in-memory trace.
#pragma once

#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/trace/record.hpp"

namespace xcallsim::replay {

class PerfettoWriter {
 public:
  // Function names and masks as known when each record arrives (a
  // trace::Reader's tables grow as it reads): referenced, so they and `out`
  // must outlive the writer.
  struct Definitions {
    const std::vector<std::string>& functions;
    const std::vector<std::vector<std::uint64_t>>& masks;
    int cpu_count;
    double ghz;
  };
  PerfettoWriter(const Definitions& definitions, std::ostream& out);
  ~PerfettoWriter();
  PerfettoWriter(const PerfettoWriter&) = delete;
  PerfettoWriter& operator=(const PerfettoWriter&) = delete;
  void record(const trace::Record& record);
  void finish();  // closes open slices at the last record's time and the JSON document

 private:
  struct State;
  std::unique_ptr<State> s_;
};

nlohmann::json export_perfetto(const trace::Trace& trace);

}  // namespace xcallsim::replay
