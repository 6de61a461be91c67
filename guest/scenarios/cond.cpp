// cond: CPU 0 makes SYNC smp_xcall_cond() calls to every other CPU with an
// "odd CPUs only" condition (even targets are filtered on the sender, no
// call), then one smp_xcall_mask_cond(all, SYNC) with "even CPUs only",
// itself included. The conditions are the simulator's named `odd`/`even`
// (sim/smp/functions.cpp). Twin: configs/scenarios/qemu-cond.toml.
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

bool cond_odd(int cpu, void*) {
  return cpu % 2 == 1;
}
bool cond_even(int cpu, void*) {
  return cpu % 2 == 0;
}

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"cond_fn"};
  sc::reset(kNames, 1);
}

void program(int cpu, const ScenarioParams& p) {
  if (cpu != 0) return;
  const int n = smp_nr_cpus();
  const xcall_cpumask_t all = sc::all_cpus();
  for (uint64_t i = 0; i < p.iters; ++i) {
    for (int t = n > 1 ? 1 : 0; t < n; ++t) {
      if (cond_odd(t, nullptr)) sc::expect(0, t);
      sc::expect_ok("smp_xcall_cond", cpu,
                    smp_xcall_cond(t, sc::counted<0>, nullptr, XCALL_TYPE_SYNC, cond_odd));
    }
    for (int c = 0; c < n; ++c)
      if (cond_even(c, nullptr)) sc::expect(0, c);
    sc::expect_ok("smp_xcall_mask_cond", cpu,
                  smp_xcall_mask_cond(&all, sc::counted<0>, nullptr, XCALL_TYPE_SYNC, cond_even));
  }
}

bool check(const ScenarioParams&) {
  return sc::check_counts("cond");
}

}  // namespace

extern const Scenario kCond{"cond", setup, program, check};

}  // namespace guest
