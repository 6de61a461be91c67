// Contract: turns a trace (from any source) into the per-call-kind summary
// that `xcallsim run` and `xcallsim replay` print. Pure function of the
// records: same trace, same table, same bytes. SummaryBuilder takes records
// one at a time (a trace::RecordSink), so a run or a file of any length is
// summarized in one pass; its memory grows with the calls in flight, the
// call kinds and the distinct latency values (kept exactly, as counts), not
// with the number of calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/record.hpp"
#include "sim/trace/sink.hpp"

namespace xcallsim::replay {

struct Latency {
  std::uint64_t min = 0, p50 = 0, p99 = 0, max = 0;
};

// One row per (entry point, flags).
struct CallRow {
  std::uint32_t api = 0;
  std::uint32_t flags = 0;
  std::uint64_t count = 0;
  Latency latency;                                   // issue -> return on the caller, cycles
  std::map<std::uint64_t, std::uint64_t> latencies;  // latency -> returned calls, ascending
  std::uint64_t ipis_sent = 0;                       // IPI send operations caused by these calls
  std::uint64_t icr_writes = 0;
  std::uint64_t csds = 0;          // csds queued for these calls (CsdQueue records)
  std::uint64_t ipis_avoided = 0;  // csds queued behind a non-empty queue (SEM-10)
  std::uint64_t func_cycles = 0;   // time inside the callbacks, all CPUs
  std::uint64_t failed = 0;        // calls that returned an error
};

// One kind of library warning (xcall::Warning) and where it first happened.
struct WarningRow {
  std::uint32_t code = 0;
  std::uint64_t count = 0;
  std::uint64_t first_time = 0;
  std::uint16_t first_cpu = 0;
  std::uint32_t first_call = 0;  // 0: not tied to a call
  std::uint32_t arg = 0;         // the first occurrence's argument (a cpu, an Api)
};

// Queue coalescing, all senders (calls and call-less enqueues such as TTWU).
struct Coalescing {
  std::uint64_t enqueues = 0;     // CsdQueue records
  std::uint64_t inferred = 0;     // of them, derived by an importer (CsdQueue::inferred)
  std::uint64_t rode = 0;         // queued behind a non-empty queue: rode a pending IPI (SEM-10)
  std::uint64_t rode_many = 0;    // of them, csds of mask calls: no IPI of their own
  std::uint64_t elided = 0;       // IPIs skipped for a polling-idle target (SEM-11)
  bool callbacks_traced = false;  // the trace has FuncEntry records
  // k -> call-function handler entries (vectors 0xfb/0xfc) that ran k remote callbacks
  std::map<std::uint64_t, std::uint64_t> callbacks_per_handler;
  std::uint64_t remote_callbacks = 0;  // FuncEntry records not run by the caller itself
};

// Where a virtualized machine's time went (VmExit / VcpuWake records).
struct Virtualization {
  std::map<std::uint32_t, std::uint64_t> exits;        // VmExitReason -> count (HLT included)
  std::map<std::uint32_t, std::uint64_t> exit_cycles;  // VmExitReason -> guest-visible cycles
  std::uint64_t call_exits = 0;                        // exits taken inside a call (its sender's)
  std::uint64_t call_exit_cycles = 0;
  std::uint64_t wakes = 0, polled_wakes = 0, wake_cycles = 0;
  bool any() const { return !exits.empty() || wakes != 0; }
};

struct Summary {
  std::vector<CallRow> rows;  // ordered by (api, flags)
  std::uint64_t calls = 0;
  std::uint64_t unreturned = 0;  // issued but never returned
  // Calls of entry points with no return event anywhere in the trace (an
  // import without a kretprobe on them: async single): not "unreturned".
  std::uint64_t return_untraced = 0;
  std::uint64_t irqs_handled = 0;
  std::uint64_t handler_cycles = 0;  // IrqEntry -> IrqExit, all CPUs
  std::uint64_t irr_coalesced = 0;   // interrupts lost to IRR coalescing (SEM-48)
  std::uint64_t ipis_delivered = 0;
  std::uint64_t warnings = 0;
  std::vector<WarningRow> warning_kinds;  // by code
  Coalescing coalescing;
  Virtualization virt;
  std::uint64_t end_time = 0;
};

class SummaryBuilder final : public trace::RecordSink {
 public:
  SummaryBuilder();
  ~SummaryBuilder() override;
  void function(std::string_view) override {}
  void mask(std::span<const std::uint64_t>) override {}
  void record(const trace::Record& record) override;
  Summary finish() const;  // the summary of the records so far

 private:
  struct State;
  std::unique_ptr<State> s_;
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
