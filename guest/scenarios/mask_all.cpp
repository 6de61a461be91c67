// mask-all: CPU 0 calls every CPU, itself included (SEMANTICS 1.4.1), three
// ways per iteration: smp_xcall_mask(all, SYNC), smp_xcall_mask(all, ASYNC),
// smp_xcall(XCALL_ALL, SYNC). Twin: configs/scenarios/qemu-mask-all.toml.
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

void expect_all() {
  for (int c = 0; c < smp_nr_cpus(); ++c) sc::expect(0, c);
}

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"shoot"};
  sc::reset(kNames, 1);
}

void program(int cpu, const ScenarioParams& p) {
  if (cpu != 0) return;
  const xcall_cpumask_t all = sc::all_cpus();
  for (uint64_t i = 0; i < p.iters; ++i) {
    expect_all();
    sc::expect_ok("smp_xcall_mask", cpu,
                  smp_xcall_mask(&all, sc::counted<0>, nullptr, XCALL_TYPE_SYNC));
    expect_all();
    sc::expect_ok("smp_xcall_mask", cpu,
                  smp_xcall_mask(&all, sc::counted<0>, nullptr, XCALL_TYPE_ASYNC));
    expect_all();
    sc::expect_ok("smp_xcall", cpu, smp_xcall(XCALL_ALL, sc::counted<0>, nullptr, XCALL_TYPE_SYNC));
  }
}

bool check(const ScenarioParams&) {
  return sc::check_counts("mask-all");
}

}  // namespace

extern const Scenario kMaskAll{"mask-all", setup, program, check};

}  // namespace guest
