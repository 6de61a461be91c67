#include "sim/trace/ftrace/ftrace_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace {

ImportError::ImportError(std::string source, std::size_t line, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}: {}", source, line, message)),
      source_(std::move(source)),
      line_(line) {}

namespace detail {

Importer::Importer(std::string_view source, const ImportOptions& options)
    : source_(source), options_(options) {
  set_window();
}

void Importer::fail(const EventLine& ev, const std::string& expected) const {
  throw ImportError(
      source_, line_no_,
      fmt::format("malformed '{}' event: expected {}, got '{}'; fix: repair or delete this "
                  "line, or re-capture with the event and probe formats of "
                  "docs/ftrace-import.md",
                  ev.event, expected, ev.body));
}

void Importer::note_cpu(std::uint64_t cpu) {
  if (cpu < 65536) max_cpu_ = std::max(max_cpu_, static_cast<int>(cpu));
}

void Importer::comment(std::string_view line) {
  ++result_.comment_lines;
  if (auto mhz = field(line, "tsc_mhz"); mhz && line.find("xcallsim-clock:") != line.npos) {
    double value = std::strtod(std::string(*mhz).c_str(), nullptr);
    if (std::isfinite(value) && value > 0) clock_ghz_ = value / 1000.0;
  }
  if (std::size_t p = line.find("#P:"); p != line.npos) {
    if (auto n = parse_uint(trim(line.substr(p + 3))); n && *n > 0 && *n <= 65536) note_cpu(*n - 1);
  }
}

std::uint64_t Importer::time_of(const EventLine& ev) {
  auto ts = parse_timestamp(ev.timestamp);
  if (!ts)
    fail(ev, fmt::format("a timestamp (seconds.fraction or a counter), not '{}'", ev.timestamp));
  Clock clock = ts->seconds ? Clock::Seconds : Clock::Counter;
  if (result_.clock != Clock::None && result_.clock != clock)
    fail(ev, "the same timestamp style as earlier lines (seconds.fraction vs counter)");
  result_.clock = clock;
  if (clock == Clock::Counter && first_counter_line_ == 0) first_counter_line_ = line_no_;
  if (!t0_) t0_ = ts->value;
  // Records are relative to the first event; an earlier timestamp later on clamps to 0.
  return ts->value >= *t0_ ? ts->value - *t0_ : 0;
}

std::uint32_t Importer::uint_field(const EventLine& ev, std::string_view key) {
  auto text = field(ev.body, key);
  auto value = text ? parse_uint(*text) : std::nullopt;
  if (!value || *value > std::numeric_limits<std::uint32_t>::max() - 1)
    fail(ev, fmt::format("{}=<unsigned integer>", key));
  return static_cast<std::uint32_t>(*value);
}

std::uint32_t Importer::cpu_field(const EventLine& ev, std::string_view key) {
  std::uint32_t cpu = uint_field(ev, key);
  if (cpu >= 65536) fail(ev, fmt::format("{}=<cpu number below 65536>", key));
  note_cpu(cpu);
  return cpu;
}

std::uint32_t Importer::function_id(std::string_view symbol) {
  auto it = function_ids_.find(symbol);
  if (it != function_ids_.end()) return it->second;
  // Kernel symbols (and %pS offsets) are printable ASCII; anything else is a
  // corrupted line, and trace files only carry UTF-8 names.
  for (char c : symbol) {
    if (c < 0x21 || c > 0x7e) {
      throw ImportError(source_, line_no_,
                        fmt::format("'{}' is not a kernel symbol name (printable ASCII)",
                                    std::string(symbol.substr(0, 64))));
    }
  }
  auto id = static_cast<std::uint32_t>(result_.trace.functions.size());
  result_.trace.functions.emplace_back(symbol);
  function_ids_.emplace(std::string(symbol), id);
  return id;
}

std::uint32_t Importer::csd_id(std::string_view pointer) {
  auto it = csd_ids_.find(pointer);
  if (it != csd_ids_.end()) return it->second;
  auto id = static_cast<std::uint32_t>(csd_ids_.size());
  csd_ids_.emplace(std::string(pointer), id);
  return id;
}

std::uint32_t Importer::mask_id(const EventLine& ev, std::string_view text) {
  std::string why;
  auto words = parse_cpumask(text, &why);
  if (!words) fail(ev, why);
  // Trim high zero words, but keep one: an empty set is one zero word on the wire.
  while (words->size() > 1 && words->back() == 0) words->pop_back();
  if (words->empty()) words->push_back(0);
  for (std::size_t w = words->size(); w-- > 0;) {
    if ((*words)[w] != 0) {
      note_cpu(w * 64 + 63 - static_cast<std::size_t>(std::countl_zero((*words)[w])));
      break;
    }
  }
  auto [it, inserted] = mask_ids_.emplace(*words, static_cast<std::uint32_t>(mask_ids_.size()));
  if (inserted) result_.trace.masks.push_back(*words);
  return it->second;
}

Pending& Importer::emit(const EventLine& ev, Record record, Origin origin) {
  auto cpu = parse_uint(ev.cpu);
  if (!cpu || *cpu >= 65536) fail(ev, "a cpu number below 65536 in [...]");
  note_cpu(*cpu);
  record.time = time_of(ev);
  record.cpu = static_cast<std::uint16_t>(*cpu);
  ++result_.events_imported;
  return pending_.emplace_back(
      Pending{.record = record, .context = context_of(ev.flags), .origin = origin});
}

void Importer::feed(std::string_view raw) {
  ++line_no_;
  ++result_.lines_read;
  std::string_view line = trim(raw);
  if (line.empty()) return;
  if (line.front() == '#') return comment(line);
  if (std::size_t lost = line.find("[LOST "); lost != line.npos && line.starts_with("CPU")) {
    if (auto n = parse_uint(line.substr(lost + 6, line.find(' ', lost + 6) - lost - 6)))
      result_.lost_events += *n;
    ++result_.comment_lines;
    return;
  }
  if (line.starts_with("cpus=")) {  // trace-cmd report header
    if (auto n = parse_uint(line.substr(5)); n && *n > 0 && *n <= 65536) note_cpu(*n - 1);
    ++result_.comment_lines;
    return;
  }
  auto ev = split_event_line(line);
  if (!in_window(ev ? &*ev : nullptr)) return;
  if (ev) {
    if (const auto text = marker_text(*ev)) return marker(*ev, *text);
    auto it = handlers().find(ev->event);
    if (it != handlers().end()) return (this->*(it->second))(*ev);
    if (kprobe(*ev)) return;
  }
  ++result_.unknown_lines_skipped;
}

ImportResult Importer::finish() {
  check_window();
  resolve_candidates();
  std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& x, const Pending& y) {
    return x.record.time < y.record.time;
  });
  if (max_cpu_ < 0) {  // no event line and no "#P:" header: nothing says how many CPUs
    throw ImportError(source_, std::max<std::size_t>(line_no_, 1),
                      "no trace events and no '# entries-in-buffer/entries-written: ... #P:N' "
                      "header; fix: capture with the irq_vectors/ipi/csd events enabled");
  }
  result_.trace.cpu_count = max_cpu_ + 1;
  CallLayerStats stats;
  result_.trace.records =
      build_call_layer(std::move(pending_), result_.trace.masks, result_.trace.cpu_count, stats);
  result_.inferred_enqueues = stats.inferred_enqueues;
  result_.returns_dropped = stats.returns_dropped;
  result_.callbacks_linked = stats.callbacks_linked;
  result_.events_imported -= stats.returns_dropped;
  // A raw counter (trace_clock x86-tsc, counter, ...) has no rate of its own:
  // never guess one (a silent 1 GHz would re-time every call wrongly).
  if (result_.clock == Clock::Counter && !clock_ghz_ && !options_.counter_ghz) {
    throw ImportError(source_, first_counter_line_,
                      "the timestamps are raw counter ticks (trace_clock x86-tsc or counter) and "
                      "nothing gives their rate; fix: pass --tsc-ghz GHZ (the TSC rate, e.g. "
                      "from `dmesg | grep 'tsc: Refined'`) or add a '# xcallsim-clock: x86-tsc "
                      "tsc_mhz=MHZ' line to the capture");
  }
  result_.trace.ghz = result_.clock == Clock::Counter
                          ? clock_ghz_.value_or(options_.counter_ghz.value_or(1.0))
                          : 1.0;
  return std::move(result_);
}

}  // namespace detail

ImportResult import_ftrace(std::istream& in, std::string_view source_name,
                           const ImportOptions& options) {
  detail::Importer importer(source_name, options);
  std::string line;
  std::uint64_t lines = 0;
  bool stopped = false;
  while (std::getline(in, line)) {
    importer.feed(line);
    if ((++lines & 0xFFF) == 0 && options.keep_going && !options.keep_going(lines)) {
      stopped = true;
      break;
    }
  }
  ImportResult result = importer.finish();
  result.stopped = stopped;
  return result;
}

}  // namespace xcallsim::trace::ftrace
