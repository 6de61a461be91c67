// Unit-test fixture: an Xcall over the ManualPlatform, plus probe callbacks
// that log where and how they ran.
#pragma once

#include <vector>

#include "manual_platform.hpp"
#include "xcall/xcall.hpp"

namespace xcallsim::xcall::testing {

using X = Xcall<ManualPlatform>;
using Csd = call_single_data<ManualPlatform>;
using Mask = cpumask<ManualPlatform::max_cpus>;

struct Run {
  int id;
  int cpu;
  bool irqs_off;
  bool csd_locked;  // lock bit of Probe::watch at run time (if set)
};

struct Fixture;

// info for probe(): records a Run in fixture.runs.
struct Probe {
  Fixture* fixture;
  int id = 0;
  Csd* watch = nullptr;
};
void probe(void* info);
// cond_func that records (sender cpu, target cpu, preempt count) and accepts
// targets whose bit is set in `accept` (a Mask* passed via Probe::id table).
struct CondLog {
  int sender;
  int target;
  int preempt_count;
};

struct Fixture {
  explicit Fixture(int nr_cpus = 4, Profile profile = Profile::Seed, bool debug = false);
  Fixture(const Fixture&) = delete;

  ManualPlatform p;
  std::vector<XcallPerCpu<ManualPlatform>> percpu;
  std::vector<Csd> cfd;
  XcallState<ManualPlatform> state;
  X x;
  std::vector<Run> runs;
  std::vector<CondLog> conds;
  Mask cond_accept;

  Probe make_probe(int id, Csd* watch = nullptr) { return Probe{this, id, watch}; }
  std::vector<int> cpus_run(int id) const;  // CPUs that ran probe `id`, in order
  int runs_of(int id) const { return static_cast<int>(cpus_run(id).size()); }
  uint32_t flags(Csd& csd) { return p.load_relaxed(csd.node.u_flags); }
  bool queue_empty(int cpu) {
    return p.load_relaxed(state.cpu(cpu).call_single_queue.first) == nullptr;
  }
};

bool cond_filter(int cpu, void* info);  // info = Fixture*

}  // namespace xcallsim::xcall::testing
