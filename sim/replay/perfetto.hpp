// Contract: exports a trace as Chrome Trace Event Format JSON that
// ui.perfetto.dev and chrome://tracing load: one process, one thread (track)
// per CPU named "CPU n"; "X" slices for xcalls (issue..return), IRQ handlers,
// functions and csd lock waits, plus short "IPI send"/"IPI deliver" slices;
// flow arrows ("s" -> "f", bp "e") from each IPI send to each delivery it
// caused; "C" counters "queue depth CPU n". ts/dur in microseconds
// (cycles / ghz / 1000). Deterministic; tolerant of malformed traces
// (unmatched ends are dropped, unfinished slices end at the last record).
#pragma once

#include <nlohmann/json.hpp>

#include "sim/trace/record.hpp"

namespace xcallsim::replay {

nlohmann::json export_perfetto(const trace::Trace& trace);

}  // namespace xcallsim::replay
