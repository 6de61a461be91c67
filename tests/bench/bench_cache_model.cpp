// CacheModel throughput: simulated accesses per host second.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sim/machine/machine.hpp"

namespace {

using namespace xcallsim::machine;

MachineConfig machine_shape(int sockets, int cores, int threads) {
  MachineConfig m;
  m.name = "bench";
  m.topology = {sockets, cores, threads, 0, {}};
  m.apic.mode = ApicMode::X2Apic;
  m.cache.transfer = {4, 17, 101, 101, 271};
  m.cache.memory = 207;
  return m;
}

// Random CPUs touch random lines: 3/4 reads, 1/8 writes, 1/8 atomics.
void BM_CacheModelAccess(benchmark::State& state) {
  const auto cpus = static_cast<int>(state.range(0));
  const auto lines = static_cast<std::uint64_t>(state.range(1));
  const MachineConfig config = machine_shape(2, cpus / 4, 2);
  const Topology topology(config);
  CacheModel cache(topology, config.cache);
  std::uint64_t x = 88172645463325252ULL;
  Cycles now = 0;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto cpu = static_cast<int>((x >> 8) % static_cast<std::uint64_t>(cpus));
    const auto line = static_cast<LineId>((x >> 24) % lines);
    const auto pick = x & 7;
    const Access kind = pick < 6 ? Access::Read : (pick == 6 ? Access::Write : Access::Atomic);
    now += 10;
    benchmark::DoNotOptimize(cache.access(cpu, line, kind, now));
  }
  state.counters["accesses/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_CacheModelAccess)->Args({48, 4096})->Args({1024, 100'000});
