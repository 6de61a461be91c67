// SEMANTICS 2.2, items 6-9: the CSD lock protocol.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

TEST_CASE("SEM-6: csd_lock waits for the previous use of the csd, then sets the lock bit",
          "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe first = f.make_probe(1);
  Probe second = f.make_probe(2);
  Csd& cfd01 = f.state.cfd_csd(0, 1);
  REQUIRE(f.x.smp_xcall(1, probe, &first, XCALL_TYPE_ASYNC) == 0);
  CHECK(f.flags(cfd01) == CSD_FLAG_LOCK);
  CHECK(f.p.waits == 0);
  // Reusing the same per-target cfd csd blocks until CPU 1 unlocked it.
  REQUIRE(f.x.smp_xcall(1, probe, &second, XCALL_TYPE_ASYNC) == 0);
  CHECK(f.p.waits == 1);
  CHECK(f.cpus_run(1) == std::vector<int>{1});
  CHECK(f.runs_of(2) == 0);
  CHECK(f.flags(cfd01) == CSD_FLAG_LOCK);
  // Trace: the second CsdLock comes after a LockWaitBegin/End pair.
  std::vector<TraceKind> kinds;
  for (const auto& r : f.p.events)
    if (r.ev.kind == TraceKind::CsdLock || r.ev.kind == TraceKind::LockWaitEnd)
      kinds.push_back(r.ev.kind);
  CHECK(kinds == std::vector<TraceKind>{TraceKind::LockWaitEnd, TraceKind::CsdLock,
                                        TraceKind::LockWaitEnd, TraceKind::CsdLock});
}

TEST_CASE("SEM-7: csd_unlock warns if the csd is not locked and clears the whole word", "[xcall]") {
  Fixture f(4, Profile::Seed);
  Csd csd{};
  Probe pr = f.make_probe(1);
  SECTION("the seed's self-targeted IRQ_WORK private call unlocks an unlocked csd") {
    f.x.csd_init(&csd, probe, &pr);
    REQUIRE(f.x.smp_xcall_private(0, &csd, XCALL_TYPE_IRQ_WORK) == 0);
    CHECK(f.p.warned(Warning::CsdUnlockNotLocked) == 1);
    CHECK(f.flags(csd) == 0);  // type bits gone too
    CHECK(f.runs_of(1) == 1);
  }
  SECTION("a SYNC csd goes from LOCK|SYNC to 0") {
    f.x.csd_init(&csd, probe, &pr);
    uint32_t seen = 0;
    f.p.on_wait = [&](ManualPlatform& p) {
      seen = f.flags(csd);
      p.deliver_all();
    };
    REQUIRE(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_SYNC) == 0);
    CHECK(seen == (CSD_FLAG_LOCK | CSD_TYPE_SYNC));
    CHECK(f.flags(csd) == 0);
    CHECK(f.p.warnings.empty());
  }
}

TEST_CASE("SEM-8: csd_lock_wait blocks until the target unlocks, without bound", "[xcall]") {
  Fixture f(4, Profile::Upstream);
  Probe pr = f.make_probe(1);
  SECTION("the sender waits while the target runs func") {
    size_t runs_before = 99;
    f.p.on_wait = [&](ManualPlatform& p) {
      runs_before = f.runs.size();
      p.deliver_all();
    };
    REQUIRE(f.x.smp_call_function_single(1, probe, &pr, 1) == 0);
    CHECK(runs_before == 0);
    CHECK(f.runs_of(1) == 1);
    CHECK(f.p.count(TraceKind::LockWaitBegin) == 1);
  }
  SECTION("a target with IRQs off never releases the waiter") {
    f.p.at(1).irqs_off = true;
    CHECK_THROWS_AS(f.x.smp_call_function_single(1, probe, &pr, 1), Deadlock);
  }
}

TEST_CASE("SEM-9: ASYNC csds are unlocked before func, SYNC csds after", "[xcall]") {
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    Fixture f(4, profile);
    Csd& watched = profile == Profile::Seed ? f.state.cfd_csd(0, 1) : f.state.cpu(0).csd_data;
    Probe async_probe = f.make_probe(1, &watched);
    REQUIRE(f.x.smp_xcall(1, probe, &async_probe, XCALL_TYPE_ASYNC) == 0);
    f.p.deliver_all();
    REQUIRE(f.runs.size() == 1);
    CHECK_FALSE(f.runs[0].csd_locked);
    // Reusing the async csd (cfd or csd_data) blocks until the target unlocked it.
    REQUIRE(f.x.smp_xcall(1, probe, &async_probe, XCALL_TYPE_ASYNC) == 0);
    REQUIRE(f.x.smp_xcall(1, probe, &async_probe, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.p.waits == 1);
    f.p.deliver_all();
  }
  Fixture f(4, Profile::Seed);
  Probe sync_probe = f.make_probe(2, &f.state.cfd_csd(0, 1));
  REQUIRE(f.x.smp_xcall(1, probe, &sync_probe, XCALL_TYPE_SYNC) == 0);
  REQUIRE(f.runs.size() == 1);
  CHECK(f.runs[0].csd_locked);
}
