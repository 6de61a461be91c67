// Xcall<P> internals: the mask path, smp_call_function_many_cond()
// (SEMANTICS 2.5, SEM-16..19). Part of xcall/xcall.hpp; include that instead.
#pragma once

#include "xcall/xcall.hpp"

namespace xcallsim::xcall {

// Entered with preemption disabled. `run_local_allowed` is SCF_RUN_LOCAL
// (the seed makes it unconditional, patch 03).
template <class P>
void Xcall<P>::many_cond(const cpumask_t& mask, smp_call_func_t func, void* info, bool wait,
                         bool run_local_allowed, smp_cond_func_t cond_func) {
  const int self = p_.this_cpu();
  check_many_context();
  const bool run_local = run_local_allowed && mask.test(self);

  XcallPerCpu<P>& cfd = state_.cpu(self);
  cfd.cfd_cpumask.clear_all();
  const int nr = p_.nr_cpu_ids();
  mask.for_each([&](int cpu) {
    if (cpu < nr && cpu != self && p_.cpu_online(cpu)) cfd.cfd_cpumask.set(cpu);
  });
  const bool run_remote = !cfd.cfd_cpumask.empty();

  if (run_remote) {
    cfd.cfd_cpumask_ipi.clear_all();
    int nr_cpus = 0;
    int last_cpu = -1;
    const uint32_t type = wait ? CSD_TYPE_SYNC : CSD_TYPE_ASYNC;
    // v5.18: a CPU that cond_func rejects stays in cfd_cpumask, so the wait
    // below also covers that csd's previous (async) use.
    cfd.cfd_cpumask.for_each([&](int cpu) {
      if (cond_func != nullptr && !cond_func(cpu, info)) return;
      csd_t* csd = &state_.cfd_csd(self, cpu);
      csd_lock(csd);
      if (wait)
        p_.store_relaxed(csd->node.u_flags, p_.load_relaxed(csd->node.u_flags) | CSD_TYPE_SYNC);
      p_.store_relaxed(csd->func, func);
      p_.store_relaxed(csd->info, info);
      set_debug_route(csd, self, cpu);
      if (enqueue(cpu, csd, type, CsdKind::Cfd)) {
        cfd.cfd_cpumask_ipi.set(cpu);
        ++nr_cpus;
        last_cpu = cpu;
      }
    });
    // One newly non-empty queue: the single vector (with idle-poll elision);
    // several: the mask vector; none: every queue already had an IPI coming.
    if (nr_cpus == 1)
      send_single_ipi(last_cpu);
    else if (nr_cpus > 1)
      send_mask_ipi(cfd.cfd_cpumask_ipi);
  }

  // Local run after queueing and IPIs, so it overlaps the remote ones
  // (a32a4d8a815c).
  if (run_local && (cond_func == nullptr || cond_func(self, info))) {
    const auto flags = p_.local_irq_save();
    run_func(FuncSite::Local, func, info, nullptr);
    p_.local_irq_restore(flags);
  }

  if (run_remote && wait) {
    cfd.cfd_cpumask.for_each([&](int cpu) { csd_lock_wait(&state_.cfd_csd(self, cpu), cpu); });
  }
}

}  // namespace xcallsim::xcall
