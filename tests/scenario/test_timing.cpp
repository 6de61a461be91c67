// Timing of one SYNC call: the latency is the sum of the modelled parts, and
// the run shows it on both sides of the boundary.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

// CPU0 calls `work` (1000 cycles) on CPU1, SYNC, at time 0; CPU1 is idle.
Result sync_call(Profile profile, std::string_view preset, Cycles time_limit = 0) {
  Options options;
  options.profile = profile;
  options.time_limit = time_limit;
  auto m = machine(preset, options);
  const FuncId work = m.func("work");
  int ret = -1;
  m.program(0, [&](Cpu& c) { ret = c.xcall(1, work, SYNC); });
  Result r = m.run();
  if (r.returned_at(1)) REQUIRE(ret == 0);
  return r;
}

}  // namespace

SCENARIO("a SYNC call's latency is delivery + entry + EOI + func when caches cost nothing",
         "[scenario]") {
  // The sender's ICR write overlaps the delivery (the message leaves at the
  // write); the target wakes from idle at the arrival, pays entry, EOIs first
  // (SEM-33), runs func and unlocks; the waiter wakes at the unlock.
  const Cycles expected = kDeliverSameSocket + kEntry + kEoi + 1000;
  for (const auto profile : {Profile::Seed, Profile::Upstream}) {
    GIVEN("a 4-CPU machine without cache costs, profile " +
          std::string(xcallsim::smp::to_string(profile))) {
      WHEN("CPU0 makes one SYNC call to idle CPU1") {
        const Result r = sync_call(profile, "small4-zerocache");
        THEN("it returns after exactly the modelled parts") {
          INFO(r.dump());
          REQUIRE(r.outcome().completed);
          REQUIRE(r.issued_at(1) == 0);
          REQUIRE(r.latency(1) == expected);
          REQUIRE(r.func_exit(1, 1) == expected);
          REQUIRE(r.times(Kind::IpiDeliver, 1, kSingleVector) ==
                  std::vector<Cycles>{kDeliverSameSocket});
          REQUIRE(r.func_entry(1, 1) == kDeliverSameSocket + kEntry + kEoi);
        }
      }
      WHEN("the run is cut one cycle before that") {
        const Result r = sync_call(profile, "small4-zerocache", expected - 1);
        THEN("the function has started but not finished, and the call has not returned") {
          INFO(r.dump());
          REQUIRE(r.outcome().time_limit_hit);
          REQUIRE_FALSE(r.outcome().completed);
          REQUIRE(r.func_entry(1, 1).has_value());
          REQUIRE_FALSE(r.func_exit(1, 1).has_value());
          REQUIRE_FALSE(r.returned_at(1).has_value());
        }
      }
      WHEN("the run is cut exactly at it") {
        const Result r = sync_call(profile, "small4-zerocache", expected);
        THEN("the function has finished and the call has returned") {
          REQUIRE(r.func_exit(1, 1) == expected);
          REQUIRE(r.returned_at(1) == expected);
        }
      }
    }
  }
}
