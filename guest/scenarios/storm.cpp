// storm: every CPU c at once, `iters` times: SYNC smp_xcall to c+1, ASYNC
// smp_xcall to c+2, ASYNC smp_xcall_mask to all others, SYNC smp_xcall_any
// of the others, an IRQs-off ASYNC smp_xcall_private to c-1 (slot 0), and a
// SYNC smp_xcall(XCALL_ALL) (targets mod N). Every queue sees concurrent
// senders, coalesced IPIs and nested flushes. Twin:
// configs/scenarios/qemu-storm.toml.
#include "runtime/arch.hpp"
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

enum { kSync, kAsync, kPriv };

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"storm_sync", "storm_async", "storm_priv"};
  sc::reset(kNames, 3);
  for (int c = 0; c < smp_nr_cpus(); ++c)
    g_xcall.csd_init(private_csd(c, 0), sc::counted<kPriv>, nullptr);
}

void program(int cpu, const ScenarioParams& p) {
  const int n = smp_nr_cpus();
  const xcall_cpumask_t others = sc::others(cpu);
  call_single_data_t* csd = private_csd(cpu, 0);
  for (uint64_t i = 0; i < p.iters; ++i) {
    sc::expect(kSync, (cpu + 1) % n);
    sc::expect_ok("smp_xcall", cpu,
                  smp_xcall((cpu + 1) % n, sc::counted<kSync>, nullptr, XCALL_TYPE_SYNC));
    sc::expect(kAsync, (cpu + 2) % n);
    sc::expect_ok("smp_xcall", cpu,
                  smp_xcall((cpu + 2) % n, sc::counted<kAsync>, nullptr, XCALL_TYPE_ASYNC));
    if (!others.empty()) {
      others.for_each([](int c) { sc::expect(kAsync, c); });
      sc::expect_ok("smp_xcall_mask", cpu,
                    smp_xcall_mask(&others, sc::counted<kAsync>, nullptr, XCALL_TYPE_ASYNC));
      sc::expect(kSync, sc::any_choice(others, cpu));
      sc::expect_ok("smp_xcall_any", cpu,
                    smp_xcall_any(&others, sc::counted<kSync>, nullptr, XCALL_TYPE_SYNC));
    }
    sc::expect(kPriv, (cpu + n - 1) % n);
    const uint64_t flags = irq_save();
    const int ret = sc::xcall_private((cpu + n - 1) % n, csd, XCALL_TYPE_ASYNC);
    irq_restore(flags);
    sc::expect_ok("smp_xcall_private", cpu, ret);
    sc::wait_unlocked(csd);
    for (int c = 0; c < n; ++c) sc::expect(kSync, c);
    sc::expect_ok("smp_xcall", cpu,
                  smp_xcall(XCALL_ALL, sc::counted<kSync>, nullptr, XCALL_TYPE_SYNC));
  }
}

bool check(const ScenarioParams&) {
  return sc::check_counts("storm");
}

}  // namespace

extern const Scenario kStorm{"storm", setup, program, check};

}  // namespace guest
