// Acceptance at the receiver: IRR coalescing, bypass modes, TMR, receive
// errors (SEMANTICS 46, 48, 49).
#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

TEST_CASE("SEM-48: same-vector IPIs coalesce in IRR", "[unit]") {
  Rig rig(ApicMode::XApic);
  for (int sender : {0, 2, 3}) rig.send(sender, 0, 1, 0xFC);
  rig.send(0, 0, 1, 0xFB);
  rig.settle();

  const Counters& c = rig.apic.counters(1);
  CHECK(rig.apic.irr(1).count() == 2);
  CHECK(c.accepted == 2);
  CHECK(c.coalesced == 2);  // "interrupts lost to IRR coalescing"
  CHECK(rig.apic.coalesced(1, 0xFC) == 2);
  CHECK(rig.apic.coalesced(1, 0xFB) == 0);
  CHECK(rig.of_kind(EventKind::Coalesced).size() == 2);

  // One dispatch for the three 0xFC IPIs.
  CHECK(rig.apic.acknowledge(1, 10) == 0xFC);
  rig.apic.write_eoi(1, 11);
  CHECK(rig.apic.acknowledge(1, 12) == 0xFB);
  rig.apic.write_eoi(1, 13);
  CHECK(rig.apic.acknowledge(1, 14) == -1);
}

TEST_CASE("SEM-48: each vector queues at most one in IRR plus one in ISR", "[unit]") {
  Rig rig(ApicMode::X2Apic);
  auto& apic = rig.apic;
  rig.send(0, 0, 1, 0xFB);
  rig.settle();
  REQUIRE(apic.acknowledge(1, 1) == 0xFB);  // one in service

  for (int i = 0; i < 3; ++i) rig.send(0, 2, 1, 0xFB);
  rig.settle();
  CHECK(apic.isr(1).test(0xFB));
  CHECK(apic.irr(1).test(0xFB));  // one more queued
  CHECK(apic.counters(1).coalesced == 2);
  CHECK(apic.highest_deliverable(1) == -1);  // same vector in service

  apic.write_eoi(1, 3);
  CHECK(apic.acknowledge(1, 4) == 0xFB);
  apic.write_eoi(1, 5);
  CHECK(apic.acknowledge(1, 6) == -1);  // two dispatches for four IPIs
  CHECK(apic.counters(1).dispatched == 2);
}

TEST_CASE("SEM-48: NMI, SMI, INIT and SIPI bypass IRR and ISR", "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  apic.write_tpr(1, 0xFF);  // TPR does not gate bypass deliveries (SEM-47)
  CHECK(rig.send(0, 0, 1, 0x00, DeliveryMode::Nmi).status == SendStatus::Sent);  // vector ignored
  CHECK(rig.send(0, 0, 1, 0x00, DeliveryMode::Smi).status == SendStatus::Sent);
  CHECK(rig.send(0, 0, 1, 0x00, DeliveryMode::Init).status == SendStatus::Sent);
  CHECK(rig.send(0, 0, 1, 0x9A, DeliveryMode::StartUp).status == SendStatus::Sent);
  CHECK_FALSE(apic.take_nmi(1));  // still in flight
  rig.settle();

  CHECK(apic.irr(1).empty());
  CHECK(apic.isr(1).empty());
  CHECK(apic.take_nmi(1));
  CHECK_FALSE(apic.take_nmi(1));  // taken once
  CHECK(apic.take_smi(1));
  CHECK(apic.take_init(1));
  CHECK_FALSE(apic.take_init(1));
  CHECK(apic.take_sipi(1) == std::optional<std::uint8_t>{0x9A});
  CHECK_FALSE(apic.take_sipi(1).has_value());
  CHECK(apic.read_esr(1) == 0);
  const Counters& c = apic.counters(1);
  CHECK((c.nmis == 1 && c.smis == 1 && c.inits == 1 && c.sipis == 1));
  CHECK(rig.of_kind(EventKind::Nmi).size() == 1);
  CHECK(rig.of_kind(EventKind::Sipi).at(0).vector == 0x9A);
  CHECK(rig.of_kind(EventKind::Accepted).empty());
}

TEST_CASE("SEM-48: two NMIs before the host takes one leave a single pending NMI", "[unit]") {
  Rig rig(ApicMode::X2Apic);
  rig.send(0, 0, 2, 0x02, DeliveryMode::Nmi);
  rig.send(1, 0, 2, 0x02, DeliveryMode::Nmi);
  rig.settle();
  CHECK(rig.apic.counters(2).nmis == 2);
  CHECK(rig.apic.take_nmi(2));
  CHECK_FALSE(rig.apic.take_nmi(2));
}

TEST_CASE("SEM-48: a level-triggered interrupt sets TMR and its EOI sends an EOI message",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  apic.raise_external(2, 100, 0x61, Trigger::Level);
  CHECK(apic.next_arrival() == std::optional<Time>{100});
  apic.advance_to(100);
  CHECK(apic.tmr(2).test(0x61));
  CHECK(rig.of_kind(EventKind::Accepted).at(0).peer == -1);  // external
  CHECK(rig.of_kind(EventKind::Accepted).at(0).level);
  REQUIRE(apic.acknowledge(2, 101) == 0x61);
  apic.write_eoi(2, 102);
  CHECK(apic.counters(2).eoi_messages == 1);
  CHECK(rig.of_kind(EventKind::Eoi).at(0).level);

  // IPIs are always edge on Pentium 4 and later: they clear TMR for the vector.
  Icr icr;
  icr.vector = 0x61;
  icr.trigger = Trigger::Level;
  icr.dest = rig.topology.apic_id(2);
  rig.write(0, 200, icr);
  rig.settle();
  CHECK_FALSE(apic.tmr(2).test(0x61));
  REQUIRE(apic.acknowledge(2, 300) == 0x61);
  apic.write_eoi(2, 301);
  CHECK(apic.counters(2).eoi_messages == 1);
}

TEST_CASE("SEM-46: an external vector 0-15 sets receive-illegal-vector and never reaches IRR",
          "[unit]") {
  Rig rig(ApicMode::X2Apic);
  auto& apic = rig.apic;
  apic.raise_external(3, 5, 0x0E);
  rig.settle();
  CHECK(apic.irr(3).empty());
  CHECK(apic.counters(3).receive_errors == 1);
  CHECK(apic.read_esr(3) == 0);  // the ESR must be written before it is read
  apic.write_esr(3);
  CHECK(apic.read_esr(3) == kEsrReceiveIllegalVector);
  const auto errors = rig.of_kind(EventKind::Error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].cpu == 3);
  CHECK(errors[0].esr_bits == kEsrReceiveIllegalVector);

  apic.raise_external(3, 6, 0x10);  // 16 is the first legal vector
  rig.settle();
  CHECK(apic.irr(3).test(0x10));
}
