// Contract: turns a trace (from any source) into the per-call-kind summary
// that `xcallsim run` and `xcallsim replay` print. Pure function of the
// records: same trace, same table, same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/trace/record.hpp"

namespace xcallsim::replay {

struct Latency {
  std::uint64_t min = 0, p50 = 0, p99 = 0, max = 0;
};

// One row per (entry point, flags).
struct CallRow {
  std::uint32_t api = 0;
  std::uint32_t flags = 0;
  std::uint64_t count = 0;
  Latency latency;                     // issue -> return on the caller, cycles
  std::vector<std::uint64_t> samples;  // every latency, ascending
  std::uint64_t ipis_sent = 0;         // IPI send operations caused by these calls
  std::uint64_t icr_writes = 0;
  std::uint64_t ipis_avoided = 0;  // csds queued behind a non-empty queue (SEM-10)
  std::uint64_t func_cycles = 0;   // time inside the callbacks, all CPUs
  std::uint64_t failed = 0;        // calls that returned an error
};

struct Summary {
  std::vector<CallRow> rows;  // ordered by (api, flags)
  std::uint64_t calls = 0;
  std::uint64_t unreturned = 0;  // issued but never returned
  std::uint64_t irqs_handled = 0;
  std::uint64_t handler_cycles = 0;  // IrqEntry -> IrqExit, all CPUs
  std::uint64_t irr_coalesced = 0;   // interrupts lost to IRR coalescing (SEM-48)
  std::uint64_t ipis_delivered = 0;
  std::uint64_t warnings = 0;
  std::uint64_t end_time = 0;
};

Summary summarize(const trace::Trace& trace);

struct SummaryHeader {
  std::string machine, scenario, profile;
};
// The human-readable table (cycles and ns at trace.ghz).
// "smp_xcall SYNC": the row's label in tables and plots.
std::string row_label(const CallRow& row);

std::string format_summary(const Summary& summary, const trace::Trace& trace,
                           const SummaryHeader& header);

}  // namespace xcallsim::replay
