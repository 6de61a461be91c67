// Streaming (issue "workhorse"): a run whose records go to a sink as they
// happen writes the same trace bytes and prints the same summary as one kept
// in memory, on every shipped scenario; the stall guard ends a zero-time
// loop; the monitor ends a run as interrupted.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>

#include "sim/machine/machine.hpp"
#include "sim/replay/retime.hpp"
#include "sim/replay/summary.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/trace/file.hpp"
#include "sim/trace/sink.hpp"

using namespace xcallsim;

namespace {

const std::string kConfigs = XCALLSIM_CONFIGS_DIR;

machine::MachineConfig default_machine() {
  return machine::load_machine_config(kConfigs + "/machines/default.toml");
}

trace::TraceHeader header_for(const smp::Simulation& sim, const std::string& name) {
  trace::TraceHeader h = replay::sim_trace_header(sim.config(), name, sim.options().profile);
  h.cpu_count = static_cast<std::uint32_t>(sim.cpu_count());
  h.ghz = sim.config().ghz;
  return h;
}

}  // namespace

TEST_CASE("a streamed run writes the bytes and summary of one kept in memory", "[unit]") {
  for (const auto& entry : std::filesystem::directory_iterator(kConfigs + "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;  // validation/ holds composites' scenarios
    const std::string file = entry.path().string();
    DYNAMIC_SECTION(entry.path().filename().string()) {
      const auto scenario = scenario::load_scenario(file);
      smp::Options options;
      options.profile = scenario.profile.value_or(smp::Profile::Seed);

      smp::Simulation kept(default_machine(), options);
      scenario::bind(scenario, kept);
      kept.run();
      const auto expected = trace::encode_trace(kept.trace(), header_for(kept, scenario.name));

      smp::Simulation streamed(default_machine(), options);
      scenario::bind(scenario, streamed);
      std::ostringstream bytes(std::ios::binary);
      replay::SummaryBuilder summary;
      {
        trace::Writer writer(bytes, header_for(streamed, scenario.name));
        trace::WriterSink file_sink(writer);
        trace::TeeSink both(file_sink, summary);
        streamed.set_trace_sink(both);
        streamed.run();
        writer.finish();
      }
      CHECK(streamed.trace().records.empty());  // nothing kept in memory
      const std::string got = std::move(bytes).str();
      REQUIRE(got.size() == expected.size());
      CHECK(std::memcmp(got.data(), expected.data(), got.size()) == 0);
      const replay::SummaryHeader h{"m", scenario.name, "p"};
      CHECK(replay::format_summary(summary.finish(), streamed.trace(), h) ==
            replay::format_summary(replay::summarize(kept.trace()), kept.trace(), h));
    }
  }
}

TEST_CASE("a zero-time loop stalls the run instead of hanging it", "[unit]") {
  // A loop whose every operation takes no simulated time (the scenario
  // `repeat` of `compute 0`): no CPU clock ever passes the latest time seen.
  smp::Options options;
  options.stall_steps = 10'000;
  smp::Simulation sim(default_machine(), options);
  sim.set_program(0, [](smp::Cpu& cpu) {
    for (;;) cpu.compute(0);
  });
  const smp::Outcome o = sim.run();
  CHECK(o.stalled);
  CHECK_FALSE(o.completed);
  CHECK(o.stall_report.find("10000 platform operations") != std::string::npos);
}

TEST_CASE("a run just under the stall guard completes", "[unit]") {
  // The guard counts operations without progress: 5000 zero-time operations
  // then real work is fine under a guard of 10000.
  smp::Options options;
  options.stall_steps = 10'000;
  smp::Simulation sim(default_machine(), options);
  sim.set_program(0, [](smp::Cpu& cpu) {
    for (int i = 0; i < 4'000; ++i) cpu.compute(0);
    cpu.compute(100);
  });
  const smp::Outcome o = sim.run();
  CHECK_FALSE(o.stalled);
  CHECK(o.completed);
}

TEST_CASE("the monitor ends a run as interrupted", "[unit]") {
  smp::Options options;
  int calls = 0;
  options.monitor = [&](const smp::RunProgress& p) {
    CHECK(p.steps > 0);
    return ++calls < 3;  // the third look stops it
  };
  smp::Simulation sim(default_machine(), options);
  sim.set_program(0, [](smp::Cpu& cpu) {
    for (;;) cpu.compute(10);
  });
  const smp::Outcome o = sim.run();
  CHECK(o.interrupted);
  CHECK_FALSE(o.completed);
  CHECK_FALSE(o.time_limit_hit);
  CHECK(calls == 3);
}

TEST_CASE("a compute past the end of time ends the run instead of wrapping the clock", "[unit]") {
  // Found by fuzz_replay: a workload's 2^64-cycle compute (or function cost)
  // made the clock wrap and trace records go backwards. A phase that ends at
  // smp::kEndOfTime runs; one that would end after it (up to 2^64 - 1 cycles)
  // ends the run there, as a time limit would.
  for (const bool past_the_end : {false, true}) {
    smp::Simulation sim(default_machine());
    smp::Cycles after = 0;
    sim.set_program(0, [&](smp::Cpu& cpu) {
      cpu.compute(100);
      cpu.compute(past_the_end ? ~smp::Cycles{0} : smp::kEndOfTime - cpu.now() - 1000);
      after = cpu.now();
      cpu.compute(1);
    });
    const smp::Outcome o = sim.run();
    CHECK(o.completed == !past_the_end);
    CHECK(after == (past_the_end ? 0 : smp::kEndOfTime - 1000));
    CHECK(o.end_time <= smp::kEndOfTime + 1);
  }
}
