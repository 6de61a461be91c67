// SEMANTICS 2.5, items 16-19: multi-target calls.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

TEST_CASE("SEM-16: many excludes self, smp_call_function is the others, on_each_cpu includes self",
          "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe pr = f.make_probe(1);
  Mask m = Mask::of(0) | Mask::of(1) | Mask::of(2);
  f.x.smp_call_function_many(&m, probe, &pr, true);
  CHECK(f.cpus_run(1) == std::vector<int>{1, 2});
  f.runs.clear();
  f.x.smp_call_function(probe, &pr, true);
  CHECK(f.cpus_run(1) == std::vector<int>{1, 2, 3});
  f.runs.clear();
  Mask m01 = Mask::of(0) | Mask::of(1);
  f.x.on_each_cpu_cond_mask(nullptr, probe, &pr, true, &m01);
  CHECK(f.cpus_run(1) == std::vector<int>{0, 1});
  // The seed's smp_xcall_mask with self in mask: local run only under the seed profile.
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    f.x.set_profile(profile);
    f.runs.clear();
    REQUIRE(f.x.smp_xcall_mask(&m01, probe, &pr, XCALL_TYPE_SYNC) == 0);
    CHECK(f.cpus_run(1) ==
          (profile == Profile::Seed ? std::vector<int>{0, 1} : std::vector<int>{1}));
  }
}

TEST_CASE("SEM-17: the mask path warns on IRQs off (lockdep) and !in_task", "[xcall]") {
  Fixture f(4, Profile::Upstream);
  Probe pr = f.make_probe(1);
  Mask m = Mask::of(1);
  f.p.at(0).irqs_off = true;
  f.x.smp_call_function_many(&m, probe, &pr, false);
  CHECK(f.p.warned(Warning::IrqsDisabledLockdep) == 1);
  CHECK(f.p.warnings.back().style == WarnStyle::Lockdep);
  f.p.oops = true;
  f.x.smp_call_function_many(&m, probe, &pr, false);
  f.p.oops = false;
  f.p.early_boot = true;
  f.x.smp_call_function_many(&m, probe, &pr, false);
  CHECK(f.p.warned(Warning::IrqsDisabledLockdep) == 1);
  f.p.at(0).irqs_off = false;
  f.p.at(0).in_task = false;
  f.x.smp_call_function_many(&m, probe, &pr, false);
  CHECK(f.p.warned(Warning::NotInTask) == 1);
}

TEST_CASE("SEM-18: mask path: cfd csds, IPI choice by new queues, local run overlaps, wait all",
          "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe pr = f.make_probe(1);
  Probe other = f.make_probe(2);
  const Mask all = Mask::first_n(4);
  SECTION("several newly non-empty queues: one mask IPI (0xfc) to exactly those") {
    REQUIRE(f.x.smp_xcall_mask(&all, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    const auto sends = f.p.events_of(TraceKind::IpiSendMask);
    REQUIRE(sends.size() == 1);
    CHECK(sends[0].ev.value == 3);
    CHECK(sends[0].mask.at(0) == 0b1110);
    CHECK(f.p.count(TraceKind::IpiSendSingle) == 0);
  }
  SECTION("one newly non-empty queue: the single IPI (0xfb); none: no IPI") {
    f.p.as_cpu(3, [&] {
      Mask m12 = Mask::of(1) | Mask::of(2);
      REQUIRE(f.x.smp_xcall_mask(&m12, probe, &other, XCALL_TYPE_ASYNC) == 0);
    });
    f.p.clear_records();
    REQUIRE(f.x.smp_xcall_mask(&all, probe, &pr, XCALL_TYPE_ASYNC) == 0);
    REQUIRE(f.p.ipis.size() == 1);
    CHECK(f.p.ipis[0].to == 3);
    CHECK(f.p.ipis[0].vector == kVectorSingle);
    f.p.clear_records();
    f.p.as_cpu(2, [&] {
      Mask m13 = Mask::of(1) | Mask::of(3);
      REQUIRE(f.x.smp_xcall_mask(&m13, probe, &other, XCALL_TYPE_ASYNC) == 0);
    });
    CHECK(f.p.ipis.empty());
  }
  SECTION("the local run comes after the IPIs, before the wait") {
    REQUIRE(f.x.smp_xcall_mask(&all, probe, &pr, XCALL_TYPE_SYNC) == 0);
    std::vector<TraceKind> order;
    for (const auto& r : f.p.events)
      if (r.ev.kind == TraceKind::IpiSendMask ||
          (r.ev.kind == TraceKind::LockWaitBegin && r.ev.cpu == 0) ||
          (r.ev.kind == TraceKind::FuncEntry && r.ev.cpu == 0))
        order.push_back(r.ev.kind);
    // csd_lock() waits (free) per target, IPI, local func, then csd_lock_wait() per target.
    const auto wait = TraceKind::LockWaitBegin;
    CHECK(order == std::vector<TraceKind>{wait, wait, wait, TraceKind::IpiSendMask,
                                          TraceKind::FuncEntry, wait, wait, wait});
    CHECK(f.runs_of(1) == 4);
  }
  SECTION(
      "each target gets the sender's cfd csd with the SYNC type bit; self and offline skipped") {
    f.p.at(2).online = false;
    std::vector<uint32_t> seen;
    f.p.on_wait = [&](ManualPlatform& p) {
      for (int t = 0; t < 4; ++t) seen.push_back(f.flags(f.state.cfd_csd(0, t)));
      p.deliver_all();
    };
    REQUIRE(f.x.smp_xcall_mask(&all, probe, &pr, XCALL_TYPE_SYNC) == 0);
    REQUIRE(seen.size() >= 4);
    const uint32_t locked_sync = CSD_FLAG_LOCK | CSD_TYPE_SYNC;
    CHECK(seen[0] == 0);
    CHECK(seen[1] == locked_sync);
    CHECK(seen[2] == 0);
    CHECK(seen[3] == locked_sync);
    CHECK(f.cpus_run(1) == std::vector<int>{0, 1, 3});
  }
}

TEST_CASE("SEM-19: cond_func runs on the sender with preemption disabled", "[xcall]") {
  for (Profile profile : {Profile::Seed, Profile::Upstream}) {
    Fixture f(4, profile);
    Probe pr = f.make_probe(1);
    const Mask all = Mask::first_n(4);
    f.cond_accept = Mask::of(1) | Mask::of(3);
    REQUIRE(f.x.smp_xcall_mask_cond(&all, probe, &pr, XCALL_TYPE_SYNC, cond_filter) == 0);
    REQUIRE(f.conds.size() == 4);  // 1, 2, 3 while queueing, then self
    for (const CondLog& c : f.conds) {
      CHECK(c.sender == 0);
      CHECK(c.preempt_count > 0);
    }
    CHECK(f.conds.back().target == 0);
    CHECK(f.cpus_run(1) == std::vector<int>{1, 3});
  }
}
