// SEM-18: a mask call sends the multi vector (0xfc) when more than one queue
// became non-empty, the single vector (0xfb) when exactly one did, and
// nothing when none did.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

// CPU `cpu` keeps IRQs off for `cycles` from time 0 (its queue cannot drain).
void irqs_off_for(Machine& m, int cpu, Cycles cycles) {
  m.program(cpu, [cycles](Cpu& c) {
    c.irq_disable();
    c.compute(cycles);
    c.irq_enable();
  });
}

}  // namespace

SCENARIO("SEM-18: the vector of a mask call follows how many queues became non-empty",
         "[scenario]") {
  GIVEN("a 4-CPU machine without IPI shorthands") {
    auto m = machine("small4-noshort");
    const FuncId a = m.func("a"), work = m.func("work");

    WHEN("CPU0 calls {1, 2} and both queues were empty") {
      m.program(0, [&](Cpu& c) { c.xcall_mask(mask_of({1, 2}), work, ASYNC); });
      const Result r = m.run();
      THEN("one 0xfc send reaches both") {
        INFO(r.dump());
        const auto sends = r.typed<xcallsim::trace::IpiSend>(0);
        REQUIRE(sends.size() == 1);
        REQUIRE(sends[0].vector == kMaskVector);
        REQUIRE(r.delivered(1, kMaskVector) == 1);
        REQUIRE(r.delivered(2, kMaskVector) == 1);
        REQUIRE(r.delivered(1, kSingleVector) == 0);
      }
    }

    WHEN("CPU1's queue is already non-empty (IRQs off) and CPU0 calls {1, 2}") {
      irqs_off_for(m, 1, 20000);
      m.program(3, [&](Cpu& c) { c.xcall_private(1, 0, a, ASYNC); });
      m.program(0, [&](Cpu& c) {
        c.idle_until(2000);
        c.xcall_mask(mask_of({1, 2}), work, ASYNC);
      });
      const Result r = m.run();
      THEN("only CPU2's queue became non-empty: the single vector goes to CPU2 alone") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        const auto sends = r.typed<xcallsim::trace::IpiSend>(0);
        REQUIRE(sends.size() == 1);
        REQUIRE(sends[0].target == 2);
        REQUIRE(sends[0].vector == kSingleVector);
        REQUIRE(r.delivered(2, kSingleVector) == 1);
        AND_THEN("CPU1 runs both calls in one flush once IRQs are back on, in FIFO order") {
          REQUIRE(r.func_runs_on(1) == std::vector<std::string>{"a", "work"});
          REQUIRE(r.count(Kind::FlushBegin, 1) == 1);
          REQUIRE(r.func_entry(2, 1) >= Cycles{20000});
        }
      }
    }

    WHEN("both target queues are already non-empty") {
      irqs_off_for(m, 1, 20000);
      irqs_off_for(m, 2, 20000);
      m.program(3, [&](Cpu& c) {
        c.xcall_private(1, 0, a, ASYNC);
        c.xcall_private(2, 1, a, ASYNC);
      });
      m.program(0, [&](Cpu& c) {
        c.idle_until(3000);
        c.xcall_mask(mask_of({1, 2}), work, ASYNC);
      });
      const Result r = m.run();
      THEN("CPU0 sends no IPI at all, and every call still runs") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        REQUIRE(r.ipis_sent(0) == 0);
        REQUIRE(r.outcome().cpus[0].queue_coalesced == 2);
        REQUIRE(r.func_runs_on(1) == std::vector<std::string>{"a", "work"});
        REQUIRE(r.func_runs_on(2) == std::vector<std::string>{"a", "work"});
      }
    }
  }
}
