// Priority classes, TPR/PPR, dispatch and EOI (SEMANTICS 33, 46, 47, 48, 49).
#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

namespace {

// Puts `vector` into CPU 1's IRR (sent by CPU 0, delivered at once).
void pend(Rig& rig, std::uint8_t vector) {
  rig.send(0, 0, 1, vector);
  rig.settle();
}

}  // namespace

TEST_CASE("SEM-47: PPR is TPR when TPR's class >= ISRV's class, else ISRV's class", "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  CHECK(apic.ppr(1) == 0);  // nothing in service, TPR 0

  apic.write_tpr(1, 0x35);
  CHECK(apic.ppr(1) == 0x35);  // ISR empty: ISRV = 0

  pend(rig, 0x47);
  REQUIRE(apic.acknowledge(1, 10) == 0x47);
  CHECK(apic.ppr(1) == 0x40);  // ISRV class 4 > TPR class 3: PPR[3:0] = 0

  apic.write_tpr(1, 0x4B);
  CHECK(apic.ppr(1) == 0x4B);  // equal classes: TPR wins
  apic.write_tpr(1, 0x61);
  CHECK(apic.ppr(1) == 0x61);
  CHECK(apic.tpr(1) == 0x61);

  apic.write_eoi(1, 20);
  apic.write_tpr(1, 0);
  CHECK(apic.ppr(1) == 0);
}

TEST_CASE("SEM-47: a vector is deliverable only when its class exceeds PPR's class", "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  apic.write_tpr(1, 0x40);
  pend(rig, 0x4F);
  CHECK(apic.highest_deliverable(1) == -1);  // class 4 == class 4
  CHECK(apic.acknowledge(1, 5) == -1);
  CHECK(apic.irr(1).test(0x4F));  // still pending

  pend(rig, 0x50);
  CHECK(apic.highest_deliverable(1) == 0x50);

  apic.write_tpr(1, 0xF0);  // TPR 15 inhibits every vectored interrupt
  CHECK(apic.highest_deliverable(1) == -1);
  pend(rig, 0xFD);
  CHECK(apic.highest_deliverable(1) == -1);

  apic.write_tpr(1, 0x00);
  CHECK(apic.highest_deliverable(1) == 0xFD);
}

TEST_CASE("SEM-48: a higher class preempts a running handler, a same class waits for EOI",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  pend(rig, 0x41);
  REQUIRE(apic.acknowledge(1, 1) == 0x41);  // handler for 0x41 running

  pend(rig, 0x45);
  CHECK(apic.highest_deliverable(1) == -1);  // same class: waits

  pend(rig, 0x61);
  CHECK(apic.highest_deliverable(1) == 0x61);  // higher class: nests
  REQUIRE(apic.acknowledge(1, 2) == 0x61);
  CHECK(apic.isr(1).test(0x41));
  CHECK(apic.isr(1).test(0x61));
  CHECK(apic.ppr(1) == 0x60);

  apic.write_eoi(1, 3);                      // nested handler done
  CHECK(apic.highest_deliverable(1) == -1);  // 0x41 still in service
  apic.write_eoi(1, 4);
  CHECK(apic.highest_deliverable(1) == 0x45);
}

TEST_CASE("SEM-32: RESCHEDULE > CALL_FUNCTION > CALL_FUNCTION_SINGLE within class 0xF", "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  for (std::uint8_t v : {0xFB, 0xFC, 0xFD}) pend(rig, v);

  std::vector<int> order;
  for (int step = 0; step < 3; ++step) {
    const int v = apic.acknowledge(1, static_cast<Time>(step));
    REQUIRE(v >= 0);
    order.push_back(v);
    // Same class: nothing else is deliverable until this handler's EOI.
    CHECK(apic.highest_deliverable(1) == -1);
    apic.write_eoi(1, static_cast<Time>(step));
  }
  CHECK(order == std::vector<int>{0xFD, 0xFC, 0xFB});
}

TEST_CASE("SEM-49: EOI clears the highest ISR bit and recomputes PPR", "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  pend(rig, 0x31);
  REQUIRE(apic.acknowledge(1, 1) == 0x31);
  pend(rig, 0x82);
  REQUIRE(apic.acknowledge(1, 2) == 0x82);
  CHECK(apic.ppr(1) == 0x80);

  apic.write_eoi(1, 3);
  CHECK_FALSE(apic.isr(1).test(0x82));
  CHECK(apic.isr(1).test(0x31));
  CHECK(apic.ppr(1) == 0x30);

  apic.write_eoi(1, 4);
  CHECK(apic.isr(1).empty());
  CHECK(apic.ppr(1) == 0);
  CHECK(apic.counters(1).eois == 2);

  apic.write_eoi(1, 5);  // nothing in service: ignored, counted
  CHECK(apic.counters(1).eois == 2);
  CHECK(apic.counters(1).eoi_ignored == 1);
}

TEST_CASE("SEM-33: with EOI at handler entry, a same-vector IPI during the handler is taken next",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  pend(rig, 0xFC);
  REQUIRE(apic.acknowledge(1, 1) == 0xFC);
  apic.write_eoi(1, 1);  // sysvec_call_function: apic_eoi() first
  pend(rig, 0xFC);       // arrives while the handler body runs
  CHECK(apic.counters(1).coalesced == 0);
  CHECK(apic.highest_deliverable(1) == 0xFC);
  CHECK(apic.acknowledge(1, 2) == 0xFC);
}

TEST_CASE("SEM-47: acknowledge_vector dispatches a chosen pending vector above PPR only",
          "[unit]") {
  Rig rig(ApicMode::XApic);
  auto& apic = rig.apic;
  CHECK_FALSE(apic.acknowledge_vector(1, 5, 0x51));  // not pending: nothing changes
  CHECK(apic.isr(1).highest() == -1);

  pend(rig, 0x51);
  pend(rig, 0x91);  // arrived after the CPU chose 0x51 from an older view
  REQUIRE(apic.acknowledge_vector(1, 6, 0x51));
  CHECK(apic.isr(1).test(0x51));
  CHECK_FALSE(apic.irr(1).test(0x51));
  CHECK(apic.highest_deliverable(1) == 0x91);  // the higher class can still nest

  pend(rig, 0x52);  // class 5 == ISR's class 5: masked by PPR
  CHECK_FALSE(apic.acknowledge_vector(1, 7, 0x52));
  CHECK(apic.irr(1).test(0x52));
  CHECK(apic.counters(1).dispatched == 1);
}
