// Where the seed and upstream profiles differ at the simulator level: the
// csd a single SYNC call uses (SEM 6.6: on-stack vs per-CPU cfd) and whether
// smp_xcall_mask() runs func on the caller (SEM 6.5), plus SEM-18's overlap
// of the local run with the remote ones.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

Result single_sync(Profile profile, std::string_view preset) {
  Options options;
  options.profile = profile;
  auto m = machine(preset, options);
  const FuncId work = m.func("work");
  m.program(0, [&](Cpu& c) {
    c.xcall(1, work, SYNC);
    c.xcall(1, work, SYNC);
  });
  return m.run();
}

// Runs `body` with `bytes` more of this host stack in use: the frame a call
// lands in is the host compiler's business, not the simulated machine's.
[[gnu::noinline]] void deeper_on_host_stack(std::size_t bytes, const std::function<void()>& body) {
  volatile char pad[256];
  pad[0] = 0;
  if (bytes <= sizeof pad)
    body();
  else
    deeper_on_host_stack(bytes - sizeof pad, body);
  pad[1] = pad[0];
}

Result two_upstream_syncs(std::size_t second_call_deeper_by) {
  Options options;
  options.profile = Profile::Upstream;
  auto m = machine("small4", options);
  const FuncId work = m.func("work");
  m.program(0, [&](Cpu& c) {
    for (int i = 0; i < 2; ++i) {
      if (i == 1 && second_call_deeper_by > 0)
        deeper_on_host_stack(second_call_deeper_by,
                             [&] { c.smp_call_function_single(1, work, true); });
      else
        c.smp_call_function_single(1, work, true);
    }
  });
  return m.run();
}

Cycles first_ipi(const Result& r) {
  return r.times(Kind::IpiSend, 0).at(0);
}

}  // namespace

SCENARIO("SEM 6.6: upstream's on-stack csd is cheaper than the seed's cfd csd", "[scenario]") {
  GIVEN("the same SYNC call under both profiles") {
    WHEN("cache lines cost nothing") {
      const Result seed = single_sync(Profile::Seed, "small4-zerocache");
      const Result upstream = single_sync(Profile::Upstream, "small4-zerocache");
      THEN("both take exactly the same time: the difference is all cache traffic") {
        REQUIRE(seed.latency(1) == upstream.latency(1));
        REQUIRE(seed.latency(2) == upstream.latency(2));
      }
    }
    WHEN("cache lines cost by distance") {
      const Result seed = single_sync(Profile::Seed, "small4");
      const Result upstream = single_sync(Profile::Upstream, "small4");
      THEN("the seed's first call pays a cold per-CPU csd line the (hot) stack csd does not") {
        INFO(seed.dump() << "\n" << upstream.dump());
        using xcallsim::trace::CsdQueue;
        REQUIRE(seed.typed<CsdQueue>(0)[0].csd == 1);       // cfd csd (0 -> 1)
        REQUIRE(upstream.typed<CsdQueue>(0)[0].csd == 20);  // CPU0's stack csd (16 + 4 + 0)
        REQUIRE(first_ipi(seed) - first_ipi(upstream) >= kCacheMemory - kCacheHit);
        REQUIRE(seed.latency(1) - upstream.latency(1) >= kCacheMemory - kCacheHit);
        AND_THEN("a warm second call costs the seed no less than upstream") {
          REQUIRE(seed.latency(2) >= upstream.latency(2));
        }
      }
    }
  }
}

SCENARIO("SEM 6.6: an on-stack csd costs the same wherever the host puts the frame", "[scenario]") {
  GIVEN("two upstream SYNC calls from CPU 0, the second one reusing the stack csd's line") {
    const Result same_frame = two_upstream_syncs(0);
    for (const std::size_t deeper : {std::size_t{300}, std::size_t{1000}, std::size_t{12000}}) {
      WHEN("the second call's frame is " + std::to_string(deeper) + " bytes deeper") {
        const Result moved = two_upstream_syncs(deeper);
        THEN("the trace is the same, record for record (the line is CPU 0's stack line)") {
          INFO(same_frame.dump() << "\n" << moved.dump());
          REQUIRE(moved.outcome().completed);
          REQUIRE(moved.trace().records == same_frame.trace().records);
        }
      }
    }
  }
}

SCENARIO("SEM 6.5: smp_xcall_mask with self in the mask", "[scenario]") {
  for (const auto profile : {Profile::Seed, Profile::Upstream}) {
    GIVEN("profile " + std::string(xcallsim::smp::to_string(profile))) {
      Options options;
      options.profile = profile;
      auto m = machine("small4", options);
      const FuncId work = m.func("work");
      WHEN("CPU0 calls {0, 1, 2} SYNC") {
        m.program(0, [&](Cpu& c) { c.xcall_mask(mask_of({0, 1, 2}), work, SYNC); });
        const Result r = m.run();
        THEN("the remote CPUs run it; only the seed also runs it on the caller") {
          INFO(r.dump());
          REQUIRE(r.outcome().completed);
          REQUIRE(r.func_runs_on(1).size() == 1);
          REQUIRE(r.func_runs_on(2).size() == 1);
          REQUIRE(r.func_runs_on(0).size() == (profile == Profile::Seed ? 1u : 0u));
          if (profile == Profile::Seed) {
            AND_THEN("SEM-18: the local run starts after the IPI and overlaps the remote runs") {
              const Cycles local_entry = *r.func_entry(1, 0);
              const Cycles local_exit = *r.func_exit(1, 0);
              REQUIRE(r.typed<xcallsim::trace::FuncEntry>(0)[0].local);  // run by the caller
              REQUIRE(r.times(Kind::IpiSend, 0)[0] < local_entry);
              REQUIRE(local_entry < *r.func_entry(1, 1));
              REQUIRE(*r.func_entry(1, 1) < local_exit);
              REQUIRE(*r.returned_at(1) >= std::max(*r.func_exit(1, 1), *r.func_exit(1, 2)));
            }
          }
        }
      }
    }
  }
}
