// libFuzzer target: the trace reader must reject or accept any bytes without
// crashing (TraceError is the only exception), and whatever it accepts must
// re-encode (in the current version, with the same end status) and read back
// identically, without warnings.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>

#include "sim/trace/file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xcallsim::trace;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  TraceFile file;
  try {
    file = read_trace_from_memory(bytes);
  } catch (const TraceError&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not a TraceError: %s\n", e.what());
    std::abort();
  }
  if ((file.version == 1) != !file.warnings.empty()) std::abort();
  const auto again = encode_trace(file.trace, file.header, file.end);
  const TraceFile back = read_trace_from_memory(again);
  if (!(back.trace.records == file.trace.records) || back.trace.masks != file.trace.masks ||
      back.trace.functions != file.trace.functions || back.end != file.end ||
      !(back.header == file.header) || back.version != kFormatVersion || !back.warnings.empty())
    std::abort();
  return 0;
}
