// SEM-10: an IPI goes out only on a queue's empty -> non-empty transition;
// once the flush has emptied the queue, the next call sends a fresh one.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

std::vector<std::uint32_t> was_empty_flags(const Result& r, int sender) {
  std::vector<std::uint32_t> flags;
  for (const auto& queue : r.typed<xcallsim::trace::CsdQueue>(sender))
    flags.push_back(queue.queue_was_empty ? 1 : 0);
  return flags;
}

}  // namespace

SCENARIO("SEM-10: a second call to a busy queue sends no IPI", "[scenario]") {
  GIVEN("a 4-CPU machine with CPU1 idle") {
    auto m = machine("small4");
    const FuncId a = m.func("a"), b = m.func("b"), c3 = m.func("c");

    WHEN("CPU0 queues two async calls (two private csds) to CPU1 back to back") {
      m.program(0, [&](Cpu& c) {
        c.xcall_private(1, 0, a, ASYNC);
        c.xcall_private(1, 1, b, ASYNC);
      });
      const Result r = m.run();
      THEN("one IPI, and both functions run in one flush, in FIFO order") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        REQUIRE(was_empty_flags(r, 0) == std::vector<std::uint32_t>{1, 0});
        REQUIRE(r.ipis_sent(0, 1) == 1);
        REQUIRE(r.outcome().cpus[0].queue_coalesced == 1);
        REQUIRE(r.func_runs_on(1) == std::vector<std::string>{"a", "b"});
        REQUIRE(r.count(Kind::FlushBegin, 1) == 1);
        REQUIRE(r.typed<xcallsim::trace::FlushBegin>(1)[0].entries == 2);
        // The second csd was queued before the IPI even arrived.
        REQUIRE(r.records(Kind::CsdQueue, 0)[1].time < r.times(Kind::IpiDeliver, 1)[0]);
      }
    }

    WHEN("CPU0 sends a third call after CPU1's flush emptied the queue") {
      m.program(0, [&](Cpu& c) {
        c.xcall_private(1, 0, a, ASYNC);
        c.xcall_private(1, 1, b, ASYNC);
        c.idle_until(20000);
        c.xcall_private(1, 2, c3, ASYNC);
      });
      const Result r = m.run();
      THEN("that call finds the queue empty and sends a fresh IPI") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        REQUIRE(was_empty_flags(r, 0) == std::vector<std::uint32_t>{1, 0, 1});
        REQUIRE(r.ipis_sent(0, 1) == 2);
        REQUIRE(r.delivered(1, kSingleVector) == 2);
        REQUIRE(r.func_runs_on(1) == std::vector<std::string>{"a", "b", "c"});
        REQUIRE(r.count(Kind::FlushBegin, 1) == 2);
      }
    }

    WHEN("two CPUs call CPU1 at the same time") {
      m.program(0, [&](Cpu& c) { c.xcall(1, a, ASYNC); });
      m.program(2, [&](Cpu& c) { c.xcall(1, b, ASYNC); });
      const Result r = m.run();
      THEN("only the first enqueuer sends an IPI; the flush runs both") {
        INFO(r.dump());
        REQUIRE(r.outcome().completed);
        REQUIRE(r.ipis_sent(0) + r.ipis_sent(2) == 1);
        REQUIRE(r.count(Kind::CsdQueue) == 2);
        REQUIRE(r.func_runs_on(1).size() == 2);
        REQUIRE(r.count(Kind::FlushBegin, 1) == 1);
      }
    }
  }
}
