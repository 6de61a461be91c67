#include "sim/qemu/scenarios.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace xcallsim::qemu {
namespace {

constexpr std::array kScenarios{
    GuestScenario{"pingpong", "CPU 0: SYNC smp_xcall to every other CPU in turn", false, false, 1},
    GuestScenario{"async-burst", "every CPU: bursts of ASYNC smp_xcall to its neighbour", false,
                  false, 1},
    GuestScenario{"mask-all", "CPU 0: smp_xcall_mask(all) SYNC and ASYNC, smp_xcall(XCALL_ALL)",
                  false, false, 1},
    GuestScenario{"cond", "CPU 0: smp_xcall_cond (odd CPUs) and smp_xcall_mask_cond (even)", false,
                  false, 1},
    GuestScenario{"any", "CPU 0: smp_xcall_any of the others (SYNC) and of all (ASYNC)", false,
                  false, 1},
    GuestScenario{"private-irqoff",
                  "every CPU: ASYNC smp_xcall_private with IRQs off, SYNC with IRQs on", false,
                  false, 1},
    GuestScenario{"storm", "every CPU at once: single, mask, any, private and XCALL_ALL calls",
                  false, false, 1},
    GuestScenario{"apic-coalesce",
                  "devmodel only: 3x one vector to IRQs-off CPU 1 (coalesced), then a higher "
                  "class; the higher runs first",
                  false, true, 2},
    GuestScenario{"fault", "selftest: ud2 on CPU 0 (guest exception, status 37)", true, false, 1},
    GuestScenario{"fail", "selftest: a failed check (status 35)", true, false, 1},
    GuestScenario{"hang", "selftest: CPU 1 spins with IRQs off, CPU 0 waits on it forever", true,
                  false, 1},
    GuestScenario{"triple-fault", "selftest: a few calls, then a triple fault", true, false, 1},
};

std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const GuestScenario> guest_scenarios() {
  return kScenarios;
}

const GuestScenario* find_guest_scenario(std::string_view name) {
  for (const GuestScenario& s : kScenarios)
    if (s.name == name) return &s;
  return nullptr;
}

std::string unknown_scenario_message(std::string_view name) {
  const GuestScenario* best = nullptr;
  std::size_t best_distance = 4;
  std::string known;
  for (const GuestScenario& s : kScenarios) {
    known += (known.empty() ? "" : ", ") + std::string(s.name);
    const std::size_t d = distance(name, s.name);
    if (d < best_distance) {
      best = &s;
      best_distance = d;
    }
  }
  std::string msg = "unknown guest scenario '" + std::string(name) + "'";
  if (best != nullptr) msg += "; did you mean '" + std::string(best->name) + "'?";
  return msg + " (known: " + known + ")";
}

}  // namespace xcallsim::qemu
