// any: CPU 0 calls smp_xcall_any(others, SYNC), which picks the lowest
// other CPU on this one-node machine, then smp_xcall_any(all, ASYNC), which
// picks CPU 0 itself (SEMANTICS 1.4.7). Twin: configs/scenarios/qemu-any.toml.
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"any_fn"};
  sc::reset(kNames, 1);
}

void program(int cpu, const ScenarioParams& p) {
  if (cpu != 0) return;
  const xcall_cpumask_t others = sc::others(cpu);
  const xcall_cpumask_t all = sc::all_cpus();
  for (uint64_t i = 0; i < p.iters; ++i) {
    if (!others.empty()) {
      sc::expect(0, sc::any_choice(others, cpu));
      sc::expect_ok("smp_xcall_any", cpu,
                    smp_xcall_any(&others, sc::counted<0>, nullptr, XCALL_TYPE_SYNC));
    }
    sc::expect(0, sc::any_choice(all, cpu));
    sc::expect_ok("smp_xcall_any", cpu,
                  smp_xcall_any(&all, sc::counted<0>, nullptr, XCALL_TYPE_ASYNC));
  }
}

bool check(const ScenarioParams&) {
  return sc::check_counts("any");
}

}  // namespace

extern const Scenario kAny{"any", setup, program, check};

}  // namespace guest
