// libFuzzer target: the trace reader must reject or accept any bytes without
// crashing, and whatever it accepts must re-encode and read back identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
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
  }
  const auto again = encode_trace(file.trace, file.header);
  const TraceFile back = read_trace_from_memory(again);
  if (!(back.trace.records == file.trace.records) || back.trace.masks != file.trace.masks ||
      back.trace.functions != file.trace.functions)
    std::abort();
  return 0;
}
