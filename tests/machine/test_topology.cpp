// Topology: Linux CPU order, firmware APIC IDs, reverse map, distances, NUMA.
#include "fixtures.hpp"

using namespace xcallsim::machine;
using namespace xcallsim::machine::testing;

TEST_CASE("2x12x2 (Haswell-EP): Linux CPU order and firmware APIC IDs", "[unit]") {
  const Topology topo(shape(2, 12, 2, 0, ApicMode::XApic));
  REQUIRE(topo.cpu_count() == 48);
  // cpu = thread * 24 + socket * 12 + core; id = socket << 5 | core << 1 | thread.
  CHECK(topo.apic_id(0) == 0);
  CHECK(topo.apic_id(1) == 2);
  CHECK(topo.apic_id(11) == 22);
  CHECK(topo.apic_id(12) == 32);  // 12 cores need 4 core bits: IDs 24..31 are holes
  CHECK(topo.apic_id(23) == 54);
  CHECK(topo.apic_id(24) == 1);  // thread 1 of core 0
  CHECK(topo.apic_id(47) == 55);
  CHECK(topo.max_apic_id() == 55);
  const CpuPlace& p = topo.place(38);  // thread 1, socket 1, core 2
  CHECK(p.socket == 1);
  CHECK(p.core == 14);
  CHECK(p.thread == 1);
  CHECK(p.node == 1);
  CHECK(p.ccx == 1);  // no CCX level: the socket
}

TEST_CASE("the APIC id reverse map round-trips and has holes", "[unit]") {
  const auto [sockets, cores, threads] = GENERATE(std::tuple{2, 12, 2}, std::tuple{3, 6, 1},
                                                  std::tuple{1, 5, 3}, std::tuple{2, 256, 2});
  const Topology topo(shape(sockets, cores, threads));
  CAPTURE(sockets, cores, threads);
  REQUIRE(topo.cpu_count() == sockets * cores * threads);
  int found = 0;
  for (std::uint32_t id = 0; id <= topo.max_apic_id() + 2; ++id) {
    if (const auto cpu = topo.cpu_of_apic_id(id)) {
      CHECK(topo.apic_id(*cpu) == id);
      ++found;
    }
  }
  CHECK(found == topo.cpu_count());
  CHECK_FALSE(topo.cpu_of_apic_id(0xFFFF'FFFFU).has_value());
}

TEST_CASE("non-power-of-two counts leave APIC id holes", "[unit]") {
  const Topology topo(shape(3, 6, 1));
  CHECK(topo.apic_id(5) == 5);
  CHECK(topo.apic_id(6) == 8);    // socket 1 starts at 1 << 3
  CHECK(topo.apic_id(17) == 21);  // socket 2, core 5
  CHECK_FALSE(topo.cpu_of_apic_id(6).has_value());
  CHECK_FALSE(topo.cpu_of_apic_id(7).has_value());
  CHECK(topo.cpu_of_apic_id(8) == 6);
}

TEST_CASE("x2APIC logical ids: cluster in [31:16], one bit per member", "[unit]") {
  const Topology topo(shape(2, 12, 2));
  CHECK(topo.apic_id(38) == 0x25);
  CHECK(topo.x2apic_logical_id(38) == ((0x2U << 16) | (1U << 5)));
  CHECK(topo.x2apic_logical_id(0) == 1U);
  CHECK(topo.x2apic_logical_id(47) == ((0x3U << 16) | (1U << 7)));  // id 55 = 0x37
}

TEST_CASE("distance classes without a CCX level", "[unit]") {
  const Topology topo(shape(2, 12, 2));
  CHECK(topo.distance(5, 5) == Distance::Self);
  CHECK(topo.distance(0, 24) == Distance::SmtSibling);
  CHECK(topo.distance(35, 11) == Distance::SmtSibling);
  CHECK(topo.distance(0, 11) == Distance::SameSocket);
  CHECK(topo.distance(0, 35) == Distance::SameSocket);  // another core's sibling
  CHECK(topo.distance(0, 12) == Distance::CrossSocket);
  CHECK(topo.distance(24, 47) == Distance::CrossSocket);
  for (int a = 0; a < topo.cpu_count(); ++a) {
    for (int b = 0; b < topo.cpu_count(); ++b) {
      REQUIRE(topo.distance(a, b) == topo.distance(b, a));
      REQUIRE(topo.distance(a, b) != Distance::SameCcx);
    }
  }
}

TEST_CASE("distance classes with CCXs", "[unit]") {
  const Topology topo(shape(2, 16, 2, 8));
  CHECK(topo.place(7).ccx == 0);
  CHECK(topo.place(8).ccx == 1);
  CHECK(topo.place(16).ccx == 2);  // socket 1, first CCX
  CHECK(topo.distance(0, 7) == Distance::SameCcx);
  CHECK(topo.distance(0, 39) == Distance::SameCcx);  // sibling of core 7
  CHECK(topo.distance(0, 8) == Distance::SameSocket);
  CHECK(topo.distance(0, 32) == Distance::SmtSibling);
  CHECK(topo.distance(0, 16) == Distance::CrossSocket);
  CHECK(to_string(Distance::SameCcx) == "ccx");
}

TEST_CASE("NUMA: node = socket, SLIT defaults 10/20, explicit matrix kept", "[unit]") {
  MachineConfig m = shape(2, 2, 1);
  const Topology plain(m);
  CHECK(plain.node_count() == 2);
  CHECK(plain.node(3) == 1);
  CHECK(plain.numa_distance(0, 0) == 10);
  CHECK(plain.numa_distance(0, 1) == 20);
  m.topology.numa_distance = {{10, 32}, {32, 10}};
  const Topology slit(m);
  CHECK(slit.numa_distance(1, 0) == 32);
  CHECK_THROWS_AS(slit.numa_distance(2, 0), std::out_of_range);
}

TEST_CASE("Topology rejects impossible programmatic configs", "[unit]") {
  CHECK_THROWS_AS(Topology(shape(0, 4, 1)), std::invalid_argument);
  CHECK_THROWS_AS(Topology(shape(1, 6, 1, 4)), std::invalid_argument);
  CHECK_THROWS_AS(Topology(shape(2, 64, 2, 0, ApicMode::XApic)), std::invalid_argument);
  // xAPIC boundary: the highest id may be 0xFE (0xFF is broadcast).
  CHECK(Topology(shape(1, 64, 3, 0, ApicMode::XApic)).max_apic_id() == 0xFE);  // 63 << 2 | 2
  CHECK_THROWS_AS(Topology(shape(1, 64, 4, 0, ApicMode::XApic)), std::invalid_argument);
  MachineConfig m = shape(2, 2, 1);
  m.topology.numa_distance = {{10, 20}, {21, 10}};
  CHECK_THROWS_WITH(Topology(m), Catch::Contains("symmetric"));
}
