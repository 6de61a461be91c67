// libFuzzer target: the scenario TOML loader (sim/scenario, sim/config). Any
// text must be accepted or end in a config::ConfigError that names the file;
// never a crash, a hang or another exception. What it accepts is bound to a
// 4-CPU machine, where only ConfigError (a CPU the machine lacks) may follow.
// (Running it is not fuzzed here: a scenario may legally loop for a long time.)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"
#include "sim/scenario/scenario.hpp"

using namespace xcallsim;

namespace {

machine::MachineConfig four_cpus() {
  machine::MachineConfig c;
  c.name = "fuzz";
  c.ghz = 2.0;
  c.topology.cores_per_socket = 4;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  scenario::Scenario s;
  try {
    s = scenario::parse_scenario(text, "fuzz.toml");
  } catch (const config::ConfigError& e) {
    if (e.file() != "fuzz.toml") std::abort();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not a ConfigError: %s\n", e.what());
    std::abort();
  }
  try {
    smp::Simulation sim(four_cpus());
    scenario::bind(s, sim);
  } catch (const config::ConfigError&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bind of an accepted scenario: not a ConfigError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
