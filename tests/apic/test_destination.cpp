// Destination resolution: shorthands, physical, broadcast, xAPIC logical flat
// and cluster, x2APIC logical cluster (SEMANTICS 50-54).
#include <catch2/catch.hpp>

#include "apic_rig.hpp"

using namespace xcallsim::apic;
using namespace xcallsim::apic::test;

namespace {

const Shape kSmt{1, 4, 2, 0};  // 8 CPUs; APIC ids are not CPU numbers (siblings last)

Icr to_dest(std::uint32_t dest, DestMode dm, std::uint8_t vector = 0xFC) {
  Icr icr;
  icr.vector = vector;
  icr.dest = dest;
  icr.dest_mode = dm;
  return icr;
}

}  // namespace

TEST_CASE("SEM-52: physical destination is the target's APIC id", "[unit]") {
  for (auto mode : {ApicMode::XApic, ApicMode::X2Apic}) {
    Rig rig(mode, kSmt);
    const int target = 5;  // a thread-1 sibling
    REQUIRE(rig.topology.apic_id(target) != static_cast<std::uint32_t>(target));
    const SendResult r = rig.write(0, 0, to_dest(rig.topology.apic_id(target), DestMode::Physical));
    CHECK(r.messages == 1);
    rig.settle();
    CHECK(rig.holding(0xFC) == std::vector<int>{target});

    // An id no CPU has: the write is accepted and reaches no one.
    const SendResult lost = rig.write(0, 1, to_dest(0x80, DestMode::Physical, 0xFB));
    CHECK(lost.status == SendStatus::Sent);
    CHECK(lost.messages == 0);
    CHECK(rig.apic.counters(0).unroutable_writes == 1);
    rig.settle();
    CHECK(rig.holding(0xFB).empty());
  }
}

TEST_CASE("SEM-52: physical broadcast 0xFF / 0xFFFFFFFF reaches every CPU, sender included",
          "[unit]") {
  const std::vector<int> all{0, 1, 2, 3, 4, 5, 6, 7};
  Rig xapic(ApicMode::XApic, kSmt);
  CHECK(xapic.write(3, 0, to_dest(kXApicBroadcast, DestMode::Physical)).messages == 8);
  xapic.settle();
  CHECK(xapic.holding(0xFC) == all);

  Rig x2apic(ApicMode::X2Apic, kSmt);
  CHECK(x2apic.write(3, 0, to_dest(kX2ApicBroadcast, DestMode::Physical)).messages == 8);
  // In x2APIC 0xFF is an ordinary (here: absent) id, not a broadcast.
  CHECK(x2apic.write(3, 0, to_dest(0xFF, DestMode::Physical, 0xFB)).messages == 0);
  x2apic.settle();
  CHECK(x2apic.holding(0xFC) == all);
}

TEST_CASE("SEM-51: x2APIC logical destination 0xFFFFFFFF is a broadcast too", "[unit]") {
  Rig rig(ApicMode::X2Apic, Shape{2, 16, 1, 0});
  CHECK(rig.write(0, 0, to_dest(kX2ApicBroadcast, DestMode::Logical)).messages == 32);
}

TEST_CASE("SEM-50: shorthands ignore the destination field", "[unit]") {
  for (auto mode : {ApicMode::XApic, ApicMode::X2Apic}) {
    Rig rig(mode, kSmt);
    Icr icr;
    icr.dest = rig.topology.apic_id(6);  // must be ignored
    icr.vector = 0xF6;
    icr.shorthand = Shorthand::Self;
    rig.write(2, 0, icr);
    icr.vector = 0xFD;
    icr.shorthand = Shorthand::AllIncludingSelf;
    rig.write(2, 0, icr);
    icr.vector = 0xFC;
    icr.shorthand = Shorthand::AllExcludingSelf;
    rig.write(2, 0, icr);
    rig.settle();
    CHECK(rig.holding(0xF6) == std::vector<int>{2});
    CHECK(rig.holding(0xFD) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
    CHECK(rig.holding(0xFC) == std::vector<int>{0, 1, 3, 4, 5, 6, 7});
  }
}

TEST_CASE("SEM-53: xAPIC logical flat matches MDA & LDR, and LDR defaults to 1 << cpu", "[unit]") {
  Rig rig(ApicMode::XApic, kSmt);
  auto& apic = rig.apic;
  for (int cpu = 0; cpu < 8; ++cpu) {
    CHECK(apic.ldr(cpu) == (1U << cpu) << 24);
    CHECK(apic.dfr(cpu) == kDfrFlat);
  }
  // Linux 32-bit default_send_IPI_mask_logical: one write, 8-bit bitmap.
  CHECK(rig.write(7, 0, to_dest(0x05, DestMode::Logical)).messages == 2);
  rig.settle();
  CHECK(rig.holding(0xFC) == std::vector<int>{0, 2});

  // A software-written LDR with two bits answers to either.
  REQUIRE(apic.write_ldr(6, 0x81U << 24));
  CHECK(apic.ldr(6) == 0x81U << 24);
  rig.write(7, 1, to_dest(0x01, DestMode::Logical, 0xFB));
  rig.settle();
  CHECK(rig.holding(0xFB) == std::vector<int>{0, 6});
}

TEST_CASE("SEM-53: xAPIC logical cluster: MDA[7:4] is the cluster, MDA[3:0] a bitmap", "[unit]") {
  Rig rig(ApicMode::XApic, kSmt);
  auto& apic = rig.apic;
  for (int cpu = 0; cpu < 8; ++cpu) {
    REQUIRE(apic.write_dfr(cpu, kDfrCluster));
    const std::uint32_t id = static_cast<std::uint32_t>((cpu / 4) << 4 | 1 << (cpu % 4));
    REQUIRE(apic.write_ldr(cpu, id << 24));
  }
  CHECK(apic.dfr(0) == kDfrCluster);
  rig.write(0, 0, to_dest(0x13, DestMode::Logical));        // cluster 1, members 0 and 1
  rig.write(0, 0, to_dest(0x0C, DestMode::Logical, 0xFB));  // cluster 0, members 2 and 3
  rig.settle();
  CHECK(rig.holding(0xFC) == std::vector<int>{4, 5});
  CHECK(rig.holding(0xFB) == std::vector<int>{2, 3});
}

TEST_CASE("SEM-54: one x2APIC cluster write reaches the selected CPUs of one cluster", "[unit]") {
  Rig rig(ApicMode::X2Apic, Shape{2, 8, 2, 0});  // 32 CPUs, cluster = socket
  const auto& topo = rig.topology;
  const std::vector<int> chosen{9, 12, 25};  // all on socket 1
  std::uint32_t dest = 0;
  for (int cpu : chosen) {
    CHECK(topo.x2apic_logical_id(cpu) >> 16 == topo.x2apic_logical_id(chosen[0]) >> 16);
    dest |= topo.x2apic_logical_id(cpu);  // as x2apic_cluster ORs the logical ids
  }
  const SendResult r = rig.write(0, 0, to_dest(dest, DestMode::Logical));
  CHECK(r.messages == 3);
  rig.settle();
  CHECK(rig.holding(0xFC) == chosen);  // same bitmap bits in cluster 0 are not touched

  // The messages are sequenced in CPU order, not bitmap (APIC id) order.
  std::vector<int> order;
  for (const Event& e : rig.of_kind(EventKind::Accepted)) order.push_back(e.cpu);
  CHECK(order == chosen);

  // LDR is derived and read-only in x2APIC; there is no DFR.
  CHECK(rig.apic.ldr(25) == topo.x2apic_logical_id(25));
  CHECK_FALSE(rig.apic.write_ldr(25, 0));
  CHECK_FALSE(rig.apic.write_dfr(25, kDfrFlat));
  CHECK(rig.apic.ldr(25) == topo.x2apic_logical_id(25));

  // A cluster that does not exist reaches no one.
  CHECK(rig.write(0, 1, to_dest(0x00070001, DestMode::Logical)).messages == 0);
}
