// trace_marker lines and the --window they bound (ftrace_import.hpp).
#include <fmt/format.h>

#include "sim/trace/ftrace/importer.hpp"
#include "sim/trace/records.hpp"

namespace xcallsim::trace::ftrace::detail {

namespace {

std::optional<std::regex> compile(const std::string& pattern, std::string_view source,
                                  std::string_view which) {
  if (pattern.empty()) return std::nullopt;
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw ImportError(std::string(source), 0,
                      fmt::format("--window {} '{}' is not a regular expression ({}); fix: give "
                                  "an ECMAScript regex, e.g. 'run begin'",
                                  which, pattern, e.what()));
  }
}

}  // namespace

void Importer::set_window() {
  window_begin_ = compile(options_.window_begin, source_, "BEGIN");
  window_end_ = compile(options_.window_end, source_, "END");
  if (window_begin_) window_ = Window::Before;
}

// tracefs: "tracing_mark_write: TEXT"; trace-cmd report: "print: tracing_mark_write: TEXT"
// (older ones: "print: TEXT" after the writer's address).
std::optional<std::string_view> Importer::marker_text(const EventLine& ev) {
  if (ev.event == "tracing_mark_write") return ev.body;
  if (ev.event != "print") return std::nullopt;
  std::string_view body = ev.body;
  if (const auto at = body.find("tracing_mark_write: "); at != body.npos)
    return body.substr(at + 20);
  return body;
}

bool Importer::in_window(const EventLine* ev) {
  if (window_ == Window::Inside) return true;
  if (window_ == Window::Before && ev != nullptr) {
    if (const auto text = marker_text(*ev);
        text && std::regex_search(text->begin(), text->end(), *window_begin_)) {
      window_ = Window::Inside;
      window_opened_at_ = line_no_;
      return true;
    }
  }
  ++result_.outside_window;
  return false;
}

void Importer::marker(const EventLine& ev, std::string_view text) {
  ++result_.markers;
  emit(ev, Mark{.value = static_cast<std::uint32_t>(result_.markers)}.to_record());
  if (window_end_ && window_opened_at_ != line_no_ &&
      std::regex_search(text.begin(), text.end(), *window_end_))
    window_ = Window::After;
}

void Importer::check_window() const {
  if (window_ == Window::Before)
    throw ImportError(source_, line_no_,
                      fmt::format("no trace_marker line matches the window's BEGIN '{}'; fix: "
                                  "check the pattern against the capture's tracing_mark_write "
                                  "lines (echo TEXT > /sys/kernel/tracing/trace_marker)",
                                  options_.window_begin));
}

}  // namespace xcallsim::trace::ftrace::detail
