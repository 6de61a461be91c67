// Ping-pong: CPU 0 makes `iters` SYNC smp_xcall()s to each other CPU in turn
// (round-robin), the callee bumps its own counter; CPU 0 then checks every
// counter and that each callback ran on the CPU it was sent to. With one
// CPU the calls target CPU 0 itself (the library runs them locally).
#include "platform/guest_platform.hpp"
#include "runtime/console.hpp"
#include "runtime/tsc.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

struct alignas(64) Slot {
  int32_t cpu;         // the CPU this slot belongs to
  uint64_t hits;       // written only by `cpu` (in the callback)
  uint64_t misplaced;  // callbacks that ran on another CPU
};
Slot g_slots[kMaxCpus];

void bump(void* info) {
  auto* s = static_cast<Slot*>(info);
  if (this_cpu() != s->cpu) __atomic_fetch_add(&s->misplaced, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&s->hits, 1, __ATOMIC_RELAXED);
}

}  // namespace

bool scenario_pingpong(const ScenarioParams& params) {
  const int n = smp_nr_cpus();
  for (int c = 0; c < n; ++c) g_slots[c] = Slot{c, 0, 0};
  const int first = n > 1 ? 1 : 0;
  bool ok = true;
  const uint64_t t0 = rdtsc();
  for (uint64_t i = 0; i < params.iters && ok; ++i) {
    for (int c = first; c < n; ++c) {
      const int r = smp_xcall(c, bump, &g_slots[c], XCALL_TYPE_SYNC);
      if (r != 0) {
        kprintf("pingpong: smp_xcall(%d) returned %d at iteration %lu\n", c, r, i);
        ok = false;
        break;
      }
    }
  }
  const uint64_t cycles = rdtsc() - t0;
  const uint64_t calls = params.iters * static_cast<uint64_t>(n - first);
  for (int c = first; c < n; ++c) {
    const uint64_t hits = __atomic_load_n(&g_slots[c].hits, __ATOMIC_RELAXED);
    const uint64_t bad = __atomic_load_n(&g_slots[c].misplaced, __ATOMIC_RELAXED);
    if (hits != params.iters || bad != 0) {
      kprintf("pingpong: cpu %d ran %lu callbacks (want %lu), %lu on the wrong CPU\n", c, hits,
              params.iters, bad);
      ok = false;
    }
  }
  kprintf("pingpong: %lu sync calls in %lu cycles: %lu cycles (%lu us) per round trip\n", calls,
          cycles, calls ? cycles / calls : 0, calls ? tsc_to_us(cycles) / calls : 0);
  return ok;
}

}  // namespace guest
