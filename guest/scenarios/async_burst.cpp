// async-burst: every CPU c sends `iters` bursts of `burst` ASYNC
// smp_xcall()s to its neighbour (c + 1) mod N. A sender's next ASYNC call
// to the same target waits for its per-target csd (SEM-9), so each CPU is a
// sender and a receiver at once. Twin: configs/scenarios/qemu-async-burst.toml.
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"burst_fn"};
  sc::reset(kNames, 1);
}

void program(int cpu, const ScenarioParams& p) {
  const int target = (cpu + 1) % smp_nr_cpus();
  for (uint64_t i = 0; i < p.iters; ++i)
    for (uint64_t b = 0; b < p.burst; ++b) {
      sc::expect(0, target);
      sc::expect_ok("smp_xcall", cpu, smp_xcall(target, sc::counted<0>, nullptr, XCALL_TYPE_ASYNC));
    }
}

bool check(const ScenarioParams&) {
  return sc::check_counts("async-burst");
}

}  // namespace

extern const Scenario kAsyncBurst{"async-burst", setup, program, check};

}  // namespace guest
