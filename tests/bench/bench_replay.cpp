// Replay throughput (issue 4): read + verify of a >= 10 M-record trace file,
// in records per host second. The trace is the default scenario's run,
// repeated back to back (times and call ids shifted) until it is large enough.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "sim/machine/machine.hpp"
#include "sim/replay/verify.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;

namespace {

constexpr std::size_t kMinRecords = 10'000'000;

trace::Trace one_run() {
  const std::string dir = XCALLSIM_CONFIGS_DIR;
  auto s = scenario::load_scenario(dir + "/scenarios/default.toml");
  smp::Simulation sim(machine::load_machine_config(dir + "/machines/default.toml"));
  scenario::bind(s, sim);
  sim.run();
  return sim.trace();
}

// Workload definitions live at time 0 of the first copy only.
bool is_definition(trace::Kind k) {
  using K = trace::Kind;
  return k == K::WorkloadInfo || k == K::FuncCost || k == K::VectorDef || k == K::CpuOffline;
}

const std::filesystem::path& big_trace_file() {
  static const std::filesystem::path path = [] {
    trace::Trace base = one_run();
    trace::Trace big = base;
    std::uint64_t span = 0;
    std::uint32_t calls = 0;
    for (const auto& r : base.records) {
      span = std::max(span, r.time);
      calls = std::max(calls, r.call);
    }
    for (std::uint64_t copy = 1; big.records.size() < kMinRecords; ++copy) {
      for (trace::Record r : base.records) {
        if (is_definition(r.kind)) continue;
        r.time += copy * (span + 1);
        if (r.call != 0) r.call += static_cast<std::uint32_t>(copy) * calls;
        big.records.push_back(r);
      }
    }
    auto file = std::filesystem::temp_directory_path() / "xcallsim-bench-replay.xtr";
    trace::write_trace(file, big, trace::TraceHeader{});
    return file;
  }();
  return path;
}

void BM_ReplayReadVerify(benchmark::State& state) {
  const auto& file = big_trace_file();
  std::uint64_t records = 0;
  for (auto _ : state) {
    trace::Trace t = trace::read_trace(file);
    auto violations = replay::verify(t);
    if (!violations.empty()) state.SkipWithError("the replicated trace has violations");
    records += t.records.size();
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReplayReadVerify)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_ReplayReadOnly(benchmark::State& state) {
  const auto& file = big_trace_file();
  std::uint64_t records = 0;
  for (auto _ : state) {
    records += trace::read_trace(file).records.size();
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReplayReadOnly)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
