// Contract: import Linux ftrace text (/sys/kernel/tracing/trace, trace_pipe, or
// `trace-cmd report` output) into an in-memory trace::Trace. Pure function of its
// input: no globals, no host addresses in the result (function symbols and csd
// pointers become dense ids in order of first appearance), same text -> same
// Trace. Re-entrant; the caller owns the stream.
//
// Mapped events (docs/ftrace-import.md has the full table):
//   irq_vectors:{call_function,call_function_single,reschedule}_{entry,exit} -> IrqEntry/IrqExit
//   ipi:ipi_send_cpu, ipi:ipi_send_cpumask -> IpiSend;  csd:csd_queue_cpu -> CsdQueue
//   csd:csd_function_{entry,exit} -> FuncEntry/FuncExit
//   sched:sched_wake_idle_without_ipi -> IpiElided
//   kprobes/kretprobes (arguments by name or position; trace-cmd's hex bodies
//   by event name) on smp_call_function_* -> XcallIssue/XcallReturn, on
//   __smp_call_single_queue / generic_exec_single -> CsdQueue, on
//   native_send_call_func_{single_,}ipi -> IpiSend, on the flush -> FlushBegin,
//   on a function some call names as its func -> FuncEntry/FuncExit; other
//   kprobes are only counted.
// The call layer (calls.cpp): returns pair with issues per CPU by entry point
// and context; sender records belong to the innermost call of their context;
// enqueues no event shows are inferred (CsdQueue::inferred); callbacks are
// linked to the enqueue they ran.
// Time: "seconds.fraction" timestamps become nanoseconds (ghz = 1); raw counters
// (trace_clock x86-tsc, counter, ...) stay counter ticks, with ghz taken from a
// "# xcallsim-clock: ... tsc_mhz=M" comment, else ImportOptions::counter_ghz,
// else an ImportError (a counter has no rate of its own).
// Times are relative to the first event. Records are stably sorted by time.
// trace_marker lines (tracing_mark_write, or trace-cmd's print) become Mark
// records (value = their ordinal, 1-based), so a window's edges show.
// Errors: lines of other events and unrecognised lines are counted and skipped;
// a malformed line of a known event throws ImportError naming source:line.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/trace/record.hpp"

namespace xcallsim::trace::ftrace {

class ImportError : public std::runtime_error {
 public:
  ImportError(std::string source, std::size_t line, const std::string& message);
  const std::string& source() const { return source_; }
  std::size_t line() const { return line_; }  // 1-based

 private:
  std::string source_;
  std::size_t line_;
};

enum class Clock : std::uint8_t { None, Seconds, Counter };

struct ImportOptions {
  // The rate of raw-counter timestamps without an xcallsim-clock comment;
  // absent, such a capture is an ImportError (no rate is guessed).
  std::optional<double> counter_ghz;
  // Asked about every 4096 lines with the lines read so far; false stops the
  // import there (Ctrl-C): the result holds what was read, stopped = true.
  std::function<bool(std::uint64_t lines)> keep_going;
  // Import only the lines between the first trace_marker line whose text
  // matches `window_begin` and the next one matching `window_end` (both
  // ECMAScript regexes searched in the marker text; both empty: everything).
  std::string window_begin, window_end;
};

struct ImportResult {
  Trace trace;
  Clock clock = Clock::None;
  std::uint64_t lines_read = 0;
  std::uint64_t events_imported = 0;                  // lines that became records
  std::uint64_t unknown_lines_skipped = 0;            // other events and unrecognised text
  std::uint64_t comment_lines = 0;                    // '#' header lines and buffer-started markers
  std::uint64_t lost_events = 0;                      // sum of "LOST n EVENTS"
  std::map<std::string, std::uint64_t> counted_only;  // known but unmapped kprobes, by symbol
  bool stopped = false;                               // keep_going said no
  std::uint64_t markers = 0;                          // trace_marker lines kept as Mark records
  std::uint64_t outside_window = 0;                   // lines skipped before/after the window
  std::uint64_t inferred_enqueues = 0;  // CsdQueue records no event showed (inferred = true)
  std::uint64_t returns_dropped = 0;    // kretprobe hits whose issue precedes the capture
  std::uint64_t callbacks_linked = 0;   // FuncEntry records tied to the call that queued them
};

ImportResult import_ftrace(std::istream& in, std::string_view source_name,
                           const ImportOptions& options = {});

}  // namespace xcallsim::trace::ftrace
