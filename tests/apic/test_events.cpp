// The listener stream, the re-entrancy rule, hostile input and determinism.
#include <stdexcept>

#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

namespace {

// Deterministic pseudo-random words (no host entropy in tests).
struct Lcg {
  std::uint64_t state;
  std::uint32_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state >> 32);
  }
};

// Drives a controller with arbitrary ICR words and receiver actions; returns
// the event stream flattened to numbers.
std::vector<std::uint64_t> hostile_run(ApicMode mode, std::uint64_t seed) {
  Rig rig(mode, Shape{2, 4, 2, 2});
  Lcg rng{seed};
  auto& apic = rig.apic;
  for (int step = 0; step < 4000; ++step) {
    const Time t = static_cast<Time>(step) * 37;
    const int cpu = static_cast<int>(rng.next() % 16);
    std::uint32_t lo = rng.next();
    std::uint32_t hi = rng.next();
    if (step % 3 == 0) hi = mode == ApicMode::XApic ? (hi & 0x0F000000U) : (hi & 0x0001000FU);
    apic.write_icr(cpu, t, lo, hi);
    apic.advance_to(t);
    if (apic.highest_deliverable(cpu) >= 0) apic.acknowledge(cpu, t);
    if (rng.next() % 2) apic.write_eoi(cpu, t);
    if (rng.next() % 7 == 0) apic.write_tpr(cpu, static_cast<std::uint8_t>(rng.next()));
    apic.take_nmi(cpu);
    apic.take_init(cpu);
    apic.take_sipi(cpu);
    // Invariant: the APIC never sets an IRR or ISR bit below 16.
    REQUIRE((apic.irr(cpu).words()[0] & 0xFFFF) == 0);
    REQUIRE((apic.isr(cpu).words()[0] & 0xFFFF) == 0);
  }
  rig.settle();
  std::vector<std::uint64_t> flat;
  for (const Event& e : rig.events) {
    flat.insert(flat.end(), {static_cast<std::uint64_t>(e.kind), e.time,
                             static_cast<std::uint64_t>(e.cpu), static_cast<std::uint64_t>(e.peer),
                             static_cast<std::uint64_t>(e.vector), e.seq, e.arrival, e.esr_bits});
  }
  return flat;
}

}  // namespace

TEST_CASE("SEM-48: the listener sees write, send, accept, coalesce, dispatch and EOI in order",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  const Time lat = delivery(Distance::SameSocket);
  rig.send(0, 10, 2, 0xFC);
  rig.send(1, 10, 2, 0xFC);
  rig.settle();
  REQUIRE(apic.acknowledge(2, 500) == 0xFC);
  apic.write_eoi(2, 510);

  std::vector<EventKind> kinds;
  for (const Event& e : rig.events) kinds.push_back(e.kind);
  CHECK(kinds == std::vector<EventKind>{EventKind::IcrWrite, EventKind::MessageSent,
                                        EventKind::IcrWrite, EventKind::MessageSent,
                                        EventKind::Accepted, EventKind::Coalesced,
                                        EventKind::Dispatched, EventKind::Eoi});
  const Event& write = rig.events[0];
  CHECK((write.cpu == 0 && write.time == 10 && write.messages == 1 && write.vector == 0xFC));
  const Event& sent = rig.events[1];
  CHECK((sent.cpu == 0 && sent.peer == 2 && sent.arrival == 10 + lat));
  const Event& accepted = rig.events[4];
  CHECK((accepted.cpu == 2 && accepted.peer == 0 && accepted.time == 10 + lat));
  CHECK(accepted.seq == sent.seq);  // a flow arrow from send to delivery
  const Event& coalesced = rig.events[5];
  CHECK((coalesced.cpu == 2 && coalesced.peer == 1 && coalesced.seq == rig.events[3].seq));
  CHECK((rig.events[6].time == 500 && rig.events[6].vector == 0xFC));
  CHECK((rig.events[7].time == 510 && rig.events[7].vector == 0xFC && !rig.events[7].level));
}

TEST_CASE("SEM-48: the listener may read the controller but not change it", "[unit]") {
  Rig rig(ApicMode::X2Apic);
  auto& apic = rig.apic;
  bool saw_irr = false;
  apic.set_listener([&](const Event& e) {
    if (e.kind == EventKind::Accepted) saw_irr = apic.irr(e.cpu).test(0xFC);  // const: fine
  });
  rig.send(0, 0, 1, 0xFC);
  rig.settle();
  CHECK(saw_irr);

  apic.set_listener([&](const Event&) { apic.write_tpr(0, 0x10); });
  CHECK_THROWS_AS(rig.send(0, 0, 1, 0xFC), std::logic_error);
  apic.set_listener(nullptr);
  CHECK(rig.send(0, 1, 1, 0xFB).status == SendStatus::Sent);  // usable afterwards
}

TEST_CASE("SEM-50: out-of-range CPUs throw and arbitrary ICR words never break invariants",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  CHECK_THROWS_AS(apic.write_icr(4, 0, 0xFC, 0), std::out_of_range);
  CHECK_THROWS_AS(apic.write_icr(-1, 0, 0xFC, 0), std::out_of_range);
  CHECK_THROWS_AS(apic.acknowledge(7, 0), std::out_of_range);
  CHECK_THROWS_AS(apic.irr(4), std::out_of_range);
  CHECK_THROWS_AS(apic.raise_external(9, 0, 0x40), std::out_of_range);
  CHECK(apic.in_flight() == 0);

  CHECK_FALSE(hostile_run(ApicMode::XApic, 1).empty());
  CHECK_FALSE(hostile_run(ApicMode::X2Apic, 2).empty());
}

TEST_CASE("SEM-48: the same calls give the same event stream", "[unit]") {
  CHECK(hostile_run(ApicMode::XApic, 42) == hostile_run(ApicMode::XApic, 42));
  CHECK(hostile_run(ApicMode::X2Apic, 7) == hostile_run(ApicMode::X2Apic, 7));
}

TEST_CASE("SEM-36: a 1024-CPU x2APIC all-but-self write reaches 1023 CPUs", "[unit]") {
  Rig rig(ApicMode::X2Apic, Shape{4, 128, 2, 8});
  REQUIRE(rig.apic.cpu_count() == 1024);
  const SendResult r = rig.shorthand(17, 0, Shorthand::AllExcludingSelf, 0xFC);
  CHECK(r.messages == 1023);
  CHECK(rig.apic.in_flight() == 1023);
  rig.settle();
  CHECK(rig.holding(0xFC).size() == 1023);
  CHECK_FALSE(rig.apic.irr(17).test(0xFC));
  CHECK(rig.apic.counters(17).messages_sent == 1023);
}
