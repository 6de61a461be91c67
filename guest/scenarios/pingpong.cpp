// pingpong: CPU 0 makes `iters` rounds of SYNC smp_xcall()s to every other
// CPU in turn (with one CPU: to itself, run locally). Simulator twin:
// configs/scenarios/qemu-pingpong.toml.
#include "runtime/console.hpp"
#include "runtime/smp.hpp"
#include "runtime/tsc.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

uint64_t g_cycles, g_calls;

void setup(const ScenarioParams&) {
  static const char* const kNames[] = {"ping"};
  sc::reset(kNames, 1);
}

void program(int cpu, const ScenarioParams& p) {
  if (cpu != 0) return;
  const int n = smp_nr_cpus();
  const int first = n > 1 ? 1 : 0;
  const uint64_t t0 = rdtsc();
  for (uint64_t i = 0; i < p.iters; ++i)
    for (int t = first; t < n; ++t) {
      sc::expect(0, t);
      sc::expect_ok("smp_xcall", cpu, smp_xcall(t, sc::counted<0>, nullptr, XCALL_TYPE_SYNC));
    }
  g_cycles = rdtsc() - t0;
  g_calls = p.iters * static_cast<uint64_t>(n - first);
}

bool check(const ScenarioParams&) {
  kprintf("pingpong: %lu sync calls in %lu cycles: %lu cycles (%lu us) per round trip\n", g_calls,
          g_cycles, g_calls ? g_cycles / g_calls : 0, g_calls ? tsc_to_us(g_cycles) / g_calls : 0);
  return sc::check_counts("pingpong");
}

}  // namespace

extern const Scenario kPingpong{"pingpong", setup, program, check};

}  // namespace guest
