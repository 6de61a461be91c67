// Re-timing on machines with other costs: the re-timed trace is exactly what
// `run` records on that machine, and latencies move in the expected direction.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support.hpp"

using namespace retime_test;
using xcallsim::trace::Api;

namespace {

machine::MachineConfig scaled_delivery(double factor) {
  machine::MachineConfig m = shipped_machine("default");
  m.name = "default, delivery x" + std::to_string(factor);
  for (auto& d : m.apic.costs.delivery)
    d = static_cast<machine::Cycles>(static_cast<double>(d) * factor);
  return m;
}

}  // namespace

TEST_CASE("retime: on a machine with other costs the re-timed trace is what run records there",
          "[golden][retime]") {
  machine::MachineConfig other = scaled_delivery(2.0);
  other.ghz = 3.1;
  other.apic.costs.icr_write += 100;
  for (auto& t : other.cache.transfer) t += 20;
  other.apic.use_shorthand = false;
  const auto base = shipped_machine("default");
  for (const char* name : {"default", "seed-vs-upstream", "priority-mix"}) {
    for (const auto profile : {smp::Profile::Seed, smp::Profile::Upstream}) {
      INFO(name << " " << smp::to_string(profile));
      const Recorded there = run_scenario(other, name, profile);
      const replay::RetimeResult moved = retime(run_scenario(base, name, profile), other);
      CHECK(moved.trace.records == there.file.trace.records);
      CHECK(bytes(moved) == there.bytes());
    }
  }
}

TEST_CASE("retime: slower IPI delivery makes SYNC calls slower, faster makes them faster",
          "[scenario][retime]") {
  const Recorded run = run_scenario(shipped_machine("default"), "default", smp::Profile::Seed);
  const replay::Summary before = replay::summarize(run.file.trace);
  const replay::Summary slow = replay::summarize(retime(run, scaled_delivery(2.0)).trace);
  const replay::Summary fast = replay::summarize(retime(run, scaled_delivery(0.5)).trace);
  for (const Api api : {Api::Single, Api::Mask}) {
    INFO(trace::to_string(api));
    const auto* b = row(before, api, smp::kSync);
    const auto* s = row(slow, api, smp::kSync);
    const auto* f = row(fast, api, smp::kSync);
    REQUIRE(b);
    REQUIRE(s);
    REQUIRE(f);
    CHECK(s->count == b->count);
    CHECK(f->count == b->count);
    CHECK(s->latency.p50 > b->latency.p50);
    CHECK(f->latency.p50 < b->latency.p50);
  }
  // One IPI per SYNC smp_xcall: doubling delivery adds at most about one delivery.
  const auto* b = row(before, Api::Single, smp::kSync);
  const auto* s = row(slow, Api::Single, smp::kSync);
  machine::Cycles longest = 0;
  for (const auto d : shipped_machine("default").apic.costs.delivery)
    longest = std::max(longest, d);
  CHECK(s->latency.p50 - b->latency.p50 <= 2 * longest);
}

TEST_CASE("retime: the compare table lists each call kind old vs new with the ratio",
          "[unit][retime]") {
  const auto machine = shipped_machine("default");
  const Recorded run = run_scenario(machine, "default", smp::Profile::Seed);
  const std::string same = replay::format_compare(run.file.trace, machine.name,
                                                  retime(run, machine).trace, machine.name);
  CHECK_THAT(same, Catch::Contains("smp_xcall SYNC"));
  CHECK_THAT(same, Catch::Contains("smp_xcall_mask SYNC"));
  CHECK_THAT(same, Catch::Contains("100/100"));
  CHECK_THAT(same, Catch::Contains("1.00x"));
  const auto slow = scaled_delivery(2.0);
  const std::string moved =
      replay::format_compare(run.file.trace, machine.name, retime(run, slow).trace, slow.name);
  CHECK_THAT(moved, Catch::Contains(slow.name));
  CHECK_THAT(moved, Catch::Contains("100/100"));
}
