// SEM-29/30: a csd lock wait longer than the timeout (CONFIG_CSD_LOCK_WAIT_DEBUG)
// is reported csd_lock_wait_toolong-style and marks the run stuck.
#include <catch2/catch.hpp>

#include <string>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

constexpr double kTimeoutNs = 20000;  // 1 GHz: 20000 cycles

Result call_while_target_irqs_off(Cycles irqs_off) {
  Options options;
  options.stuck_timeout_ns = kTimeoutNs;
  auto m = machine("small4", options);
  const FuncId noop = m.func("noop");
  m.program(1, [irqs_off](Cpu& c) {
    c.irq_disable();
    c.compute(irqs_off);
    c.irq_enable();
  });
  m.program(0, [&](Cpu& c) { c.xcall(1, noop, SYNC); });
  return m.run();
}

}  // namespace

SCENARIO("SEM-30: a target that keeps IRQs off past the timeout is reported stuck", "[scenario]") {
  GIVEN("a 20 us stuck timeout") {
    WHEN("CPU1 keeps IRQs off for 100 us while CPU0 waits on a SYNC call") {
      const Result r = call_while_target_irqs_off(100000);
      THEN("the run ends stuck with a report naming waiter, target and function") {
        INFO(r.outcome().stuck_report);
        REQUIRE(r.outcome().stuck);
        REQUIRE_FALSE(r.outcome().completed);
        const std::string& text = r.outcome().stuck_report;
        REQUIRE(text.find("Detected non-responsive CSD lock (#1) on CPU#0") != std::string::npos);
        REQUIRE(text.find("for CPU#01 sim_func(noop)") != std::string::npos);
        REQUIRE(text.find("unresponsive") != std::string::npos);
        REQUIRE(text.find("target CPU#01") != std::string::npos);
        REQUIRE(text.find("IRQs disabled") != std::string::npos);
        const auto stuck = r.typed<xcallsim::trace::StuckCall>();
        REQUIRE(stuck.size() == 1);
        REQUIRE(stuck[0].cpu == 0);
        REQUIRE(stuck[0].target == 1);
        REQUIRE(r.trace().functions.at(stuck[0].func) == "noop");
        REQUIRE(stuck[0].call == 1);
        AND_THEN("it fired one timeout after the wait began, and the function never ran") {
          const Cycles wait_began = r.records(Kind::LockWaitBegin, 0).back().time;
          REQUIRE(stuck[0].time >= wait_began + 20000);
          REQUIRE(stuck[0].time < wait_began + 20000 + 1000);
          REQUIRE(r.outcome().end_time == stuck[0].time);
          REQUIRE(r.func_runs_on(1).empty());
        }
      }
    }
    WHEN("CPU1 keeps IRQs off for 10 us only") {
      const Result r = call_while_target_irqs_off(10000);
      THEN("the call completes without a report") {
        REQUIRE(r.outcome().completed);
        REQUIRE_FALSE(r.outcome().stuck);
        REQUIRE(r.outcome().stuck_report.empty());
        REQUIRE(r.count(Kind::StuckCall) == 0);
      }
    }
  }
}
