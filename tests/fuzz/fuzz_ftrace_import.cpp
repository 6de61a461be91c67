// libFuzzer target: the ftrace text importer must accept or reject any text
// (ImportError with a line number) without crashing, and whatever it accepts
// must be a trace the binary format can carry and read back, and that
// replay's verify and summary take without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "sim/replay/summary.hpp"
#include "sim/replay/verify.hpp"
#include "sim/trace/file.hpp"
#include "sim/trace/ftrace/ftrace_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xcallsim::trace;
  std::istringstream text(std::string(reinterpret_cast<const char*>(data), size));
  ftrace::ImportResult result;
  try {
    result = ftrace::import_ftrace(text, "fuzz.txt");
  } catch (const ftrace::ImportError& e) {
    if (e.line() == 0) std::abort();  // every import error names its line
    return 0;
  }
  TraceHeader header;
  header.source = Source::LinuxFtrace;
  try {
    const TraceFile back = read_trace_from_memory(encode_trace(result.trace, header));
    if (!(back.trace.records == result.trace.records)) std::abort();
  } catch (const TraceError&) {
    std::abort();  // the importer produced a trace the format rejects
  }
  const auto report = xcallsim::replay::verify_report(result.trace, {.imported = true});
  if (report.checks.empty()) std::abort();
  const auto summary = xcallsim::replay::summarize(result.trace);
  if (summary.coalescing.inferred != result.inferred_enqueues) std::abort();
  return 0;
}
