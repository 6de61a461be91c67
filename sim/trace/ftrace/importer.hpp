// Contract: the stateful line-by-line importer behind import_ftrace() (internal).
// One instance per input; feed lines in order, then finish() once.
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
  // A record (a typed one's to_record()) at the line's time and cpu.
  void emit(const EventLine& ev, Record record);
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
  bool kprobe(const EventLine& ev);  // false: not a kprobe line
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
};

// Assigns call ids: XcallIssue/XcallReturn pairs per CPU, the CsdQueue/IpiSend/IpiElided
// records a CPU emits between them, and FuncEntry/FuncExit of a csd queued by that call.
void assign_call_ids(std::vector<Record>& records);

}  // namespace xcallsim::trace::ftrace::detail
