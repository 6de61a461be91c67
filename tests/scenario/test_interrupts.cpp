// Interrupts at operation boundaries: compute phases are interruptible
// (handler time is not progress), higher classes nest into a handler that
// re-enabled IRQs, and context-rule warnings reach the outcome.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

SCENARIO("compute phases are interrupted and resumed", "[scenario]") {
  GIVEN("CPU1 computing 5000 cycles with IRQs on") {
    auto m = machine("small4-zerocache");
    const FuncId work = m.func("work");
    m.program(1, [](Cpu& c) {
      c.compute(5000);
      c.mark(1);
    });
    WHEN("CPU0's SYNC call reaches it mid-way") {
      m.program(0, [&](Cpu& c) { c.xcall(1, work, SYNC); });
      const Result r = m.run();
      THEN("the handler runs at the arrival and the compute ends later by the handler's length") {
        INFO(r.dump());
        REQUIRE(r.times(Kind::IrqEntry, 1) == std::vector<Cycles>{kDeliverSameSocket});
        const Cycles handler = kEntry + kEoi + 1000 + kExit;
        REQUIRE(r.times(Kind::Mark, 1) == std::vector<Cycles>{5000 + handler});
        REQUIRE(r.outcome().cpus[1].handler_cycles == handler);
      }
    }
  }
}

SCENARIO("a higher-class interrupt nests into a handler that re-enabled IRQs", "[scenario]") {
  GIVEN("a class-4 scenario vector whose handler runs 5000 cycles with IRQs on") {
    auto m = machine("small4");
    m.vector_handler(0x40, {"slow-irq", 5000, true});
    const FuncId a = m.func("a");
    WHEN("CPU0 sends it to CPU1, then makes a SYNC call to CPU1") {
      m.program(0, [&](Cpu& c) {
        c.send_ipi(1, 0x40);
        c.idle_until(1000);
        c.xcall(1, a, SYNC);
      });
      const Result r = m.run();
      THEN("the call-function vector (class 15) is handled inside the 0x40 handler") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        const Cycles outer_entry = r.times(Kind::IrqEntry, 1, 0x40).at(0);
        const Cycles outer_exit = r.times(Kind::IrqExit, 1, 0x40).at(0);
        const Cycles inner_entry = r.times(Kind::IrqEntry, 1, kSingleVector).at(0);
        const Cycles inner_exit = r.times(Kind::IrqExit, 1, kSingleVector).at(0);
        REQUIRE(outer_entry < inner_entry);
        REQUIRE(inner_exit < outer_exit);
        REQUIRE(*r.returned_at(1) < outer_exit);
        REQUIRE(r.outcome().cpus[1].interrupts == 2);
      }
    }
  }
}

SCENARIO("context-rule warnings are counted (SEM-13/17)", "[scenario]") {
  GIVEN("CPU0 with IRQs disabled") {
    for (const auto profile : {Profile::Seed, Profile::Upstream}) {
      Options options;
      options.profile = profile;
      auto m = machine("small4", options);
      const FuncId a = m.func("a");
      m.program(0, [&](Cpu& c) {
        c.irq_disable();
        c.xcall(1, a, SYNC);
        c.irq_enable();
      });
      WHEN("it makes a SYNC call (" + std::string(xcallsim::smp::to_string(profile)) + ")") {
        const Result r = m.run();
        THEN("the profile's check fires, and the call still completes") {
          REQUIRE(r.outcome().completed);
          const Warning expected =
              profile == Profile::Seed ? Warning::IrqsDisabledLockdep : Warning::IrqsDisabled;
          REQUIRE(r.warnings(expected) == 1);
          REQUIRE(r.outcome().warnings == 1);
          REQUIRE(r.count(Kind::Warning, 0) == 1);
          REQUIRE(r.outcome().warning_messages.size() == 1);
        }
      }
    }
  }
}
