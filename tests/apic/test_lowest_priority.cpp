// Lowest-priority delivery, xAPIC only (SEMANTICS 51, 52, 56).
#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

namespace {

const Shape kSmt{1, 4, 2, 0};  // CPU 1 has APIC id 2, CPU 4 has APIC id 1

SendResult lowest(Rig& rig, int from, Time t, std::uint8_t mda, std::uint8_t vector) {
  Icr icr;
  icr.vector = vector;
  icr.mode = DeliveryMode::LowestPriority;
  icr.dest_mode = DestMode::Logical;
  icr.dest = mda;
  return rig.write(from, t, icr);
}

}  // namespace

TEST_CASE("SEM-56: lowest priority picks the lowest PPR, ties go to the lowest APIC id", "[unit]") {
  Rig rig(ApicMode::XApic, kSmt);
  auto& apic = rig.apic;
  REQUIRE(rig.topology.apic_id(4) < rig.topology.apic_id(1));
  const std::uint8_t cpus_1_4 = (1U << 1) | (1U << 4);  // default flat LDRs

  // Equal PPRs: the lower APIC id (CPU 4) wins although its CPU number is higher.
  CHECK(lowest(rig, 0, 0, cpus_1_4, 0x41).messages == 1);
  rig.settle();
  CHECK(rig.holding(0x41) == std::vector<int>{4});

  // CPU 4 now runs a class-6 handler: its PPR rises and CPU 1 wins.
  apic.raise_external(4, 1, 0x61);
  rig.settle();
  REQUIRE(apic.acknowledge(4, 2) == 0x61);
  CHECK(lowest(rig, 0, 3, cpus_1_4, 0x42).messages == 1);
  rig.settle();
  CHECK(rig.holding(0x42) == std::vector<int>{1});

  // TPR counts too.
  apic.write_tpr(1, 0x70);
  lowest(rig, 0, 4, cpus_1_4, 0x43);
  rig.settle();
  CHECK(rig.holding(0x43) == std::vector<int>{4});
}

TEST_CASE("SEM-52: lowest priority with a broadcast destination is invalid", "[unit]") {
  Rig rig(ApicMode::XApic, kSmt);
  CHECK(lowest(rig, 0, 0, 0xFF, 0x41).status == SendStatus::InvalidCombination);
  Icr icr;
  icr.vector = 0x41;
  icr.mode = DeliveryMode::LowestPriority;
  icr.dest = kXApicBroadcast;
  CHECK(rig.write(0, 0, icr).status == SendStatus::InvalidCombination);
  CHECK(rig.apic.in_flight() == 0);
}

TEST_CASE("SEM-56: lowest priority to all-excluding-self never picks the sender", "[unit]") {
  Rig rig(ApicMode::XApic, kSmt);
  auto& apic = rig.apic;
  for (int cpu = 1; cpu < 8; ++cpu) apic.write_tpr(cpu, cpu == 6 ? 0x10 : 0x30);
  const SendResult r =
      rig.shorthand(0, 0, Shorthand::AllExcludingSelf, 0x55, DeliveryMode::LowestPriority);
  CHECK(r.status == SendStatus::Sent);
  CHECK(r.messages == 1);
  rig.settle();
  CHECK(rig.holding(0x55) == std::vector<int>{6});  // CPU 0 (TPR 0) is the sender
}
