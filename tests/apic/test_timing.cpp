// Timing: delivery latency by distance, the xAPIC busy bit, writes while
// busy, and (time, seq) ordering of arrivals (SEMANTICS 41, 43, 50, 51).
#include <algorithm>
#include <utility>

#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

namespace {

// 2 sockets x 4 cores (CCX of 2) x 2 threads: every Distance occurs from CPU 0.
const Shape kTwoSockets{2, 4, 2, 2};

}  // namespace

TEST_CASE("SEM-50: a message reaches IRR exactly delivery[distance] after the ICR write",
          "[unit]") {
  const std::pair<int, Distance> cases[] = {{0, Distance::Self},
                                            {8, Distance::SmtSibling},
                                            {1, Distance::SameCcx},
                                            {2, Distance::SameSocket},
                                            {4, Distance::CrossSocket}};
  for (auto mode : {ApicMode::XApic, ApicMode::X2Apic}) {
    for (const auto& [target, distance] : cases) {
      Rig rig(mode, kTwoSockets);
      REQUIRE(rig.topology.distance(0, target) == distance);
      const Time t = 1000;
      const Time arrival = t + delivery(distance);
      const SendResult r = rig.send(0, t, target, 0xFB);
      CHECK(r.last_arrival == arrival);
      CHECK(rig.apic.next_arrival() == std::optional<Time>{arrival});

      rig.apic.advance_to(arrival - 1);
      CHECK_FALSE(rig.apic.irr(target).test(0xFB));
      CHECK(rig.apic.in_flight() == 1);
      rig.apic.advance_to(arrival);
      CHECK(rig.apic.irr(target).test(0xFB));
      CHECK(rig.apic.in_flight() == 0);
      CHECK_FALSE(rig.apic.next_arrival().has_value());
      CHECK(rig.of_kind(EventKind::Accepted).at(0).time == arrival);
    }
  }
}

TEST_CASE("SEM-50: the xAPIC busy bit stays set until the write's last message is accepted",
          "[unit]") {
  Rig rig(ApicMode::XApic, kTwoSockets);
  auto& apic = rig.apic;
  const Time t = 1000;
  const Time one = t + delivery(Distance::SameCcx);
  rig.send(0, t, 1, 0xFC);
  CHECK(apic.icr_busy(0, t));
  CHECK(apic.icr_busy(0, one - 1));
  CHECK_FALSE(apic.icr_busy(0, one));
  CHECK(apic.icr_idle_at(0) == one);
  CHECK_FALSE(apic.icr_busy(1, t));  // per sender

  // A broadcast is busy until its farthest (cross-socket) message lands.
  const Time t2 = 5000;
  const SendResult r = rig.shorthand(0, t2, Shorthand::AllExcludingSelf, 0xFD);
  CHECK(r.messages == 15);
  const Time last = t2 + delivery(Distance::CrossSocket);
  CHECK(r.last_arrival == last);
  CHECK(apic.icr_busy(0, last - 1));
  CHECK_FALSE(apic.icr_busy(0, last));
  apic.advance_to(last - 1);
  CHECK(apic.in_flight() > 0);  // the cross-socket messages
  apic.advance_to(last);
  CHECK(apic.in_flight() == 0);
}

TEST_CASE("SEM-51: x2APIC has no delivery status: the ICR is never busy", "[unit]") {
  Rig rig(ApicMode::X2Apic, kTwoSockets);
  rig.shorthand(0, 0, Shorthand::AllExcludingSelf, 0xFD);
  CHECK_FALSE(rig.apic.icr_busy(0, 0));
  CHECK(rig.apic.icr_idle_at(0) == 0);
  CHECK_FALSE(rig.send(0, 1, 4, 0xFC).while_busy);
  CHECK(rig.apic.counters(0).writes_while_busy == 0);
}

TEST_CASE("SEM-41: an ICR write while busy is accepted, counted and reported", "[unit]") {
  Rig rig(ApicMode::XApic, kTwoSockets);
  auto& apic = rig.apic;
  const Time cross = delivery(Distance::CrossSocket);
  CHECK_FALSE(rig.send(0, 0, 4, 0xFC).while_busy);
  const SendResult second = rig.send(0, 100, 8, 0xFB);  // Linux would have waited first
  CHECK(second.status == SendStatus::Sent);
  CHECK(second.while_busy);
  CHECK(apic.counters(0).writes_while_busy == 1);
  CHECK(apic.icr_idle_at(0) == cross);  // the earlier, longer write still pends
  CHECK(rig.of_kind(EventKind::IcrWrite).at(1).while_busy);
  rig.settle();
  CHECK(apic.irr(4).test(0xFC));
  CHECK(apic.irr(8).test(0xFB));
  CHECK_FALSE(rig.send(0, cross, 1, 0xFA).while_busy);  // idle exactly at the arrival
}

TEST_CASE("SEM-50: arrivals apply in (arrival time, sequence) order", "[unit]") {
  Rig rig(ApicMode::X2Apic, kTwoSockets);
  auto& apic = rig.apic;
  rig.send(0, 100, 2, 0x41);  // A: same socket, arrives 400
  rig.send(0, 250, 1, 0x42);  // B: same CCX, arrives 400 too, later sequence
  rig.send(3, 0, 2, 0x43);    // C: written last at an earlier time, arrives 150
  CHECK(apic.next_arrival() == std::optional<Time>{150});
  apic.advance_to(399);
  CHECK(rig.of_kind(EventKind::Accepted).size() == 1);
  apic.advance_to(400);
  std::vector<std::pair<Time, int>> seen;
  for (const Event& e : rig.of_kind(EventKind::Accepted)) seen.emplace_back(e.time, e.vector);
  CHECK(seen == std::vector<std::pair<Time, int>>{{150, 0x43}, {400, 0x41}, {400, 0x42}});
}

TEST_CASE("SEM-36: an all-but-self broadcast lands by distance, then by CPU", "[unit]") {
  Rig rig(ApicMode::XApic, kTwoSockets);
  const int sender = 5;
  rig.shorthand(sender, 0, Shorthand::AllExcludingSelf, 0xFC);
  std::vector<std::pair<Time, int>> expected;
  for (int cpu = 0; cpu < rig.apic.cpu_count(); ++cpu)
    if (cpu != sender) expected.emplace_back(delivery(rig.topology.distance(sender, cpu)), cpu);
  std::sort(expected.begin(), expected.end());
  rig.settle();
  std::vector<std::pair<Time, int>> seen;
  for (const Event& e : rig.of_kind(EventKind::Accepted)) seen.emplace_back(e.time, e.cpu);
  CHECK(seen == expected);
  // Sequence numbers grow in CPU order within the write.
  const auto sent = rig.of_kind(EventKind::MessageSent);
  for (std::size_t i = 1; i < sent.size(); ++i) {
    CHECK(sent[i].seq == sent[i - 1].seq + 1);
    CHECK(sent[i].peer > sent[i - 1].peer);
  }
}

TEST_CASE("SEM-43: the sender pays icr_write, receiver costs are reported but not charged",
          "[unit]") {
  for (auto mode : {ApicMode::XApic, ApicMode::X2Apic}) {
    Rig rig(mode, kTwoSockets);
    CHECK(rig.send(0, 0, 4, 0xFC).cost == test_costs().icr_write);
    CHECK(rig.shorthand(0, 0, Shorthand::AllExcludingSelf, 0xFC).cost == test_costs().icr_write);
    CHECK(rig.apic.costs().entry == test_costs().entry);
    CHECK(rig.apic.costs().exit == test_costs().exit);
    CHECK(rig.apic.costs().eoi == test_costs().eoi);
  }
}
