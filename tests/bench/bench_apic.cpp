// APIC model throughput: deliveries per host second (ICR write -> advance ->
// acknowledge -> EOI) at 4, 64 and 1024 simulated CPUs, unicast and
// all-excluding-self broadcast. time_per_delivery should stay flat with size.
#include <benchmark/benchmark.h>

#include "sim/apic/apic.hpp"

namespace {

using namespace xcallsim;
using apic::InterruptController;
using apic::Time;

machine::MachineConfig bench_config(int cpus, machine::ApicMode mode) {
  machine::MachineConfig c;
  c.name = "bench";
  auto& t = c.topology;
  switch (cpus) {
    case 4:
      t.sockets = 1, t.cores_per_socket = 4, t.threads_per_core = 1;
      break;
    case 64:
      t.sockets = 2, t.cores_per_socket = 16, t.threads_per_core = 2, t.cores_per_ccx = 8;
      break;
    default:
      t.sockets = 4, t.cores_per_socket = 128, t.threads_per_core = 2, t.cores_per_ccx = 8;
  }
  c.apic.mode = mode;
  c.apic.costs.icr_write = 20;
  c.apic.costs.delivery = {50, 100, 150, 300, 700};
  return c;
}

machine::ApicMode mode_arg(const benchmark::State& state) {
  return state.range(1) == 0 ? machine::ApicMode::XApic : machine::ApicMode::X2Apic;
}

void set_labels(benchmark::State& state, double deliveries_per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) *
                                                    deliveries_per_iteration));
  // Seconds per delivery, printed with an SI prefix (e.g. "53.5n").
  state.counters["time_per_delivery"] =
      benchmark::Counter(deliveries_per_iteration, benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
  state.SetLabel(state.range(1) == 0 ? "xapic" : "x2apic");
}

// One fixed IPI to one CPU by physical id, delivered, dispatched and EOI'd.
void BM_ApicUnicast(benchmark::State& state) {
  const int cpus = static_cast<int>(state.range(0));
  const auto config = bench_config(cpus, mode_arg(state));
  const machine::Topology topology(config);
  InterruptController apic(topology, config.apic.costs);
  const auto mode = topology.apic_mode();
  Time t = 0;
  int sender = 0;
  for (auto _ : state) {
    const int target = (sender * 7 + 1) % cpus;  // spread over every distance
    apic::Icr icr;
    icr.vector = 0xFB;
    icr.dest = topology.apic_id(target);
    const apic::IcrWords w = apic::encode_icr(mode, icr);
    const apic::SendResult r = apic.write_icr(sender, t, w.lo, w.hi);
    apic.advance_to(r.last_arrival);
    benchmark::DoNotOptimize(apic.acknowledge(target, r.last_arrival));
    apic.write_eoi(target, r.last_arrival);
    t = r.last_arrival + 1;
    sender = sender + 1 == cpus ? 0 : sender + 1;
  }
  set_labels(state, 1.0);
}

// One all-excluding-self write, then every target dispatches and EOIs.
void BM_ApicBroadcast(benchmark::State& state) {
  const int cpus = static_cast<int>(state.range(0));
  const auto config = bench_config(cpus, mode_arg(state));
  const machine::Topology topology(config);
  InterruptController apic(topology, config.apic.costs);
  apic::Icr icr;
  icr.vector = 0xFC;
  icr.shorthand = apic::Shorthand::AllExcludingSelf;
  const apic::IcrWords w = apic::encode_icr(topology.apic_mode(), icr);
  Time t = 0;
  int sender = 0;
  for (auto _ : state) {
    const apic::SendResult r = apic.write_icr(sender, t, w.lo, w.hi);
    apic.advance_to(r.last_arrival);
    for (int cpu = 0; cpu < cpus; ++cpu) {
      if (apic.acknowledge(cpu, r.last_arrival) >= 0) apic.write_eoi(cpu, r.last_arrival);
    }
    t = r.last_arrival + 1;
    sender = sender + 1 == cpus ? 0 : sender + 1;
  }
  set_labels(state, cpus - 1);
}

// xAPIC cannot address 1024 CPUs (8-bit ids): 1024 runs in x2APIC only.
BENCHMARK(BM_ApicUnicast)
    ->Args({4, 0})
    ->Args({64, 0})
    ->Args({4, 1})
    ->Args({64, 1})
    ->Args({1024, 1});
BENCHMARK(BM_ApicBroadcast)
    ->Args({4, 0})
    ->Args({64, 0})
    ->Args({4, 1})
    ->Args({64, 1})
    ->Args({1024, 1});

}  // namespace
