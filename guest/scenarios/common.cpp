#include "scenarios/common.hpp"

#include "runtime/console.hpp"
#include "runtime/smp.hpp"
#include "trace/recorder.hpp"

namespace guest::sc {

Counts g_hits, g_expect;

namespace {

uint32_t g_bad;  // calls that returned an error

using Callback = void (*)(void*);
constexpr Callback kCallbacks[kFuncs] = {counted<0>, counted<1>, counted<2>, counted<3>};

}  // namespace

void reset(const char* const* names, int count) {
  for (int f = 0; f < kFuncs; ++f)
    for (int c = 0; c < kMaxCpus; ++c) {
      __atomic_store_n(&g_hits.v[f][c], 0, __ATOMIC_RELAXED);
      __atomic_store_n(&g_expect.v[f][c], 0, __ATOMIC_RELAXED);
    }
  __atomic_store_n(&g_bad, 0u, __ATOMIC_RELAXED);
  trace_clear_funcs();
  for (int i = 0; i < count && i < kFuncs; ++i) trace_register_func(names[i], kCallbacks[i]);
}

bool check_counts(const char* scenario) {
  bool ok = true;
  const int n = smp_nr_cpus();
  uint64_t total = 0;
  for (int f = 0; f < kFuncs; ++f)
    for (int c = 0; c < n; ++c) {
      const uint64_t hits = __atomic_load_n(&g_hits.v[f][c], __ATOMIC_RELAXED);
      const uint64_t want = __atomic_load_n(&g_expect.v[f][c], __ATOMIC_RELAXED);
      total += hits;
      if (hits != want) {
        kprintf("%s: function %d ran %lu times on cpu %d, expected %lu\n", scenario, f, hits, c,
                want);
        ok = false;
      }
    }
  const uint32_t bad = __atomic_load_n(&g_bad, __ATOMIC_RELAXED);
  kprintf("%s: %lu function runs, %u failed calls\n", scenario, total, bad);
  return ok && bad == 0;
}

bool expect_ok(const char* what, int cpu, int ret) {
  if (ret == 0) return true;
  __atomic_fetch_add(&g_bad, 1u, __ATOMIC_RELAXED);
  kprintf("%s on cpu %d returned %d\n", what, cpu, ret);
  return false;
}

xcall_cpumask_t all_cpus() {
  return xcall_cpumask_t::first_n(smp_nr_cpus());
}

xcall_cpumask_t others(int self) {
  xcall_cpumask_t m = all_cpus();
  m.clear(self);
  return m;
}

int any_choice(const xcall_cpumask_t& mask, int self) {
  if (mask.test(self)) return self;
  return mask.first();
}

int xcall_private(int cpu, call_single_data_t* csd, unsigned int flags) {
  trace_set_issue_func(g_platform.load_relaxed(csd->func));
  return smp_xcall_private(cpu, csd, flags);
}

void wait_unlocked(call_single_data_t* csd) {
  while (g_xcall.csd_is_locked(csd)) cpu_pause();
}

}  // namespace guest::sc
