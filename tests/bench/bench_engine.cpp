// Engine throughput: simulated events per host second with N pending events.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sim/engine/engine.hpp"

namespace {

using xcallsim::engine::Engine;
using xcallsim::engine::Time;

std::uint64_t xorshift(std::uint64_t x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// Reschedules itself 1..1024 cycles ahead, so the queue size stays constant.
struct Rescheduler {
  Engine* engine;
  std::uint64_t state;
  void operator()() {
    state = xorshift(state);
    engine->after(1 + (state & 1023), Rescheduler{engine, state},
                  static_cast<xcallsim::engine::Priority>(state >> 62));
  }
};

// Same, with a capture that fills most of the inline buffer.
struct FatRescheduler {
  Engine* engine;
  std::uint64_t state;
  std::uint64_t payload[4] = {};
  void operator()() {
    state = xorshift(state);
    payload[state & 3] += state;
    engine->after(1 + (state & 1023), FatRescheduler{*this});
  }
};

template <class Handler>
void run_events(benchmark::State& state) {
  Engine engine;
  const auto pending = static_cast<std::uint64_t>(state.range(0));
  for (std::uint64_t i = 0; i < pending; ++i) {
    engine.at(static_cast<Time>(i % 1024), Handler{&engine, xorshift(i + 1)});
  }
  for (auto _ : state) engine.step();
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["pending"] = static_cast<double>(engine.pending());
}

void BM_EngineSelfRescheduling(benchmark::State& state) {
  run_events<Rescheduler>(state);
}
void BM_EngineFatHandler(benchmark::State& state) {
  run_events<FatRescheduler>(state);
}

}  // namespace

BENCHMARK(BM_EngineSelfRescheduling)->Arg(1000)->Arg(65536);
BENCHMARK(BM_EngineFatHandler)->Arg(1000)->Arg(65536);
