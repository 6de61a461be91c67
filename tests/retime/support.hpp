// Helpers of the re-time tests: shipped machines and scenarios, runs as
// `xcallsim run --trace` records them, and re-timing a recorded run.
#pragma once

#include <string>

#include "sim/machine/machine.hpp"
#include "sim/replay/retime.hpp"
#include "sim/replay/summary.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/trace/file.hpp"

namespace retime_test {

using namespace xcallsim;

inline machine::MachineConfig shipped_machine(const std::string& name) {
  return machine::load_machine_config(std::string(XCALLSIM_CONFIGS_DIR) + "/machines/" + name +
                                      ".toml");
}

// 2 sockets x `cores` cores, 1 thread each, default.toml's costs.
inline machine::MachineConfig small_machine(int cores) {
  machine::MachineConfig m = shipped_machine("default");
  m.name = "small";
  m.topology.cores_per_socket = cores;
  m.topology.threads_per_core = 1;
  return m;
}

struct Recorded {
  trace::TraceFile file;
  smp::Outcome outcome;
  std::vector<std::byte> bytes() const { return trace::encode_trace(file.trace, file.header); }
};

// What `xcallsim run -m M -s S -p P --trace` writes.
inline Recorded run_scenario(const machine::MachineConfig& m, const std::string& scenario,
                             smp::Profile profile) {
  const auto s = scenario::load_scenario(std::string(XCALLSIM_CONFIGS_DIR) + "/scenarios/" +
                                         scenario + ".toml");
  smp::Options options;
  options.profile = profile;
  smp::Simulation sim(m, options);
  scenario::bind(s, sim);
  Recorded r;
  r.outcome = sim.run();
  r.file.trace = sim.trace();
  r.file.header = replay::sim_trace_header(m, s.name, profile);
  if (!r.outcome.completed) r.file.header.flags |= trace::kFlagIncomplete;
  return r;
}

inline replay::RetimeResult retime(const Recorded& r, const machine::MachineConfig& m,
                                   replay::RetimeOptions options = {}) {
  return replay::retime(replay::extract_workload(r.file), m, options);
}

inline std::vector<std::byte> bytes(const replay::RetimeResult& r) {
  return trace::encode_trace(r.trace, r.header);
}

// The summary row of (api, flags), or nullptr.
inline const replay::CallRow* row(const replay::Summary& s, trace::Api api, unsigned flags) {
  for (const replay::CallRow& r : s.rows)
    if (r.api == static_cast<std::uint32_t>(api) && r.flags == flags) return &r;
  return nullptr;
}

}  // namespace retime_test
