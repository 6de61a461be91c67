// libFuzzer target: `replay`'s checks and re-timing on any trace the reader
// accepts (sim/replay). verify() must report, never throw; extract_workload()
// and retime() on the QEMU machine preset (16 CPUs) with a time limit must
// finish or end in a WorkloadError, never crash, hang or throw anything else;
// a re-timed trace must be one the format carries and reads back.
// Traces the reader rejects are not interesting here (fuzz_trace_reader).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>

#include "sim/machine/machine.hpp"
#include "sim/replay/retime.hpp"
#include "sim/replay/verify.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;

// Boost.Context fibers switch stacks: ASan's fake stacks must stay off.
extern "C" const char* __asan_default_options() {
  return "detect_stack_use_after_return=0";
}

namespace {

const machine::MachineConfig& qemu_machine() {
  static const machine::MachineConfig m =
      machine::load_machine_config(XCALLSIM_CONFIGS_DIR "/machines/qemu.toml");
  return m;
}

constexpr smp::Cycles kTimeLimit = 2'000'000;  // ~0.8 ms at 2.6 GHz: every run ends

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  trace::TraceFile file;
  try {
    file = trace::read_trace_from_memory(bytes);
  } catch (const trace::TraceError&) {
    return 0;
  }
  try {
    (void)replay::verify(file.trace);
    const replay::Workload workload = replay::extract_workload(file, "fuzz.xtr");
    replay::RetimeOptions options;
    options.time_limit = kTimeLimit;
    const replay::RetimeResult result = replay::retime(workload, qemu_machine(), options);
    (void)replay::verify(result.trace);
    const auto again = trace::encode_trace(result.trace, result.header);
    if (!(trace::read_trace_from_memory(again).trace.records == result.trace.records)) std::abort();
  } catch (const replay::WorkloadError&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not a WorkloadError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
