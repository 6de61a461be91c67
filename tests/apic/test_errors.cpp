// Rejected ICR writes and the ESR (SEMANTICS 46, 50, 51, 55; SDM Table 10-3).
#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

TEST_CASE("SEM-46: a fixed IPI with vector 0-15 sets send-illegal-vector, delivers nothing",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  const SendResult r = rig.send(0, 10, 1, 0x0F);
  CHECK(r.status == SendStatus::IllegalVector);
  CHECK(r.messages == 0);
  CHECK(r.cost == test_costs().icr_write);  // the write itself still costs
  CHECK(apic.in_flight() == 0);
  CHECK_FALSE(apic.icr_busy(0, 10));
  rig.settle();
  CHECK(apic.irr(1).empty());

  // ESR: a write latches the accumulated errors; back-to-back writes clear.
  CHECK(apic.read_esr(0) == 0);
  apic.write_esr(0);
  CHECK(apic.read_esr(0) == kEsrSendIllegalVector);
  CHECK(apic.read_esr(1) == 0);  // nothing at the would-be receiver
  apic.write_esr(0);
  CHECK(apic.read_esr(0) == 0);

  CHECK(apic.counters(0).send_errors == 1);
  CHECK(apic.counters(0).icr_writes == 1);
  const auto errors = rig.of_kind(EventKind::Error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].status == SendStatus::IllegalVector);

  // Shorthands and lowest priority obey the same rule; NMI ignores the vector.
  CHECK(rig.shorthand(0, 11, Shorthand::AllExcludingSelf, 0x02).status ==
        SendStatus::IllegalVector);
  CHECK(rig.send(0, 12, 1, 0x00, DeliveryMode::LowestPriority).status == SendStatus::IllegalVector);
  CHECK(rig.send(0, 13, 1, 0x00, DeliveryMode::Nmi).status == SendStatus::Sent);
}

TEST_CASE("SEM-51: lowest priority is reserved in x2APIC: redirectable-IPI error only", "[unit]") {
  Rig rig(ApicMode::X2Apic);
  auto& apic = rig.apic;
  CHECK(rig.send(0, 0, 1, 0x40, DeliveryMode::LowestPriority).status ==
        SendStatus::RedirectableIpi);
  // With an illegal vector too, only the redirectable bit is set (SDM 10.5.3).
  CHECK(rig.send(0, 1, 1, 0x03, DeliveryMode::LowestPriority).status ==
        SendStatus::RedirectableIpi);
  apic.write_esr(0);
  CHECK(apic.read_esr(0) == kEsrRedirectableIpi);
  CHECK(apic.in_flight() == 0);
}

TEST_CASE("SEM-50: shorthand self / all-including-self accept only fixed delivery", "[unit]") {
  for (auto mode : {ApicMode::XApic, ApicMode::X2Apic}) {
    Rig rig(mode);
    for (auto sh : {Shorthand::Self, Shorthand::AllIncludingSelf}) {
      for (auto dm :
           {DeliveryMode::Nmi, DeliveryMode::Init, DeliveryMode::Smi, DeliveryMode::StartUp}) {
        CHECK(rig.shorthand(0, 0, sh, 0x40, dm).status == SendStatus::InvalidCombination);
      }
      CHECK(rig.shorthand(0, 0, sh, 0x40).status == SendStatus::Sent);
    }
    // All-excluding-self takes every mode (Linux's NMI backtrace uses it).
    for (auto dm : {DeliveryMode::Nmi, DeliveryMode::Init, DeliveryMode::StartUp}) {
      CHECK(rig.shorthand(0, 0, Shorthand::AllExcludingSelf, 0x40, dm).status == SendStatus::Sent);
    }
    CHECK(rig.apic.counters(0).send_errors == 8);
    CHECK(rig.apic.read_esr(0) == 0);
    rig.apic.write_esr(0);
    CHECK(rig.apic.read_esr(0) == 0);  // no ESR bit for these: the SDM calls them undefined
  }
}

TEST_CASE("SEM-50: reserved delivery modes 011 (remote read) and 111 (ExtINT) are rejected",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  CHECK(rig.send(0, 0, 1, 0x40, DeliveryMode::RemoteRead).status == SendStatus::ReservedMode);
  CHECK(rig.send(0, 0, 1, 0x40, DeliveryMode::ExtInt).status == SendStatus::ReservedMode);
  CHECK(rig.apic.in_flight() == 0);
  CHECK(rig.apic.counters(0).send_errors == 2);
}

TEST_CASE("SEM-55: the x2APIC SELF IPI behaves as fixed, edge, shorthand self", "[unit]") {
  Rig rig(ApicMode::X2Apic);
  auto& apic = rig.apic;
  const SendResult r = apic.write_self_ipi(2, 100, 0xF6);  // IRQ_WORK_VECTOR
  CHECK(r.status == SendStatus::Sent);
  CHECK(r.messages == 1);
  CHECK(r.last_arrival == 100 + delivery(Distance::Self));
  rig.settle();
  CHECK(rig.holding(0xF6) == std::vector<int>{2});
  const auto writes = rig.of_kind(EventKind::IcrWrite);
  REQUIRE(writes.size() == 1);
  CHECK(decode_icr(ApicMode::X2Apic, writes[0].icr_lo, writes[0].icr_hi).shorthand ==
        Shorthand::Self);

  CHECK(apic.write_self_ipi(2, 200, 0x0A).status == SendStatus::IllegalVector);
  apic.write_esr(2);
  CHECK(apic.read_esr(2) == kEsrSendIllegalVector);
}

TEST_CASE("SEM-55: the SELF IPI register does not exist in xAPIC mode", "[unit]") {
  Rig rig(ApicMode::XApic);
  CHECK(rig.apic.write_self_ipi(0, 0, 0xF6).status == SendStatus::Unsupported);
  CHECK(rig.apic.in_flight() == 0);
  CHECK(rig.apic.counters(0).send_errors == 1);
}
