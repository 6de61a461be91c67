// Whole-pipeline golden properties on the shipped scenarios: a run's trace
// survives the file format byte-for-byte, passes the invariant checker, and
// replays to the same summary; the Perfetto export is well formed.
#include <catch2/catch.hpp>

#include <string>

#include "sim/machine/machine.hpp"
#include "sim/replay/perfetto.hpp"
#include "sim/replay/summary.hpp"
#include "sim/replay/verify.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;

namespace {

struct Run {
  trace::Trace trace;
  trace::TraceHeader header;
};

Run run_scenario(const std::string& name, smp::Profile profile) {
  const std::string dir = XCALLSIM_CONFIGS_DIR;
  auto machine = machine::load_machine_config(dir + "/machines/default.toml");
  auto s = scenario::load_scenario(dir + "/scenarios/" + name + ".toml");
  smp::Options options;
  options.profile = profile;
  smp::Simulation sim(machine, options);
  scenario::bind(s, sim);
  REQUIRE(sim.run().completed);
  trace::TraceHeader h;
  h.machine = machine.name;
  h.scenario = s.name;
  h.profile = std::string(smp::to_string(profile));
  return {sim.trace(), h};
}

}  // namespace

TEST_CASE("golden: run traces are byte-identical across runs and round-trip the format",
          "[golden]") {
  for (const char* name : {"default", "seed-vs-upstream", "priority-mix"}) {
    for (auto profile : {smp::Profile::Seed, smp::Profile::Upstream}) {
      INFO(name);
      Run a = run_scenario(name, profile);
      Run b = run_scenario(name, profile);
      auto bytes_a = trace::encode_trace(a.trace, a.header);
      auto bytes_b = trace::encode_trace(b.trace, b.header);
      REQUIRE(bytes_a == bytes_b);
      trace::TraceFile back = trace::read_trace_from_memory(bytes_a);
      CHECK(back.header.scenario == a.header.scenario);
      REQUIRE(back.trace.records.size() == a.trace.records.size());
      CHECK(trace::encode_trace(back.trace, back.header) == bytes_a);
      CHECK(replay::format_summary(replay::summarize(back.trace), back.trace, {}) ==
            replay::format_summary(replay::summarize(a.trace), a.trace, {}));
    }
  }
}

TEST_CASE("golden: every shipped scenario's trace passes the replay invariant checker",
          "[golden]") {
  for (const char* name : {"default", "seed-vs-upstream", "priority-mix"}) {
    for (auto profile : {smp::Profile::Seed, smp::Profile::Upstream}) {
      INFO(name);
      Run r = run_scenario(name, profile);
      auto violations = replay::verify(r.trace);
      for (const auto& v : violations) UNSCOPED_INFO(replay::to_string(v));
      CHECK(violations.empty());
    }
  }
}

TEST_CASE("golden: the Perfetto export of a run has a track per CPU and matched flows",
          "[golden]") {
  Run r = run_scenario("default", smp::Profile::Seed);
  auto json = replay::export_perfetto(r.trace);
  const auto& events = json.contains("traceEvents") ? json["traceEvents"] : json;
  REQUIRE(events.is_array());
  int thread_names = 0, flow_starts = 0, flow_ends = 0, slices = 0;
  for (const auto& e : events) {
    REQUIRE(e.contains("ph"));
    const std::string ph = e["ph"];
    if (ph == "M" && e["name"] == "thread_name") ++thread_names;
    if (ph == "s") ++flow_starts;
    if (ph == "f") ++flow_ends;
    if (ph == "X") {
      ++slices;
      CHECK(e["dur"].get<double>() >= 0.0);
    }
  }
  CHECK(thread_names == r.trace.cpu_count);
  CHECK(flow_starts > 0);
  CHECK(flow_starts == flow_ends);
  CHECK(slices > 0);
}
