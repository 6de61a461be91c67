// private-irqoff: every CPU c, with IRQs off, hands its preallocated csd
// (slot 0) to smp_xcall_private((c + 1) mod N, ASYNC) — the one xcall the
// seed allows with IRQs disabled (SEMANTICS 1.4.6/1.4.8) — then, IRQs on,
// waits for that csd to be unlocked and makes a SYNC smp_xcall_private() to
// (c - 1) mod N with slot 1. Twin: configs/scenarios/qemu-private-irqoff.toml.
#include "runtime/arch.hpp"
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"priv_async", "priv_sync"};
  sc::reset(kNames, 2);
  for (int c = 0; c < smp_nr_cpus(); ++c) {
    g_xcall.csd_init(private_csd(c, 0), sc::counted<0>, nullptr);
    g_xcall.csd_init(private_csd(c, 1), sc::counted<1>, nullptr);
  }
}

void program(int cpu, const ScenarioParams& p) {
  const int n = smp_nr_cpus();
  const int next = (cpu + 1) % n;
  const int prev = (cpu + n - 1) % n;
  call_single_data_t* async_csd = private_csd(cpu, 0);
  call_single_data_t* sync_csd = private_csd(cpu, 1);
  for (uint64_t i = 0; i < p.iters; ++i) {
    sc::expect(0, next);
    const uint64_t flags = irq_save();
    const int ret = sc::xcall_private(next, async_csd, XCALL_TYPE_ASYNC);
    irq_restore(flags);
    sc::expect_ok("smp_xcall_private(ASYNC, IRQs off)", cpu, ret);
    sc::wait_unlocked(async_csd);
    sc::expect(1, prev);
    sc::expect_ok("smp_xcall_private(SYNC)", cpu,
                  sc::xcall_private(prev, sync_csd, XCALL_TYPE_SYNC));
  }
}

bool check(const ScenarioParams&) {
  return sc::check_counts("private-irqoff");
}

}  // namespace

extern const Scenario kPrivateIrqoff{"private-irqoff", setup, program, check};

}  // namespace guest
