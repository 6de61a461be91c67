// Fan-out scaling: SYNC smp_xcall_mask from CPU 0 to CPUs 1..n under a chosen
// IPI sending mode (docs/scaling.md).
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "sim/smp/smp.hpp"
#include "sim/study/study.hpp"

namespace xcallsim::study {

namespace {

constexpr Cycles kGap = 20000;  // between calls: every target is idle again

struct Calls {
  std::vector<Cycles> latency;
};

FanoutPoint run_point(const machine::MachineConfig& config, int n, int reps) {
  smp::Simulation sim(config);
  const smp::FuncId noop = sim.add_function(smp::FuncSpec{"noop", 0});
  smp::Mask mask;
  for (int cpu = 1; cpu <= n; ++cpu) mask.set(cpu);
  auto calls = std::make_shared<Calls>();
  const int total_calls = reps + 1;  // the first (cold caches) is not reported
  sim.set_program(0, [=](smp::Cpu& cpu) {
    for (int i = 0; i < total_calls; ++i) {
      const Cycles t0 = cpu.now();
      cpu.xcall_mask(mask, noop, smp::kSync);
      calls->latency.push_back(cpu.now() - t0);
      cpu.compute(kGap);
    }
  });
  const smp::Outcome outcome = sim.run();
  if (!outcome.completed || calls->latency.size() != static_cast<std::size_t>(total_calls))
    throw std::runtime_error("fan-out run to " + std::to_string(n) + " targets did not complete");
  std::vector<Cycles> warm(calls->latency.begin() + 1, calls->latency.end());
  std::sort(warm.begin(), warm.end());
  FanoutPoint point;
  point.targets = n;
  point.latency = warm[warm.size() / 2];
  point.icr_writes = outcome.cpus[0].icr_writes / static_cast<std::uint64_t>(total_calls);
  point.icr_busy = outcome.cpus[0].icr_busy_cycles / static_cast<Cycles>(total_calls);
  return point;
}

}  // namespace

std::string_view to_string(SendMode mode) {
  switch (mode) {
    case SendMode::XApicPhysical:
      return "xAPIC physical";
    case SendMode::X2ApicCluster:
      return "x2APIC cluster";
    case SendMode::X2ApicPhysical:
      return "x2APIC physical";
  }
  return "?";
}

machine::MachineConfig with_send_mode(machine::MachineConfig machine, SendMode mode,
                                      bool shorthand) {
  machine.apic.use_shorthand = shorthand;
  switch (mode) {
    case SendMode::XApicPhysical: {
      machine.apic.mode = machine::ApicMode::XApic;
      machine.apic.dest_mode = machine::IpiDestMode::Physical;
      const machine::Topology topology(machine);
      if (topology.max_apic_id() > 0xFE)
        throw std::invalid_argument(machine.name + " has APIC IDs above 0xFE: no xAPIC mode");
      break;
    }
    case SendMode::X2ApicCluster:
      machine.apic.mode = machine::ApicMode::X2Apic;
      machine.apic.dest_mode = machine::IpiDestMode::LogicalCluster;
      break;
    case SendMode::X2ApicPhysical:
      machine.apic.mode = machine::ApicMode::X2Apic;
      machine.apic.dest_mode = machine::IpiDestMode::Physical;
      break;
  }
  return machine;
}

std::vector<FanoutPoint> fanout_sweep(const machine::MachineConfig& machine,
                                      const std::vector<int>& targets, int reps) {
  if (reps < 1) throw std::invalid_argument("reps must be at least 1");
  const int cpus = machine::Topology(machine).cpu_count();
  std::vector<FanoutPoint> points;
  for (const int n : targets) {
    if (n < 1 || n >= cpus)
      throw std::invalid_argument("fan-out to " + std::to_string(n) + " targets needs 1.." +
                                  std::to_string(cpus - 1) + " on " + machine.name);
    points.push_back(run_point(machine, n, reps));
  }
  return points;
}

}  // namespace xcallsim::study
