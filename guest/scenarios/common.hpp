// Helpers shared by the scenarios: counting callbacks, the expected counts
// each program accumulates as it issues calls, and the end-of-run check.
// Contract: counted<F> runs on the target (any context) and bumps
// hits[F][this cpu]; expect() is called by a program for every function run
// it asked for, on the CPU it names; check_counts() runs on CPU 0 after the
// runner drained all work. All counters are atomics; reset() in setup().
#pragma once

#include <stdint.h>

#include "platform/guest_platform.hpp"
#include "runtime/percpu.hpp"

namespace guest::sc {

inline constexpr int kFuncs = 4;

struct Counts {
  uint64_t v[kFuncs][kMaxCpus];
};
extern Counts g_hits, g_expect;

template <int F>
void counted(void*) {
  static_assert(F >= 0 && F < kFuncs);
  __atomic_fetch_add(&g_hits.v[F][this_cpu()], 1, __ATOMIC_RELAXED);
}

inline void expect(int func, int cpu, uint64_t n = 1) {
  __atomic_fetch_add(&g_expect.v[func][cpu], n, __ATOMIC_RELAXED);
}

// Clears both tables and registers `names[i]` as counted<i> (i < count).
void reset(const char* const* names, int count);
// Prints every (function, cpu) whose count differs; true if none does and
// no call failed (expect_ok).
bool check_counts(const char* scenario);
// Counts and prints a failed call unless `ret` is 0.
bool expect_ok(const char* what, int cpu, int ret);

// Online CPUs as a mask: all, or all but `self`.
xcall_cpumask_t all_cpus();
xcall_cpumask_t others(int self);
// smp_xcall_any's choice on a one-node machine (SEMANTICS 1.4.7): self if
// in the mask, else the lowest online CPU in it; -1 if none.
int any_choice(const xcall_cpumask_t& mask, int self);
// smp_xcall_private() with the csd's function named in the trace's issue.
int xcall_private(int cpu, call_single_data_t* csd, unsigned int flags);
// Spin (IRQs on, pause) until `csd` is unlocked: reuse after an ASYNC call.
void wait_unlocked(call_single_data_t* csd);

}  // namespace guest::sc
