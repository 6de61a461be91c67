// Guest scenarios: one file each, selected by name from the kernel command
// line (`-append "scenario=pingpong iters=1000"`).
// Contract: a scenario runs on CPU 0 with IRQs on, after every AP is online
// and idle; it returns true if all its checks passed (it prints why not).
// It may use any CPU through the xcall library; it must leave no call in
// flight when it returns.
#pragma once

#include <stdint.h>

namespace guest {

struct ScenarioParams {
  uint64_t iters;  // calls per target (default 1000)
};

struct Scenario {
  const char* name;
  bool (*run)(const ScenarioParams&);
};

bool scenario_pingpong(const ScenarioParams& params);
bool scenario_fault(const ScenarioParams& params);  // selftest.cpp
bool scenario_fail(const ScenarioParams& params);   // selftest.cpp

inline constexpr Scenario kScenarios[] = {
    {"pingpong", scenario_pingpong},
    {"fault", scenario_fault},
    {"fail", scenario_fail},
};

}  // namespace guest
