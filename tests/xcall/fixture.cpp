#include "fixture.hpp"

namespace xcallsim::xcall::testing {

Fixture::Fixture(int nr_cpus, Profile profile, bool debug)
    : p(nr_cpus),
      percpu(static_cast<size_t>(nr_cpus)),
      cfd(static_cast<size_t>(nr_cpus) * static_cast<size_t>(nr_cpus)),
      state(percpu.data(), cfd.data(), nr_cpus),
      x(p, state, XcallOptions{profile, debug}) {
  p.xcall = &x;
  cond_accept = Mask::first_n(nr_cpus);
}

void probe(void* info) {
  auto* pr = static_cast<Probe*>(info);
  ManualPlatform& p = pr->fixture->p;
  const bool locked =
      pr->watch != nullptr && (p.load_relaxed(pr->watch->node.u_flags) & CSD_FLAG_LOCK) != 0;
  pr->fixture->runs.push_back(Run{pr->id, p.this_cpu(), p.irqs_disabled(), locked});
}

bool cond_filter(int cpu, void* info) {
  auto* pr = static_cast<Probe*>(info);
  Fixture& f = *pr->fixture;
  f.conds.push_back(CondLog{f.p.this_cpu(), cpu, f.p.at(f.p.this_cpu()).preempt_count});
  return f.cond_accept.test(cpu);
}

std::vector<int> Fixture::cpus_run(int id) const {
  std::vector<int> out;
  for (const Run& r : runs)
    if (r.id == id) out.push_back(r.cpu);
  return out;
}

}  // namespace xcallsim::xcall::testing
