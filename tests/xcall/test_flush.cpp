// SEMANTICS 2.6, items 20-23: the receive side.
#include <catch2/catch.hpp>

#include "fixture.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

namespace {

// A typed entry queued straight onto a CPU's queue (as irq_work / ttwu /
// already-locked csds are), so no sender waits.
struct Entry {
  Csd csd{};
  Probe probe;
};

void queue_typed(Fixture& f, Entry& e, int id, int target, uint32_t flags) {
  e.probe = f.make_probe(id, &e.csd);
  f.x.csd_init(&e.csd, probe, &e.probe, flags);
  f.x.smp_call_single_queue(target, &e.csd);
}

struct Requeue {
  Fixture* f;
  Entry* next;
  int target;
};
void requeue(void* info) {
  auto* r = static_cast<Requeue*>(info);
  r->f->runs.push_back(Run{100, r->f->p.this_cpu(), true, false});
  queue_typed(*r->f, *r->next, 101, r->target, CSD_FLAG_LOCK | CSD_TYPE_ASYNC);
}

}  // namespace

TEST_CASE("SEM-20: both call-function vectors drain the same per-CPU queue", "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe a = f.make_probe(1);
  Probe b = f.make_probe(2);
  Mask m = Mask::of(1) | Mask::of(2);
  REQUIRE(f.x.smp_xcall_mask(&m, probe, &a, XCALL_TYPE_ASYNC) == 0);  // 0xfc to 1, 2
  f.p.as_cpu(3, [&] { REQUIRE(f.x.smp_xcall(1, probe, &b, XCALL_TYPE_ASYNC) == 0); });
  f.p.arch_send_call_function_single_ipi(1);  // a stray 0xfb as well
  CHECK(f.p.take_interrupts(1) == 2);
  CHECK(f.cpus_run(1) == std::vector<int>{1});
  CHECK(f.cpus_run(2) == std::vector<int>{1});
  const auto flushes = f.p.events_of(TraceKind::FlushBegin);
  REQUIRE(flushes.size() == 2);
  CHECK(flushes[0].ev.value == 2);  // 0xfc (higher vector) took both entries
  CHECK(flushes[1].ev.value == 0);  // 0xfb found the queue empty: harmless
}

TEST_CASE("SEM-21: one FIFO snapshot: SYNC first, then ASYNC and IRQ_WORK, then TTWU", "[xcall]") {
  Fixture f(4, Profile::Seed);
  Entry e[7];
  const uint32_t sync = CSD_FLAG_LOCK | CSD_TYPE_SYNC;
  const uint32_t async = CSD_FLAG_LOCK | CSD_TYPE_ASYNC;
  SECTION("pass order and unlock points") {
    queue_typed(f, e[0], 1, 1, async);
    queue_typed(f, e[1], 2, 1, CSD_TYPE_TTWU);
    queue_typed(f, e[2], 3, 1, sync);
    queue_typed(f, e[3], 4, 1, CSD_TYPE_IRQ_WORK);
    queue_typed(f, e[4], 5, 1, async);
    queue_typed(f, e[5], 6, 1, sync);
    queue_typed(f, e[6], 7, 1, CSD_TYPE_TTWU);
    CHECK(f.p.ipis.size() == 1);
    f.p.take_interrupts(1);
    std::vector<int> order;
    for (const Run& r : f.runs) order.push_back(r.id);
    CHECK(order == std::vector<int>{3, 6, 1, 4, 5, 2, 7});
    for (const Run& r : f.runs) {
      CHECK(r.cpu == 1);
      CHECK(r.irqs_off);
      CHECK(r.csd_locked == (r.id == 3 || r.id == 6));  // SYNC after, ASYNC before func
    }
    CHECK(f.flags(e[2].csd) == 0);
    CHECK(f.flags(e[0].csd) == 0);
    CHECK(f.flags(e[3].csd) == CSD_TYPE_IRQ_WORK);
    CHECK(f.flags(e[1].csd) == CSD_TYPE_TTWU);
    std::vector<uint8_t> sites;
    for (const auto& r : f.p.events_of(TraceKind::FuncEntry)) sites.push_back(r.ev.detail);
    auto site = [](FuncSite s) { return static_cast<uint8_t>(s); };
    CHECK(sites == std::vector<uint8_t>{site(FuncSite::FlushSync), site(FuncSite::FlushSync),
                                        site(FuncSite::FlushAsync), site(FuncSite::FlushIrqWork),
                                        site(FuncSite::FlushAsync), site(FuncSite::FlushTtwu),
                                        site(FuncSite::FlushTtwu)});
  }
  SECTION("entries queued during a flush wait for a new IPI and a new flush") {
    Entry late;
    Requeue rq{&f, &late, 1};
    f.x.csd_init(&e[0].csd, requeue, &rq, async);
    f.x.smp_call_single_queue(1, &e[0].csd);
    f.p.take_interrupts(1);
    const auto flushes = f.p.events_of(TraceKind::FlushBegin);
    REQUIRE(flushes.size() == 2);
    CHECK(flushes[0].ev.value == 1);
    CHECK(flushes[1].ev.value == 1);
    CHECK(f.p.ipis.size() == 2);
    CHECK(f.runs_of(101) == 1);
  }
  SECTION("an offline CPU warns once per boot, then once per entry") {
    queue_typed(f, e[0], 1, 1, async);
    queue_typed(f, e[1], 2, 1, CSD_TYPE_TTWU);
    f.p.at(1).online = false;
    f.p.take_interrupts(1);
    CHECK(f.p.warned(Warning::IpiOnOfflineCpu) == 1);
    CHECK(f.p.warned(Warning::CallbackOnOfflineCpu) == 1);
    CHECK(f.p.warned(Warning::TtwuOnOfflineCpu) == 1);
    CHECK(f.runs.size() == 2);  // the callbacks still run
    queue_typed(f, e[2], 3, 1, async);
    f.p.take_interrupts(1);
    CHECK(f.p.warned(Warning::IpiOnOfflineCpu) == 1);
    CHECK(f.p.warned(Warning::CallbackOnOfflineCpu) == 1);
  }
}

TEST_CASE("SEM-22: flush_smp_call_function_queue from task context", "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe pr = f.make_probe(1);
  f.p.as_cpu(1, [&] { f.x.flush_smp_call_function_queue(); });
  CHECK(f.p.count(TraceKind::FlushBegin) == 0);  // empty: returns at once
  REQUIRE(f.x.smp_xcall(1, probe, &pr, XCALL_TYPE_ASYNC) == 0);
  f.p.as_cpu(1, [&] { f.x.flush_smp_call_function_queue(); });
  REQUIRE(f.runs.size() == 1);
  CHECK(f.runs[0].irqs_off);
  CHECK_FALSE(f.p.at(1).irqs_off);
  CHECK(f.p.warnings.empty());
}

TEST_CASE("SEM-23: a dying CPU drains its queue without offline warnings", "[xcall]") {
  Fixture f(4, Profile::Seed);
  Probe pr = f.make_probe(1);
  REQUIRE(f.x.smp_xcall(1, probe, &pr, XCALL_TYPE_ASYNC) == 0);
  f.p.at(1).pending.clear();  // the IPI never arrives
  f.p.at(1).online = false;
  f.p.as_cpu(1, [&] {
    const bool irq = f.p.local_irq_save();
    f.x.smpcfd_dying_cpu();
    f.p.local_irq_restore(irq);
  });
  CHECK(f.cpus_run(1) == std::vector<int>{1});
  CHECK(f.p.warnings.empty());
}
