// Same inputs, same bytes: two runs of a busy scenario give identical traces.
#include <catch2/catch.hpp>

#include <cstring>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

Result busy_run(Profile profile) {
  Options options;
  options.profile = profile;
  options.poll_idle = true;
  auto m = machine("two-socket-8", options);
  const FuncId a = m.func("a"), work = m.func("work");
  for (int cpu = 0; cpu < 6; ++cpu) {
    m.program(cpu, [=](Cpu& c) {
      for (int round = 0; round < 3; ++round) {
        c.compute(static_cast<Cycles>(100 * (cpu + 1)));
        c.xcall((cpu + 1 + round) % 8, a, round % 2 == 0 ? SYNC : ASYNC);
        c.xcall_mask(mask_of({(cpu + 2) % 8, (cpu + 5) % 8, cpu}), work, SYNC);
        c.xcall_private((cpu + 3) % 8, round, a, ASYNC);
        c.xcall_mask_cond(Mask::first_n(8), a, ASYNC, Cond::Odd);
      }
    });
  }
  return m.run();
}

bool same_bytes(const xcallsim::trace::Trace& x, const xcallsim::trace::Trace& y) {
  return x.records.size() == y.records.size() &&
         std::memcmp(x.records.data(), y.records.data(),
                     x.records.size() * sizeof(xcallsim::trace::Record)) == 0 &&
         x.masks == y.masks && x.functions == y.functions;
}

}  // namespace

SCENARIO("runs are deterministic: identical traces byte for byte", "[scenario]") {
  for (const auto profile : {Profile::Seed, Profile::Upstream}) {
    GIVEN("six CPUs making mixed calls, profile " +
          std::string(xcallsim::smp::to_string(profile))) {
      WHEN("the scenario runs twice") {
        const Result first = busy_run(profile);
        const Result second = busy_run(profile);
        THEN("both complete with the same trace bytes and the same outcome") {
          INFO(first.outcome().unfinished_report);
          REQUIRE(first.outcome().completed);
          REQUIRE(first.trace().records.size() > 500);
          REQUIRE(same_bytes(first.trace(), second.trace()));
          REQUIRE(first.outcome().end_time == second.outcome().end_time);
          REQUIRE(first.outcome().cache_transfers == second.outcome().cache_transfers);
          AND_THEN("records are in time order") {
            const auto& recs = first.trace().records;
            for (std::size_t i = 1; i < recs.size(); ++i) REQUIRE(recs[i - 1].time <= recs[i].time);
          }
        }
      }
    }
  }
}
