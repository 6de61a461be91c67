// Whole-simulator throughput: fibers + engine + APIC + cache model + the real
// xcall library. Counters are per host second; compare sizes as ratios.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "sim/machine/machine.hpp"
#include "sim/smp/smp.hpp"

using namespace xcallsim;

namespace {

// The default preset's costs on a machine of `cpus` CPUs (2 sockets, SMT2);
// x2APIC once APIC ids no longer fit xAPIC's 8 bits.
machine::MachineConfig machine_of(int cpus) {
  auto config =
      machine::load_machine_config(std::string(XCALLSIM_CONFIGS_DIR) + "/machines/default.toml");
  config.topology.sockets = cpus >= 4 ? 2 : 1;
  config.topology.threads_per_core = 2;
  config.topology.cores_per_socket = cpus / (2 * config.topology.sockets);
  config.topology.cores_per_ccx = 0;
  config.topology.numa_distance.clear();
  if (cpus > 128) {
    config.apic.mode = machine::ApicMode::X2Apic;
    config.apic.dest_mode = machine::IpiDestMode::Physical;
  }
  return config;
}

std::uint64_t count(const trace::Trace& t, trace::Kind kind) {
  std::uint64_t n = 0;
  for (const auto& r : t.records) n += r.kind == kind;
  return n;
}

// Every CPU sends ASYNC calls to all others (smp_xcall_mask): the
// all-to-all broadcast storm. Counter: simulated IPI deliveries per second.
void BM_BroadcastStorm(benchmark::State& state) {
  const int cpus = static_cast<int>(state.range(0));
  std::uint64_t deliveries = 0;
  std::uint64_t events = 0;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    state.PauseTiming();  // machine setup (arena, fibers) is not simulation
    auto sim = std::make_unique<smp::Simulation>(machine_of(cpus));
    auto f = sim->add_function({"noop", 0});
    for (int c = 0; c < cpus; ++c) {
      sim->set_program(c, [f, cpus](smp::Cpu& cpu) {
        smp::Mask others;
        for (int t = 0; t < cpus; ++t) {
          if (t != cpu.id()) others.set(t);
        }
        for (int i = 0; i < 20; ++i) {
          cpu.xcall_mask(others, f, smp::kAsync);
          cpu.compute(5000);
        }
      });
    }
    state.ResumeTiming();
    steps += sim->run().steps;
    state.PauseTiming();
    deliveries += count(sim->trace(), trace::Kind::IpiDeliver);
    events += sim->trace().records.size();
    sim.reset();
    state.ResumeTiming();
  }
  state.counters["trace records/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["deliveries/s"] =
      benchmark::Counter(static_cast<double>(deliveries), benchmark::Counter::kIsRate);
  // Host time per platform operation (the simulated step).
  state.counters["host_ns/step"] = benchmark::Counter(
      static_cast<double>(steps), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_BroadcastStorm)->Arg(64)->Unit(benchmark::kMillisecond);

// The first `busy` CPUs of a `cpus`-CPU machine each make `calls_per_cpu`
// SYNC single calls to their neighbour among them, 1000 cycles apart.
// Counter: host time per xcall.
void run_sync_ring(benchmark::State& state, int cpus, int busy, int calls_per_cpu) {
  std::uint64_t calls = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto sim = std::make_unique<smp::Simulation>(machine_of(cpus));
    auto f = sim->add_function({"noop", 0});
    for (int c = 0; c < busy; ++c) {
      sim->set_program(c, [f, busy, calls_per_cpu](smp::Cpu& cpu) {
        for (int i = 0; i < calls_per_cpu; ++i) {
          cpu.xcall((cpu.id() + 1) % busy, f, smp::kSync);
          cpu.compute(1000);
        }
      });
    }
    state.ResumeTiming();
    sim->run();
    state.PauseTiming();
    sim.reset();
    state.ResumeTiming();
    calls += static_cast<std::uint64_t>(calls_per_cpu) * static_cast<std::uint64_t>(busy);
  }
  state.counters["xcalls/s"] =
      benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kIsRate);
  state.counters["host_ns/xcall"] = benchmark::Counter(
      static_cast<double>(calls), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Every CPU busy. Every size makes the same number of calls per CPU, so
// each CPU's one-time costs (its fiber's first switches, first touches of
// its csds and queue) weigh the same at every size; a fixed total would
// spread 1024 CPUs' warm-up over 4 calls each but 4 CPUs' over 1024.
void BM_SyncRing(benchmark::State& state) {
  const int cpus = static_cast<int>(state.range(0));
  run_sync_ring(state, cpus, cpus, 64);
}
BENCHMARK(BM_SyncRing)->Arg(4)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

// CPUs 0-3 busy on machines of every size, the others idle (no pending
// resume): host time per xcall should depend on how many CPUs are busy, not
// on how many the machine has.
void BM_SyncRingFixedLoad(benchmark::State& state) {
  run_sync_ring(state, static_cast<int>(state.range(0)), 4, 1024);
}
BENCHMARK(BM_SyncRingFixedLoad)
    ->Arg(4)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond);

}  // namespace
