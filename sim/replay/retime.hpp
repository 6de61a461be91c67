// Contract: re-timing a trace on another machine model.
// - extract_workload() reads what the CPU programs of a trace did: per-CPU
//   operation lists (compute phases, IRQ disable/enable, raw IPIs, TPR
//   writes, halts, marks, xcalls with their api, flags, target or mask,
//   function, cond and csd slot), the function table with cycle costs, the
//   scenario vectors, offline CPUs and the run options. A trace with workload
//   records (trace::Kind 26..37, written by the simulator) gives an *exact*
//   workload; any other trace (ftrace imports, older traces) gives an
//   *approximate* one derived from call times (see Workload::notes and
//   docs/trace-format.md "Workload records"). Pure function of the trace.
// - retime() runs that workload on a machine model (a fresh smp::Simulation)
//   and returns the new trace. Deterministic: an exact workload re-timed on
//   the machine and profile it was recorded with reproduces the trace byte
//   for byte (encode_trace of trace + header); on another machine it is what
//   `xcallsim run` of the same scenario there would record (same CPU count).
// - format_compare() is the per-call-kind latency table old vs new.
// Every problem with the input is a WorkloadError (one line: what, where,
// fix); the CLI maps it to exit status 2. Not thread-safe per Simulation (one
// retime per host thread at a time, as smp::Simulation).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/smp/smp.hpp"
#include "sim/trace/file.hpp"

namespace xcallsim::replay {

class WorkloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One operation of a CPU program, in program order.
struct WorkOp {
  enum class Kind : std::uint8_t {
    Compute,      // value = cycles
    IrqDisable,   //
    IrqEnable,    //
    RawIpi,       // target, value = vector
    SetTpr,       // value = TPR
    IdleUntil,    // value = time (cycles)
    Mark,         // value = marker
    PrivateBusy,  // slot
    Call,         // api, flags, target or mask, func, cond, slot
  };
  Kind kind = Kind::Compute;
  std::uint64_t value = 0;
  trace::Api api{};
  std::uint32_t flags = 0;
  int target = 0;                     // a CPU, or xcall::XCALL_ALL
  std::optional<std::uint32_t> mask;  // index into Workload::masks
  std::uint32_t func = 0;             // index into Workload::functions
  std::optional<smp::Cond> cond;
  std::optional<int> slot;
  std::uint64_t time = 0;  // when the source trace has it (for messages)
};

struct Workload {
  bool exact = false;              // from workload records, else derived from call times
  std::vector<std::string> notes;  // what was approximated, and how
  std::string source_name;         // for messages
  int cpu_count = 0;               // of the trace
  double ghz = 1.0;                // the trace's clock: derived durations are in its cycles
  trace::Source source = trace::Source::Sim;
  std::string profile, machine, scenario;  // the trace header's
  std::vector<smp::FuncSpec> functions;    // id = index
  std::vector<std::pair<std::uint8_t, smp::VectorHandler>> vectors;
  std::vector<std::vector<std::uint64_t>> masks;
  std::vector<int> offline;
  std::optional<smp::Options> options;                       // from WorkloadInfo (exact only)
  std::vector<std::optional<std::vector<WorkOp>>> programs;  // per CPU; nullopt: none
};

// Throws WorkloadError for a trace whose records do not describe a workload
// (e.g. an xcall that a program cannot issue, a cond call without its cond).
Workload extract_workload(const trace::TraceFile& file, std::string source_name = "<trace>");

struct RetimeOptions {
  // Default: the trace header's profile; a linux-ftrace trace without one: upstream; else seed.
  std::optional<smp::Profile> profile;
  smp::Cycles time_limit = 0;  // 0: none
  // Passed to the re-timed run (smp::Options::monitor): progress, Ctrl-C.
  std::function<bool(const smp::RunProgress&)> monitor;
};

struct RetimeResult {
  trace::Trace trace;
  trace::TraceHeader header;  // as `xcallsim run --trace` writes it
  smp::Outcome outcome;
  smp::Profile profile = smp::Profile::Seed;
};

// The header `xcallsim run --trace` writes for a run on `machine` (cpu count
// and clock come from the trace when it is written).
trace::TraceHeader sim_trace_header(const machine::MachineConfig& machine,
                                    const std::string& scenario, smp::Profile profile);

// Throws WorkloadError if the machine has fewer CPUs than the trace.
RetimeResult retime(const Workload& workload, const machine::MachineConfig& machine,
                    const RetimeOptions& options = {});

// Per (entry point, flags): count and p50/p99/max latency in ns (each trace at
// its own clock) old vs new, with new/old ratios.
std::string format_compare(const trace::Trace& old_trace, const std::string& old_machine,
                           const trace::Trace& new_trace, const std::string& new_machine);

}  // namespace xcallsim::replay
