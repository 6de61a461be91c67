// Machine presets and the scenario library: every preset loads and states the
// rules of thumb CALIBRATION.md supports; every scenario that names its
// presets ("# presets: a, b" in its header) runs to completion on each.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/smp/smp.hpp"

using namespace xcallsim;
namespace fs = std::filesystem;

namespace {

const fs::path kConfigs = XCALLSIM_CONFIGS_DIR;

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// The names after "# presets:" in a scenario's header, or none.
std::vector<std::string> named_presets(const fs::path& scenario) {
  std::ifstream in(scenario);
  std::string line;
  const std::string tag = "# presets:";
  while (std::getline(in, line)) {
    if (line.rfind(tag, 0) != 0) continue;
    std::vector<std::string> names;
    std::stringstream list(line.substr(tag.size()));
    std::string name;
    while (std::getline(list, name, ',')) {
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty()) names.push_back(name);
    }
    return names;
  }
  return {};
}

}  // namespace

TEST_CASE("presets: every machine preset loads and builds its topology", "[unit]") {
  auto presets = files_in(kConfigs / "machines");
  REQUIRE(presets.size() >= 5);
  for (const char* folder : {"kvm", "validation"})  // KVM guests; the composites' guests
    for (const fs::path& guest : files_in(kConfigs / "machines" / folder)) presets.push_back(guest);
  for (const auto& file : presets) {
    INFO(file.string());
    const machine::MachineConfig m = machine::load_machine_config(file);
    CHECK(!m.name.empty());
    const machine::Topology topology(m);
    CHECK(topology.cpu_count() >= 2);
  }
}

TEST_CASE("presets: hardware presets have a slower SMT sibling than another core (P1/P2)",
          "[unit]") {
  for (const char* name :
       {"default", "intel-cascadelake-2s", "intel-sapphirerapids-1s", "amd-milan-2s"}) {
    INFO(name);
    const auto m =
        machine::load_machine_config(kConfigs / "machines" / (std::string(name) + ".toml"));
    const auto& d = m.apic.costs.delivery;
    CHECK(d[static_cast<int>(machine::Distance::SmtSibling)] >
          d[static_cast<int>(machine::Distance::SameSocket)]);
    CHECK(m.topology.threads_per_core == 2);
  }
}

TEST_CASE("presets: the large machines boot x2APIC, Milan groups cores in CCXs", "[unit]") {
  const auto milan = machine::load_machine_config(kConfigs / "machines" / "amd-milan-2s.toml");
  CHECK(milan.apic.mode == machine::ApicMode::X2Apic);
  CHECK(milan.topology.cores_per_ccx > 0);
  const auto clx =
      machine::load_machine_config(kConfigs / "machines" / "intel-cascadelake-2s.toml");
  CHECK(clx.apic.mode == machine::ApicMode::X2Apic);
  CHECK(clx.apic.dest_mode == machine::IpiDestMode::LogicalCluster);
}

TEST_CASE("scenario library: the new scenarios name the presets they run on", "[unit]") {
  for (const char* name : {"ping-pong", "fan-out", "tlb-shootdown-storm", "membarrier",
                           "async-burst-irqs-off", "any-numa", "private-irqs-off"}) {
    INFO(name);
    const fs::path file = kConfigs / "scenarios" / (std::string(name) + ".toml");
    REQUIRE(fs::exists(file));
    const auto presets = named_presets(file);
    CHECK(!presets.empty());
    CHECK(std::find(presets.begin(), presets.end(), "default") != presets.end());
  }
}

TEST_CASE("scenario library: every scenario completes on every preset it names", "[unit]") {
  int runs = 0;
  for (const auto& file : files_in(kConfigs / "scenarios")) {
    const scenario::Scenario s = scenario::load_scenario(file);
    for (const std::string& preset : named_presets(file)) {
      INFO(file.filename().string() << " on " << preset);
      const auto m = machine::load_machine_config(kConfigs / "machines" / (preset + ".toml"));
      smp::Options options;
      options.profile = s.profile.value_or(smp::Profile::Seed);
      smp::Simulation sim(m, options);
      scenario::bind(s, sim);
      const smp::Outcome outcome = sim.run();
      CHECK(outcome.completed);
      CHECK_FALSE(outcome.stuck);
      CHECK(outcome.warnings == 0);
      ++runs;
    }
  }
  CHECK(runs >= 30);
}
