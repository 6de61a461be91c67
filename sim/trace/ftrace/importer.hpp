// Contract: the stateful line-by-line importer behind import_ftrace() (internal).
// One instance per input; feed lines in order, then finish() once. Lines
// become Pending records (a record and what the line said beside it: its
// context, where it came from); finish() sorts them by time and hands them to
// build_call_layer() (call_layer.hpp), which owns them from then on.
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/ftrace/ftrace_import.hpp"
#include "sim/trace/ftrace/line.hpp"

namespace xcallsim::trace::ftrace::detail {

inline constexpr std::uint32_t kCallFunctionSingleVector = 251;  // SEMANTICS 32
inline constexpr std::uint32_t kCallFunctionVector = 252;

// Where a pending record came from. The call layer (calls.cpp) prefers a
// tracepoint to a probe of the same fact and drops the probe-only markers.
enum class Origin : std::uint8_t {
  Event,          // a tracepoint or mapped probe, kept as it is
  CsdTracepoint,  // csd:csd_queue_cpu, csd:csd_function_{entry,exit} (6.5+)
  QueueProbe,     // kprobe on __smp_call_single_queue
  ExecProbe,      // kprobe on generic_exec_single (it calls __smp_call_single_queue)
  CallbackProbe,  // kprobe/kretprobe on a symbol that may be a callback (candidate)
  IpiIntent,      // kprobe on send_call_function_single_ipi: the queue was empty
};

// Whether a many-path issue names a cond function (cond=, positional arg).
enum class CondArg : std::uint8_t { Unknown, Absent, Present };

// A record with what the importer knew beside it, until the call layer is built.
struct Pending {
  Record record;
  Context context = Context::Task;
  Origin origin = Origin::Event;
  CondArg cond = CondArg::Unknown;  // XcallIssue
  std::uint32_t csd = kNone;        // XcallIssue: the csd argument (async single)
  std::uint32_t func = kNone;       // CsdQueue: the queued func (csd_queue_cpu)
  std::uint32_t candidate = kNone;  // CallbackProbe: index in Importer's candidates
};

struct CallLayerStats {
  std::uint64_t inferred_enqueues = 0;
  std::uint64_t returns_dropped = 0;  // kretprobe hits with no issue (capture began mid-call)
  std::uint64_t callbacks_linked = 0;
};

// The call layer of an imported trace (docs/ftrace-import.md "Calls"):
// pairs returns with issues per CPU by API and context, gives call ids,
// attributes sender records to the innermost call of their context, infers
// the enqueues no event shows, links callbacks to the enqueue they ran.
// `pending` is sorted by time; the result is the trace's records.
std::vector<Record> build_call_layer(std::vector<Pending> pending,
                                     const std::vector<std::vector<std::uint64_t>>& masks,
                                     int cpu_count, CallLayerStats& stats);

class Importer {
 public:
  Importer(std::string_view source, const ImportOptions& options);
  void feed(std::string_view line);
  ImportResult finish();

 private:
  using Handler = void (Importer::*)(const EventLine&);
  static const std::map<std::string_view, Handler>& handlers();

  [[noreturn]] void fail(const EventLine& ev, const std::string& expected) const;
  void comment(std::string_view line);
  // A record (a typed one's to_record()) at the line's time and cpu; the
  // Pending it becomes, for the caller to add what the line says beside it.
  Pending& emit(const EventLine& ev, Record record, Origin origin = Origin::Event);
  std::uint64_t time_of(const EventLine& ev);
  std::uint32_t uint_field(const EventLine& ev, std::string_view key);
  // A CPU number (< 65536, as records hold it); also counts it for cpu_count.
  std::uint32_t cpu_field(const EventLine& ev, std::string_view key);
  std::uint32_t function_id(std::string_view symbol);
  std::uint32_t csd_id(std::string_view pointer);
  std::uint32_t mask_id(const EventLine& ev, std::string_view text);
  void note_cpu(std::uint64_t cpu);

  void irq_vector(const EventLine& ev);
  void ipi_send_cpu(const EventLine& ev);
  void ipi_send_cpumask(const EventLine& ev);
  void csd_queue_cpu(const EventLine& ev);
  void csd_function(const EventLine& ev);
  void wake_idle_without_ipi(const EventLine& ev);
  bool kprobe(const EventLine& ev);  // false: not a kprobe line (probes.cpp)
  void resolve_candidates();         // callback probes: kept if a func= names them
  // The text of a trace_marker line, or nullopt if `ev` is not one.
  static std::optional<std::string_view> marker_text(const EventLine& ev);
  void marker(const EventLine& ev, std::string_view text);
  // False while the line lies outside the --window (and counts it).
  bool in_window(const EventLine* ev);
  void set_window();          // from options_ (constructor)
  void check_window() const;  // at finish(): the window must have opened

  std::string source_;
  ImportOptions options_;
  ImportResult result_;
  std::size_t line_no_ = 0;
  std::optional<double> clock_ghz_;     // from "# xcallsim-clock:"
  std::size_t first_counter_line_ = 0;  // the first event stamped with a raw counter
  std::optional<std::uint64_t> t0_;
  enum class Window : std::uint8_t { Before, Inside, After } window_ = Window::Inside;
  std::optional<std::regex> window_begin_, window_end_;
  std::size_t window_opened_at_ = 0;  // the BEGIN marker's line
  int max_cpu_ = -1;
  std::map<std::string, std::uint32_t, std::less<>> function_ids_;
  std::map<std::string, std::uint32_t, std::less<>> csd_ids_;
  std::map<std::vector<std::uint64_t>, std::uint32_t> mask_ids_;
  std::vector<Pending> pending_;
  std::vector<std::string> candidates_;  // callback-probe symbols, first-seen order
  std::map<std::string, std::uint32_t, std::less<>> candidate_ids_;
};

}  // namespace xcallsim::trace::ftrace::detail
