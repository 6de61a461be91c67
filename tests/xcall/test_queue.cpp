// SEMANTICS 2.3, items 10-11: queueing and IPI sending.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

TEST_CASE("SEM-10: an IPI is sent only on the empty to non-empty transition", "[xcall]") {
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    Fixture f(4, profile);
    Probe a = f.make_probe(1);
    Probe b = f.make_probe(2);
    Probe c = f.make_probe(3);
    REQUIRE(f.x.smp_xcall(1, probe, &a, XCALL_TYPE_ASYNC) == 0);
    f.p.as_cpu(2, [&] { REQUIRE(f.x.smp_xcall(1, probe, &b, XCALL_TYPE_ASYNC) == 0); });
    REQUIRE(f.p.ipis.size() == 1);
    CHECK(f.p.ipis[0].to == 1);
    CHECK(f.p.ipis[0].vector == kVectorSingle);
    const auto queued = f.p.events_of(TraceKind::CsdQueue);
    REQUIRE(queued.size() == 2);
    CHECK(queued[0].ev.value == 1);
    CHECK(queued[1].ev.value == 0);
    // One interrupt drains both, oldest first.
    CHECK(f.p.take_interrupts(1) == 1);
    CHECK(f.runs.size() == 2);
    CHECK(f.runs[0].id == 1);
    CHECK(f.runs[1].id == 2);
    // The emptied queue needs a fresh IPI: nothing is stranded.
    REQUIRE(f.x.smp_xcall(1, probe, &c, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.p.ipis.size() == 2);
    f.p.deliver_all();
    CHECK(f.runs_of(3) == 1);
  }
}

TEST_CASE("SEM-11: the single IPI is elided for a polling idle CPU, the mask IPI never is",
          "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe pr = f.make_probe(1);
  f.p.at(1).polling_idle = true;
  f.p.at(2).polling_idle = true;
  SECTION("single path: no vector, need_resched, flushed from the idle loop") {
    REQUIRE(f.x.smp_xcall(1, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.p.ipis.empty());
    CHECK(f.p.count(TraceKind::IpiElided) == 1);
    CHECK(f.p.at(1).need_resched);
    f.p.idle_poll(1);
    CHECK(f.cpus_run(1) == std::vector<int>{1});
    const auto flushes = f.p.events_of(TraceKind::FlushBegin);
    REQUIRE(flushes.size() == 1);
    CHECK(flushes[0].ev.detail == static_cast<uint8_t>(FlushSource::Idle));
  }
  SECTION("mask path with two new queues: the 0xfc IPI reaches polling CPUs") {
    Mask m = Mask::of(1) | Mask::of(2);
    REQUIRE(f.x.smp_xcall_mask(&m, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    REQUIRE(f.p.ipis.size() == 2);
    CHECK(f.p.ipis[0].vector == kVectorMask);
    CHECK(f.p.count(TraceKind::IpiElided) == 0);
  }
  SECTION("mask path with one new queue uses the single IPI, which is elided") {
    Mask m = Mask::of(1) | Mask::of(3);
    f.p.as_cpu(2, [&] { REQUIRE(f.x.smp_xcall(3, probe, &pr, XCALL_TYPE_ASYNC) == 0); });
    f.p.clear_records();
    REQUIRE(f.x.smp_xcall_mask(&m, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.p.ipis.empty());
    CHECK(f.p.count(TraceKind::IpiElided) == 1);
  }
}
