// libFuzzer target: the machine TOML loader (sim/machine, sim/config). Any
// text must be accepted or end in a config::ConfigError that names the file
// and a line; never a crash, a hang or another exception. What it accepts
// must build a Topology and a CacheModel (the loader reports every impossible
// topology itself, with its position) that answer a few queries. Seeds
// include every kind of [virtualization] (tests/fuzz/smoke.sh).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"

using namespace xcallsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  machine::MachineConfig config;
  // A folder that does not exist: a `base = ...` the fuzzer writes names no
  // file (an error at this file), so no host file can become a layer.
  constexpr std::string_view kName = "/nonexistent/xcallsim-fuzz/fuzz.toml";
  try {
    config = machine::parse_machine_config(text, kName);
  } catch (const config::ConfigError& e) {
    if (e.file() != kName) std::abort();  // every error names its file
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not a ConfigError: %s\n", e.what());
    std::abort();
  }
  try {
    const machine::Topology topology(config);
    const int n = topology.cpu_count();
    if (n < 1) std::abort();
    for (const int cpu : {0, n / 2, n - 1}) {
      if (topology.cpu_of_apic_id(topology.apic_id(cpu)) != cpu) std::abort();
      (void)topology.distance(0, cpu);
      (void)topology.numa_distance(topology.node(0), topology.node(cpu));
    }
    machine::CacheModel cache(topology, config.cache);
    cache.access(0, 1, machine::Access::Write, 0);
    cache.access(n - 1, 1, machine::Access::Read, 10);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "accepted config fails: %s\n", e.what());
    std::abort();
  }
  return 0;
}
