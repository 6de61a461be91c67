// SEMANTICS 2.9, items 29-30: stuck csd diagnosis; and the debug route fields.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

TEST_CASE("SEM-29: without lock-wait debugging the wait never times out", "[xcall]") {
  Fixture f(4, Profile::Seed, /*debug=*/false);
  Probe pr = f.make_probe(1);
  f.p.timeouts_to_report = 5;
  REQUIRE(f.x.smp_xcall(1, probe, &pr, XCALL_TYPE_SYNC) == 0);
  CHECK(f.p.reports.empty());
  CHECK(f.p.timeouts_to_report == 5);
}

TEST_CASE("SEM-30: a stuck csd is reported with its target's state and the IPI is re-sent",
          "[xcall]") {
  Fixture f(4, Profile::Seed, /*debug=*/true);
  Probe pr = f.make_probe(1);
  f.p.timeouts_to_report = 2;
  REQUIRE(f.x.smp_xcall(1, probe, &pr, XCALL_TYPE_SYNC) == 0);
  REQUIRE(f.p.reports.size() == 3);
  const CsdLockReport& first = f.p.reports[0];
  CHECK(first.phase == CsdLockPhase::Stuck);
  CHECK(first.first_report);
  CHECK(first.bug_id == 1);
  CHECK(first.waiter_cpu == 0);
  CHECK(first.target_cpu == 1);
  CHECK(first.csd_flags == (CSD_FLAG_LOCK | CSD_TYPE_SYNC));
  CHECK(first.func == identity(&probe));
  CHECK(first.info == identity(&pr));
  CHECK(first.activity == TargetActivity::Unresponsive);
  CHECK(first.ipi_resent);
  CHECK(first.ts1 > first.ts0);
  CHECK_FALSE(f.p.reports[1].first_report);
  CHECK(f.p.reports[1].bug_id == 1);
  CHECK(f.p.reports[2].phase == CsdLockPhase::Unstuck);
  CHECK(f.p.reports[2].target_cpu == 1);
  CHECK(f.p.count(TraceKind::IpiResend) == 2);
  CHECK(f.p.ipis.size() == 3);  // the original IPI and two raw re-sends (coalesced in IRR)
  // The next incident gets the next bug id.
  f.p.timeouts_to_report = 1;
  REQUIRE(f.x.smp_xcall(2, probe, &pr, XCALL_TYPE_SYNC) == 0);
  CHECK(f.p.reports[3].bug_id == 2);
}

namespace {
struct Nested {
  Fixture* f;
  Probe* inner;
};
// Runs on CPU 1 for CPU 2's SYNC request. Meanwhile CPU 0 calls CPU 1 and
// times out: CPU 1 is "handling prior" work. (Single-threaded contrivance:
// CPU 1 then takes CPU 0's IPI nested, so that the wait can end.)
void nested_call(void* info) {
  auto* n = static_cast<Nested*>(info);
  Fixture& f = *n->f;
  f.p.timeouts_to_report = 1;
  f.p.on_wait = [](ManualPlatform& p) { p.take_interrupts(1); };
  f.p.as_cpu(0, [&] { REQUIRE(f.x.smp_xcall(1, probe, n->inner, XCALL_TYPE_SYNC) == 0); });
}
}  // namespace

TEST_CASE("SEM-30: a target busy with another csd is reported as handling a prior request",
          "[xcall]") {
  Fixture f(4, Profile::Seed, /*debug=*/true);
  Probe inner = f.make_probe(1);
  Nested nested{&f, &inner};
  f.p.as_cpu(2, [&] { REQUIRE(f.x.smp_xcall(1, nested_call, &nested, XCALL_TYPE_SYNC) == 0); });
  REQUIRE(f.p.reports.size() == 2);
  const CsdLockReport& r = f.p.reports[0];
  CHECK(r.phase == CsdLockPhase::Stuck);
  CHECK(r.waiter_cpu == 0);
  CHECK(r.target_cpu == 1);
  CHECK(r.activity == TargetActivity::HandlingPrior);
  CHECK(r.cur_csd == identity(&f.state.cfd_csd(2, 1)));
  CHECK(r.cur_func == identity(&nested_call));
  CHECK(r.cur_info == identity(&nested));
  CHECK_FALSE(r.ipi_resent);
  CHECK(f.p.reports[1].phase == CsdLockPhase::Unstuck);
  CHECK(f.runs_of(1) == 1);
}

TEST_CASE("SEM-30: the debug route fields and cur_csd record are kept only with debugging on",
          "[xcall]") {
  for (bool debug : {false, true}) {
    Fixture f(4, Profile::Seed, debug);
    Probe pr = f.make_probe(1);
    REQUIRE(f.x.smp_xcall(2, probe, &pr, XCALL_TYPE_SYNC) == 0);
    Csd& csd = f.state.cfd_csd(0, 2);
    CHECK(f.p.load_relaxed(csd.node.src) == 0);
    CHECK(f.p.load_relaxed(csd.node.dst) == (debug ? 2 : 0));
    CHECK(f.p.load_acquire(f.state.cpu(2).record.cur_csd) == nullptr);
  }
}
