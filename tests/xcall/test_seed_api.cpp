// SEMANTICS 1.4 items 1-8: the seed API, under both profiles where they differ.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

TEST_CASE("SEM-1.4.1: XCALL_ALL calls every online CPU including the caller (seed)", "[xcall]") {
  SECTION("seed: the caller runs it too, offline CPUs are skipped") {
    Fixture f(4, Profile::Seed);
    f.p.at(3).online = false;
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall(XCALL_ALL, probe, &pr, XCALL_TYPE_SYNC) == 0);
    CHECK(f.cpus_run(1) == std::vector<int>{0, 1, 2});
  }
  SECTION("upstream: smp_call_function(), the other online CPUs only") {
    Fixture f(4, Profile::Upstream);
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall(XCALL_ALL, probe, &pr, XCALL_TYPE_SYNC) == 0);
    CHECK(f.cpus_run(1) == std::vector<int>{1, 2, 3});
  }
}

TEST_CASE("SEM-1.4.2: a valid but offline cpu returns 0 and does nothing (seed)", "[xcall]") {
  SECTION("seed: 0, no call, no IPI, no warning") {
    Fixture f(4, Profile::Seed);
    f.p.at(2).online = false;
    Probe pr = f.make_probe(1);
    CHECK(f.x.smp_xcall(2, probe, &pr, XCALL_TYPE_SYNC) == 0);
    CHECK(f.runs.empty());
    CHECK(f.p.ipis.empty());
    CHECK(f.p.warnings.empty());
  }
  SECTION("upstream: smp_call_function_single() returns -ENXIO") {
    Fixture f(4, Profile::Upstream);
    f.p.at(2).online = false;
    Probe pr = f.make_probe(1);
    CHECK(f.x.smp_xcall(2, probe, &pr, XCALL_TYPE_SYNC) == -kENXIO);
    CHECK(f.runs.empty());
    CHECK(f.p.ipis.empty());
  }
}

TEST_CASE("SEM-1.4.3: cpu < -1 or >= nr_cpu_ids returns -ENXIO with a warning (seed)", "[xcall]") {
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    Fixture f(4, profile);
    Probe pr = f.make_probe(1);
    CHECK(f.x.smp_xcall(-2, probe, &pr, XCALL_TYPE_SYNC) == -kENXIO);
    CHECK(f.x.smp_xcall(4, probe, &pr, XCALL_TYPE_ASYNC) == -kENXIO);
    CHECK(f.runs.empty());
    // The seed pr_warns "Invalid cpu ID"; upstream's generic_exec_single is silent.
    CHECK(f.p.warned(Warning::InvalidCpu) == (profile == Profile::Seed ? 2 : 0));
  }
}

TEST_CASE("SEM-1.4.4: SYNC waits for every remote target, ASYNC returns once queued", "[xcall]") {
  SECTION("seed ASYNC to all: local func ran, remote ones only queued with IPIs sent") {
    Fixture f(4, Profile::Seed);
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall(XCALL_ALL, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.cpus_run(1) == std::vector<int>{0});
    CHECK(f.p.waits == 0);
    CHECK(f.p.count(TraceKind::IpiSendMask) == 1);
    f.p.deliver_all();
    CHECK(f.cpus_run(1) == std::vector<int>{0, 1, 2, 3});
  }
  SECTION("seed SYNC to all: every remote func finished before the return") {
    Fixture f(4, Profile::Seed);
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall(XCALL_ALL, probe, &pr, XCALL_TYPE_SYNC) == 0);
    CHECK(f.runs_of(1) == 4);
    CHECK(f.p.waits >= 1);
  }
  SECTION("upstream single: same rule") {
    Fixture f(4, Profile::Upstream);
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall(2, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.runs.empty());
    REQUIRE(f.x.smp_xcall(3, probe, &pr, XCALL_TYPE_SYNC) == 0);
    CHECK(f.cpus_run(1) == std::vector<int>{2, 3});  // the wait let CPU 2 run too
  }
}

TEST_CASE("SEM-1.4.5: cond_func runs on the sender per target, false means no call", "[xcall]") {
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    Fixture f(4, profile);
    f.cond_accept = Mask::of(0) | Mask::of(2);
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall_cond(XCALL_ALL, probe, &pr, XCALL_TYPE_SYNC, cond_filter) == 0);
    for (const CondLog& c : f.conds) CHECK(c.sender == 0);
    if (profile == Profile::Seed) {
      CHECK(f.conds.size() == 4);  // targets 1, 2, 3, then self for the local run
      CHECK(f.cpus_run(1) == std::vector<int>{0, 2});
    } else {
      CHECK(f.conds.size() == 3);
      CHECK(f.cpus_run(1) == std::vector<int>{2});
    }
    f.runs.clear();
    REQUIRE(f.x.smp_xcall_cond(1, probe, &pr, XCALL_TYPE_SYNC, cond_filter) == 0);
    CHECK(f.runs.empty());
    CHECK(f.p.ipis.size() == 1);  // only the XCALL_ALL call's IPI
  }
}

TEST_CASE("SEM-1.4.6: smp_xcall_private rules (patch 05) vs smp_call_function_single_async",
          "[xcall]") {
  Fixture f(4, Profile::Seed);
  Csd csd{};
  Probe pr = f.make_probe(1, &csd);
  f.x.csd_init(&csd, probe, &pr);
  SECTION("seed: bad or offline cpu and NULL csd are -EINVAL") {
    f.p.at(2).online = false;
    CHECK(f.x.smp_xcall_private(-1, &csd, XCALL_TYPE_ASYNC) == -kEINVAL);
    CHECK(f.x.smp_xcall_private(4, &csd, XCALL_TYPE_ASYNC) == -kEINVAL);
    CHECK(f.x.smp_xcall_private(2, &csd, XCALL_TYPE_ASYNC) == -kEINVAL);
    CHECK(f.p.warned(Warning::PrivateBadCpu) == 3);
    CHECK(f.x.smp_xcall_private(1, nullptr, XCALL_TYPE_ASYNC) == -kEINVAL);
  }
  SECTION("upstream: bad or offline cpu is -ENXIO and leaves the csd unlocked") {
    f.x.set_profile(Profile::Upstream);
    f.p.at(2).online = false;
    CHECK(f.x.smp_xcall_private(2, &csd, XCALL_TYPE_ASYNC) == -kENXIO);
    CHECK(f.x.smp_xcall_private(7, &csd, XCALL_TYPE_ASYNC) == -kENXIO);
    CHECK(f.flags(csd) == 0);
  }
  SECTION("a locked csd is -EBUSY under both profiles") {
    for (Profile profile : {Profile::Seed, Profile::Upstream}) {
      f.x.set_profile(profile);
      f.p.store_relaxed(csd.node.u_flags, CSD_FLAG_LOCK);
      CHECK(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_ASYNC) == -kEBUSY);
    }
  }
  SECTION("seed: the lock bit only for SYNC/ASYNC") {
    REQUIRE(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.flags(csd) == (CSD_FLAG_LOCK | CSD_TYPE_ASYNC));
    f.p.deliver_all();
    CHECK(f.flags(csd) == 0);
    REQUIRE(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_IRQ_WORK) == 0);
    CHECK(f.flags(csd) == CSD_TYPE_IRQ_WORK);
    f.p.deliver_all();
    CHECK(f.cpus_run(1) == std::vector<int>{1, 1});
  }
  SECTION("self runs inline with IRQs disabled") {
    REQUIRE(f.x.smp_xcall_private(0, &csd, XCALL_TYPE_SYNC) == 0);
    REQUIRE(f.runs.size() == 1);
    CHECK(f.runs[0].cpu == 0);
    CHECK(f.runs[0].irqs_off);
    CHECK_FALSE(f.runs[0].csd_locked);  // unlocked before func
    CHECK(f.p.ipis.empty());
  }
  SECTION("SYNC waits until the target ran func and unlocked (seed and upstream)") {
    for (Profile profile : {Profile::Seed, Profile::Upstream}) {
      f.x.set_profile(profile);
      f.runs.clear();
      REQUIRE(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_SYNC) == 0);
      REQUIRE(f.runs.size() == 1);
      CHECK(f.runs[0].csd_locked);  // SYNC: unlocked after func
      CHECK(f.flags(csd) == 0);
    }
  }
}

TEST_CASE("SEM-1.4.7: smp_xcall_any prefers self, then this node, then any online CPU", "[xcall]") {
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    Fixture f(4, profile);
    f.p.at(2).node = f.p.at(3).node = 1;
    Probe pr = f.make_probe(1);
    auto target = [&](Mask mask, int caller = 0) {
      f.runs.clear();
      int ret = 0;
      f.p.as_cpu(caller, [&] { ret = f.x.smp_xcall_any(&mask, probe, &pr, XCALL_TYPE_SYNC); });
      return ret == 0 && f.runs.size() == 1 ? f.runs[0].cpu : ret;
    };
    CHECK(target(Mask::of(0) | Mask::of(2)) == 0);
    CHECK(target(Mask::of(1) | Mask::of(3)) == 1);
    CHECK(target(Mask::of(2) | Mask::of(3)) == 2);
    CHECK(target(Mask::of(0) | Mask::of(1) | Mask::of(3), 2) == 3);
    f.p.at(1).online = false;
    CHECK(target(Mask::of(1) | Mask::of(2)) == 2);
    CHECK(target(Mask::of(1)) == -kENXIO);
    Mask m = Mask::of(1);
    CHECK(f.x.smp_xcall_any(nullptr, probe, &pr, XCALL_TYPE_SYNC) == -kEINVAL);
    // Seed: flags must be exactly SYNC or ASYNC; upstream's `wait` takes anything.
    f.p.at(1).online = true;
    CHECK(f.x.smp_xcall_any(&m, probe, &pr, XCALL_TYPE_IRQ_WORK) ==
          (profile == Profile::Seed ? -kEINVAL : 0));
  }
}

TEST_CASE("SEM-1.4.8: IRQs-disabled or non-task callers are warned, private ASYNC is exempt",
          "[xcall]") {
  Probe* pr = nullptr;
  SECTION("seed: the mask path's lockdep check and WARN_ON_ONCE(!in_task())") {
    Fixture f(4, Profile::Seed);
    Probe p1 = f.make_probe(1);
    pr = &p1;
    f.p.at(0).irqs_off = true;
    f.x.smp_xcall(1, probe, pr, XCALL_TYPE_SYNC);
    CHECK(f.p.warned(Warning::IrqsDisabledLockdep) == 1);
    f.p.at(0).irqs_off = false;
    f.p.at(0).in_task = false;
    f.x.smp_xcall(1, probe, pr, XCALL_TYPE_ASYNC);
    CHECK(f.p.warned(Warning::NotInTask) == 1);
    f.p.at(0).in_task = true;
    f.p.at(0).irqs_off = true;
    f.p.early_boot = true;  // early boot may call with IRQs off
    f.x.smp_xcall(2, probe, pr, XCALL_TYPE_SYNC);
    CHECK(f.p.warned(Warning::IrqsDisabledLockdep) == 1);
  }
  SECTION("smp_xcall_private: ASYNC allowed with IRQs off, SYNC warned") {
    Fixture f(4, Profile::Seed);
    Csd csd{};
    Probe p1 = f.make_probe(1);
    f.x.csd_init(&csd, probe, &p1);
    f.p.at(0).irqs_off = true;
    REQUIRE(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_ASYNC) == 0);
    CHECK(f.p.warnings.empty());
    f.p.deliver_all();
    REQUIRE(f.x.smp_xcall_private(1, &csd, XCALL_TYPE_SYNC) == 0);
    CHECK(f.p.warned(Warning::IrqsDisabled) == 1);
  }
  SECTION("upstream: smp_call_function_single's WARN_ON_ONCE, relaxed by oops_in_progress") {
    Fixture f(4, Profile::Upstream);
    Probe p1 = f.make_probe(1);
    f.p.at(0).irqs_off = true;
    f.x.smp_xcall(1, probe, &p1, XCALL_TYPE_SYNC);
    CHECK(f.p.warned(Warning::IrqsDisabled) == 1);
    CHECK(f.p.warned(Warning::IrqsDisabledLockdep) == 0);
    f.p.oops = true;
    f.x.smp_xcall(1, probe, &p1, XCALL_TYPE_SYNC);
    CHECK(f.p.warned(Warning::IrqsDisabled) == 1);
  }
}
