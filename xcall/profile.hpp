// The semantic profile's choice points, in one table (DESIGN "semantic
// profile"; docs/xcall-library.md has the full mapping). Every place where
// the seed API behaves differently under Profile::Upstream reads one of these
// fields; nothing else in the library looks at the profile. Freestanding.
#pragma once

#include "xcall/types.hpp"

namespace xcallsim::xcall {

struct ProfileRules {
  // smp_xcall(cpu >= 0): the seed sends it down the mask path on
  // cpumask_of(cpu) with the sender's cfd csd (patch 04: offline -> 0, no
  // call); upstream is smp_call_function_single() (on-stack SYNC csd or
  // per-CPU csd_data, -ENXIO if offline, self runs inline).
  bool single_uses_mask_path;
  // XCALL_ALL: every online CPU including the caller (seed 1.4.1) vs.
  // smp_call_function(): the other online CPUs only.
  bool all_includes_self;
  // smp_xcall_mask() with self in mask: runs func locally (seed patch 03,
  // unconditional run_local) vs. smp_call_function_many() (never local).
  // smp_xcall_mask_cond() runs locally under both (on_each_cpu_cond_mask).
  bool mask_runs_local;
  // Bad cpu (< -1 or >= nr_cpu_ids): pr_warn + -ENXIO (seed 1.4.3) vs. a
  // silent -ENXIO from generic_exec_single().
  bool warn_invalid_cpu;
  // smp_xcall_private(): seed patch 05 (-EINVAL for a bad/offline cpu, a
  // synchronous mode, lock bit only for SYNC/ASYNC) vs.
  // smp_call_function_single_async() (-ENXIO, always ASYNC semantics for
  // ASYNC; SYNC mapped onto generic_exec_single + csd_lock_wait).
  bool private_seed_rules;
  // smp_xcall_any(): seed patch 07 (-EINVAL for NULL mask/func or flags other
  // than SYNC/ASYNC; 0 even if the call failed) vs. smp_call_function_any()
  // (returns smp_call_function_single()'s result).
  bool any_seed_rules;
};

constexpr ProfileRules rules_for(Profile profile) {
  if (profile == Profile::Seed) {
    return ProfileRules{.single_uses_mask_path = true,
                        .all_includes_self = true,
                        .mask_runs_local = true,
                        .warn_invalid_cpu = true,
                        .private_seed_rules = true,
                        .any_seed_rules = true};
  }
  return ProfileRules{.single_uses_mask_path = false,
                      .all_includes_self = false,
                      .mask_runs_local = false,
                      .warn_invalid_cpu = false,
                      .private_seed_rules = false,
                      .any_seed_rules = false};
}

constexpr const char* profile_name(Profile profile) {
  return profile == Profile::Seed ? "seed" : "upstream";
}

}  // namespace xcallsim::xcall
