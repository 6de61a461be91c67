// The scenario table: every name `scenario=` accepts (the host's list in
// sim/qemu/scenarios.cpp must match it).
#include "scenarios/scenario.hpp"

namespace guest {

extern const Scenario kPingpong, kAsyncBurst, kMaskAll, kCond, kAny, kPrivateIrqoff, kStorm;
extern const Scenario kApicCoalesce;
extern const Scenario kFault, kFail, kHang, kTripleFault;

// Pointers, so the table is constant-initialized (no .init_array entry).
const Scenario* const kScenarios[] = {&kPingpong, &kAsyncBurst,    &kMaskAll, &kCond,
                                      &kAny,      &kPrivateIrqoff, &kStorm,   &kApicCoalesce,
                                      &kFault,    &kFail,          &kHang,    &kTripleFault};
const int kScenarioCount = sizeof(kScenarios) / sizeof(kScenarios[0]);

// The scenario whose name is the word at `name` (ended by ' ' or NUL).
const Scenario* find_scenario(const char* name, const char** end) {
  for (const Scenario* s : kScenarios) {
    int i = 0;
    while (s->name[i] != '\0' && name[i] == s->name[i]) ++i;
    if (s->name[i] == '\0' && (name[i] == ' ' || name[i] == '\0')) {
      *end = name + i;
      return s;
    }
  }
  return nullptr;
}

}  // namespace guest
