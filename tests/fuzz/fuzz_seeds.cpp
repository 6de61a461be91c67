// Seed corpus for the trace fuzz targets (tests/fuzz/smoke.sh): traces the
// project writes, small enough to mutate. Usage: fuzz_seeds DIR writes
// DIR/<name>.xtr (current version: complete, and ended by the time limit) and
// DIR/<name>-v1.xtr (the same records as a version 1 file, which has no
// checksum, so mutations of it reach the record checks and the re-timing).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/replay/retime.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim;

namespace {

void save(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// Version 1 layout: the same header with version 1, the records, no END.
std::vector<std::byte> as_version1(std::vector<std::byte> bytes) {
  bytes.resize(bytes.size() - 32);
  bytes[8] = std::byte{1};
  bytes[9] = std::byte{0};
  return bytes;
}

void record(const std::filesystem::path& dir, const std::string& name,
            const machine::MachineConfig& machine, const std::string& scenario_file,
            smp::Cycles time_limit) {
  const scenario::Scenario s = scenario::load_scenario(scenario_file);
  smp::Options options;
  options.profile = s.profile.value_or(smp::Profile::Seed);
  options.time_limit = time_limit;
  smp::Simulation sim(machine, options);
  scenario::bind(s, sim);
  const smp::Outcome outcome = sim.run();
  trace::TraceHeader header = replay::sim_trace_header(machine, s.name, options.profile);
  const auto end = outcome.completed        ? trace::EndStatus::Complete
                   : outcome.time_limit_hit ? trace::EndStatus::TimeLimit
                                            : trace::EndStatus::Other;
  const auto bytes = trace::encode_trace(sim.trace(), header, end);
  save(dir / (name + ".xtr"), bytes);
  save(dir / (name + "-v1.xtr"), as_version1(bytes));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const std::string configs = XCALLSIM_CONFIGS_DIR;
  machine::MachineConfig machine = machine::load_machine_config(configs + "/machines/qemu.toml");
  machine.topology.cores_per_socket = 4;  // small traces mutate faster
  record(dir, "pingpong", machine, configs + "/scenarios/qemu-pingpong.toml", 0);
  record(dir, "mask-all-cut", machine, configs + "/scenarios/qemu-mask-all.toml", 200'000);
  record(dir, "cond", machine, configs + "/scenarios/qemu-cond.toml", 300'000);
  record(dir, "private-irqoff", machine, configs + "/scenarios/qemu-private-irqoff.toml", 300'000);
  return 0;
}
