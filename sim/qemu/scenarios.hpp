// Contract: the host's list of the guest's scenarios (guest/scenarios/
// table.cpp is the guest's; the two must name the same set). `launch`
// validates --scenario against it (and its IPI path and CPU count); each
// workload scenario that runs on both IPI paths has a simulator twin,
// configs/scenarios/qemu-<name>.toml (4 CPUs).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace xcallsim::qemu {

struct GuestScenario {
  std::string_view name;
  std::string_view description;
  bool selftest;       // a harness failure-path test, not a workload
  bool devmodel_only;  // shows the APIC model's behaviour: refused with --ipi-path lapic
  int min_cpus;        // refused below this many vCPUs
};

std::span<const GuestScenario> guest_scenarios();
const GuestScenario* find_guest_scenario(std::string_view name);
// "unknown scenario 'x'; did you mean 'y'? (known: a, b, ...)"
std::string unknown_scenario_message(std::string_view name);

}  // namespace xcallsim::qemu
