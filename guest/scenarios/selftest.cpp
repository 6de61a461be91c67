// Self-tests of the harness itself, so the [qemu] tier can prove that each
// failure path reaches the host with its own exit status:
//   fault: executes ud2 -> exception report, ExitCode::Exception (status 37);
//   fail:  a failed check -> ExitCode::CheckFailed (status 35).
#include "runtime/console.hpp"
#include "scenarios/scenario.hpp"

namespace guest {

bool scenario_fault(const ScenarioParams&) {
  kprintf("selftest: executing ud2\n");
  asm volatile("ud2");
  return false;
}

bool scenario_fail(const ScenarioParams&) {
  kprintf("selftest: reporting a failed check\n");
  return false;
}

}  // namespace guest
