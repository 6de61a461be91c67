// A user's scenario test: does a 3-target TLB shootdown on a small machine
// send one multi-vector IPI and return only after every flush finished?
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "sim/machine/machine.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

SCENARIO("a SYNC shootdown to three CPUs", "[scenario]") {
  GIVEN("the fixture's 4-CPU machine and a 216-cycle flush") {
    auto m = machine("small4");
    FuncId flush = m.add_func("flush_tlb_one", 216);
    WHEN("CPU 0 calls smp_xcall_mask on CPUs 1-3") {
      m.program(0, [flush](Cpu& cpu) {
        Mask targets;
        for (int c = 1; c <= 3; ++c) targets.set(c);
        cpu.xcall_mask(targets, flush, SYNC);
      });
      Result r = m.run();
      THEN("one IPI carries it and the call returns after the last flush") {
        CHECK(r.ipis_sent(0) == 1);
        REQUIRE(r.returned_at(1));
        for (int c = 1; c <= 3; ++c) {
          REQUIRE(r.func_exit(1, c));
          CHECK(*r.func_exit(1, c) <= *r.returned_at(1));
        }
      }
    }
  }
}

TEST_CASE("a shipped scenario runs on a shipped machine", "[scenario]") {
  const std::string dir = XCALLSIM_CONFIGS_DIR;
  auto s = xcallsim::scenario::load_scenario(dir + "/scenarios/default.toml");
  xcallsim::smp::Simulation sim(
      xcallsim::machine::load_machine_config(dir + "/machines/default.toml"));
  xcallsim::scenario::bind(s, sim);
  CHECK(sim.run().completed);
}
