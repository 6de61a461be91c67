// SEM-48: same-vector interrupts collapse in IRR while the target cannot take
// them; what the queue holds still runs, because one flush drains it all.
#include <catch2/catch.hpp>

#include <string>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

SCENARIO("SEM-48: IRR coalescing while the target has IRQs off", "[scenario]") {
  GIVEN("a 4-CPU machine whose CPU1 keeps IRQs off for 10000 cycles") {
    WHEN("CPU0 sends five raw IPIs of a scenario vector to CPU1") {
      auto m = machine("small4");
      m.vector_handler(0x40, {"timer", 50, false});
      m.program(1, [](Cpu& c) {
        c.irq_disable();
        c.compute(10000);
        c.irq_enable();
      });
      m.program(0, [](Cpu& c) {
        for (int i = 0; i < 5; ++i) c.send_ipi(1, 0x40);
      });
      const Result r = m.run();
      THEN("one is held in IRR, four are lost, and the handler runs once after IRQs return") {
        INFO(r.dump());
        REQUIRE(r.ipis_sent(0, 1) == 5);
        REQUIRE(r.delivered(1, 0x40) == 1);
        REQUIRE(r.coalesced(1, 0x40) == 4);
        REQUIRE(r.outcome().cpus[1].irr_coalesced == 4);
        REQUIRE(r.times(Kind::IrqEntry, 1, 0x40) == std::vector<Cycles>{10000});
      }
    }
  }

  GIVEN("CPU1 keeps IRQs off for 90000 cycles and stuck-csd diagnosis re-sends IPIs every 20 us") {
    Options options;
    options.stuck_timeout_ns = 20000;
    options.stop_when_stuck = false;
    auto m = machine("small4", options);
    const FuncId a = m.func("a");
    m.program(1, [](Cpu& c) {
      c.irq_disable();
      c.compute(90000);
      c.irq_enable();
    });
    WHEN("CPUs 0, 2 and 3 each make a SYNC call to CPU1 at time 0") {
      for (int cpu : {0, 2, 3}) m.program(cpu, [&](Cpu& c) { c.xcall(1, a, SYNC); });
      const Result r = m.run();
      THEN(
          "one IPI carries the burst (the queue coalesces the rest) and the re-sends are lost in "
          "IRR") {
        INFO(r.dump());
        REQUIRE(r.ipis_sent(0) + r.ipis_sent(2) + r.ipis_sent(3) > 3);  // the first plus re-sends
        REQUIRE(r.outcome().cpus[0].queue_coalesced + r.outcome().cpus[2].queue_coalesced +
                    r.outcome().cpus[3].queue_coalesced ==
                2);
        REQUIRE(r.delivered(1, kSingleVector) == 1);
        REQUIRE(r.coalesced(1, kSingleVector) > 0);
        REQUIRE(r.coalesced(1, kSingleVector) ==
                r.ipis_sent(0) + r.ipis_sent(2) + r.ipis_sent(3) - 1);
        AND_THEN("all three calls run in one flush after IRQs return, and every caller returns") {
          REQUIRE(r.func_runs_on(1).size() == 3);
          REQUIRE(r.count(Kind::FlushBegin, 1) == 1);
          REQUIRE(r.records(Kind::FuncEntry, 1)[0].time >= 90000);
          REQUIRE(r.count(Kind::XcallReturn) == 3);
          REQUIRE(r.outcome().stuck);
          REQUIRE(r.outcome().stuck_report.find("got unstuck") != std::string::npos);
        }
      }
    }
  }
}
