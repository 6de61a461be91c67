// SEM-11: a single IPI to a polling-idle CPU is elided (it flushes from its
// idle loop); the mask IPI path has no elision.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {
constexpr auto kFlushFromIdle = xcallsim::trace::FlushSource::Idle;
}

SCENARIO("SEM-11: idle-poll elision of the single IPI", "[scenario]") {
  GIVEN("a 4-CPU machine whose idle CPUs poll (Options::poll_idle)") {
    Options options;
    options.poll_idle = true;
    auto m = machine("small4", options);
    const FuncId a = m.func("a");
    WHEN("CPU0 makes a SYNC call to idle CPU1") {
      m.program(0, [&](Cpu& c) { c.xcall(1, a, SYNC); });
      const Result r = m.run();
      THEN("no IPI is sent: CPU1 notices NEED_RESCHED and flushes from its idle loop") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        REQUIRE(r.ipis_sent(0) == 0);
        REQUIRE(r.count(Kind::IpiElided, 0) == 1);
        REQUIRE(r.outcome().cpus[0].ipis_elided == 1);
        REQUIRE(r.count(Kind::IrqEntry, 1) == 0);
        REQUIRE(r.typed<xcallsim::trace::FlushBegin>(1).at(0).source == kFlushFromIdle);
        REQUIRE(r.func_runs_on(1) == std::vector<std::string>{"a"});
        REQUIRE(r.returned_at(1).has_value());
      }
    }
    WHEN("CPU0 calls idle CPUs 1 and 2 with a mask") {
      m.program(0, [&](Cpu& c) { c.xcall_mask(mask_of({1, 2}), a, SYNC); });
      const Result r = m.run();
      THEN("the call-function vector is sent anyway") {
        REQUIRE(r.outcome().completed);
        REQUIRE(r.count(Kind::IpiElided) == 0);
        REQUIRE(r.delivered(1, kMaskVector) == 1);
        REQUIRE(r.delivered(2, kMaskVector) == 1);
      }
    }
  }
  GIVEN("the default (idle CPUs halt)") {
    auto m = machine("small4");
    const FuncId a = m.func("a");
    m.program(0, [&](Cpu& c) { c.xcall(1, a, SYNC); });
    const Result r = m.run();
    THEN("the single IPI is sent") {
      REQUIRE(r.ipis_sent(0, 1) == 1);
      REQUIRE(r.count(Kind::IpiElided) == 0);
    }
  }
}
