// The machinery under the scenarios. The run loop: a parking CPU hands the
// host straight to the next CPU's fiber, so an error or a teardown can find
// the others suspended anywhere, in the middle of a call. The arena: every
// shared word the simulator times lives in it.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "sim/smp/arena.hpp"
#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

SCENARIO("a program's exception ends the run with other CPUs parked mid-call", "[scenario]") {
  GIVEN("CPUs 1-3 making SYNC calls to CPU 0 while CPU 0 throws from its program") {
    auto m = machine("small4");
    const FuncId work = m.func("work");
    for (int cpu = 1; cpu < 4; ++cpu)
      m.program(cpu, [&](Cpu& c) {
        for (int i = 0; i < 100; ++i) c.xcall(0, work, SYNC);
      });
    m.program(0, [](Cpu& c) {
      c.compute(3000);
      throw std::runtime_error("program failed on purpose");
    });
    THEN("run() rethrows it on the host, and the machine tears down its suspended fibers") {
      REQUIRE_THROWS_WITH(m.sim().run(), "program failed on purpose");
    }
  }
}

TEST_CASE("arena: a word outside it is refused with the fix named", "[unit]") {
  xcallsim::smp::detail::Arena arena(4 * xcallsim::smp::detail::kPageBytes);
  const char* inside = static_cast<const char*>(arena.carve(256, 64));
  CHECK(arena.line_of(inside + 64) == arena.line_of(inside) + 1);
  const int on_host_stack = 0;
  CHECK_THROWS_WITH(arena.line_of(&on_host_stack),
                    Catch::Contains("outside the simulator's arena") &&
                        Catch::Contains("detect_stack_use_after_return=0"));
}
