// SEMANTICS 2.4, items 12-15: single-target calls (upstream entry points).
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

namespace {
std::vector<TraceKind> kinds_of(const ManualPlatform& p, std::initializer_list<TraceKind> wanted) {
  std::vector<TraceKind> out;
  for (const auto& r : p.events)
    for (TraceKind k : wanted)
      if (r.ev.kind == k) out.push_back(k);
  return out;
}
}  // namespace

TEST_CASE("SEM-12: generic_exec_single runs self inline, rejects offline, queues remote",
          "[xcall]") {
  Fixture f(4, Profile::Upstream);
  Probe pr = f.make_probe(1);
  SECTION("self: unlock first, then func with IRQs disabled; no IPI") {
    REQUIRE(f.x.smp_call_function_single(0, probe, &pr, 1) == 0);
    REQUIRE(f.runs.size() == 1);
    CHECK(f.runs[0].cpu == 0);
    CHECK(f.runs[0].irqs_off);
    CHECK_FALSE(f.p.irqs_disabled());
    CHECK(f.p.ipis.empty());
    CHECK(kinds_of(f.p, {TraceKind::CsdUnlock, TraceKind::FuncEntry}) ==
          std::vector<TraceKind>{TraceKind::CsdUnlock, TraceKind::FuncEntry});
  }
  SECTION("offline or invalid target: csd unlocked, -ENXIO") {
    f.p.at(3).online = false;
    CHECK(f.x.smp_call_function_single(3, probe, &pr, 1) == -kENXIO);
    CHECK(f.x.smp_call_function_single(9, probe, &pr, 0) == -kENXIO);
    CHECK(f.flags(f.state.cpu(0).csd_data) == 0);
    CHECK(f.runs.empty());
  }
  SECTION("remote: queued and sent") {
    REQUIRE(f.x.smp_call_function_single(2, probe, &pr, 0) == 0);
    CHECK_FALSE(f.queue_empty(2));
    CHECK(f.p.ipis.size() == 1);
  }
}

TEST_CASE("SEM-13: smp_call_function_single warns on IRQs off and !in_task, stack vs csd_data",
          "[xcall]") {
  Fixture f(4, Profile::Upstream);
  Probe pr = f.make_probe(1);
  SECTION("csd placement: on-stack SYNC csd, per-CPU csd_data for !wait") {
    REQUIRE(f.x.smp_call_function_single(1, probe, &pr, 1) == 0);
    REQUIRE(f.x.smp_call_function_single(1, probe, &pr, 0) == 0);
    const auto queued = f.p.events_of(TraceKind::CsdQueue);
    REQUIRE(queued.size() == 2);
    CHECK(queued[0].ev.csd_kind == CsdKind::Stack);
    CHECK(queued[0].ev.csd_owner == 0);
    CHECK(queued[0].ev.csd_type == CSD_TYPE_SYNC);
    CHECK(queued[1].ev.csd_kind == CsdKind::CsdData);
    CHECK(queued[1].ev.csd_owner == 0);
    CHECK(queued[1].ev.csd_type == CSD_TYPE_ASYNC);
  }
  SECTION("warnings") {
    f.p.at(0).irqs_off = true;
    f.x.smp_call_function_single(1, probe, &pr, 1);
    CHECK(f.p.warned(Warning::IrqsDisabled) == 1);
    CHECK(f.p.warnings.back().style == WarnStyle::WarnOnce);
    f.p.at(0).irqs_off = false;
    f.p.at(0).in_task = false;
    f.x.smp_call_function_single(1, probe, &pr, 1);
    CHECK(f.p.warned(Warning::NotInTask) == 1);
  }
}

TEST_CASE("SEM-14: smp_call_function_single_async: -EBUSY while locked, self inline", "[xcall]") {
  Fixture f(4, Profile::Upstream);
  Csd csd{};
  Probe pr = f.make_probe(1, &csd);
  f.x.csd_init(&csd, probe, &pr, CSD_TYPE_SYNC);  // type is overwritten: always ASYNC
  REQUIRE(f.x.smp_call_function_single_async(1, &csd) == 0);
  CHECK(f.flags(csd) == CSD_FLAG_LOCK);
  CHECK(f.x.smp_call_function_single_async(1, &csd) == -kEBUSY);
  CHECK(f.p.warnings.empty());
  f.p.deliver_all();
  CHECK(f.flags(csd) == 0);
  f.p.at(0).irqs_off = true;  // allowed with IRQs disabled
  REQUIRE(f.x.smp_call_function_single_async(0, &csd) == 0);
  CHECK(f.cpus_run(1) == std::vector<int>{1, 0});
  CHECK(f.p.warnings.empty());
}

TEST_CASE("SEM-15: smp_call_function_any picks self, this node, any online, else -ENXIO",
          "[xcall]") {
  Fixture f(6, Profile::Seed);  // upstream entry point: profile-independent
  f.p.at(3).node = f.p.at(4).node = f.p.at(5).node = 1;
  Probe pr = f.make_probe(1);
  auto pick = [&](Mask m, int caller) {
    f.runs.clear();
    int ret = 0;
    f.p.as_cpu(caller, [&] { ret = f.x.smp_call_function_any(&m, probe, &pr, 1); });
    return ret == 0 ? f.runs.at(0).cpu : ret;
  };
  CHECK(pick(Mask::of(3) | Mask::of(4), 4) == 4);
  CHECK(pick(Mask::of(1) | Mask::of(5) | Mask::of(4), 3) == 4);
  f.p.at(4).online = false;
  CHECK(pick(Mask::of(1) | Mask::of(5) | Mask::of(4), 3) == 5);
  CHECK(pick(Mask::of(2) | Mask::of(1), 3) == 1);
  CHECK(pick(Mask::of(4), 3) == -kENXIO);
}
