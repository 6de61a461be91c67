// Machine config loading: the valid schema, defaults, the shipped preset.
#include <fstream>

#include "fixtures.hpp"

using namespace xcallsim::machine;
using namespace xcallsim::machine::testing;

namespace {
constexpr int kSelf = static_cast<int>(Distance::Self);
constexpr int kSmt = static_cast<int>(Distance::SmtSibling);
constexpr int kCcx = static_cast<int>(Distance::SameCcx);
constexpr int kSocket = static_cast<int>(Distance::SameSocket);
constexpr int kCross = static_cast<int>(Distance::CrossSocket);
}  // namespace

TEST_CASE("a complete config parses into every field", "[unit]") {
  const MachineConfig m = parse_machine_config(kBaseToml, "m.toml");
  CHECK(m.name == "test box");
  CHECK(m.source == "m.toml");
  CHECK(m.ghz == 2.0);
  CHECK(m.topology.sockets == 2);
  CHECK(m.topology.cores_per_socket == 4);
  CHECK(m.topology.threads_per_core == 2);
  CHECK(m.topology.cores_per_ccx == 0);
  CHECK(m.topology.numa_distance.empty());
  CHECK(m.apic.mode == ApicMode::XApic);
  CHECK(m.apic.dest_mode == IpiDestMode::Physical);
  CHECK(m.apic.use_shorthand);
  CHECK(m.apic.costs.icr_write == 300);
  CHECK(m.apic.costs.entry == 400);
  CHECK(m.apic.costs.exit == 100);
  CHECK(m.apic.costs.eoi == 50);
  CHECK(m.apic.costs.delivery[kSelf] == 100);
  CHECK(m.apic.costs.delivery[kSmt] == 600);
  CHECK(m.apic.costs.delivery[kCcx] == 500);  // no CCX level: mirrors `socket`
  CHECK(m.apic.costs.delivery[kSocket] == 500);
  CHECK(m.apic.costs.delivery[kCross] == 900);
  CHECK(m.cache.memory == 200);
  CHECK(m.cache.transfer == std::array<Cycles, kDistanceCount>{4, 17, 100, 100, 270});
  CHECK(Topology(m).cpu_count() == 16);
}

TEST_CASE("optional APIC keys default to xapic / physical / shorthand on", "[unit]") {
  std::string text = with("mode = \"xapic\"\n", "");
  text = with("dest_mode = \"physical\"\n", "", text);
  text = with("shorthand = true\n", "", text);
  const MachineConfig m = parse_machine_config(text, "m.toml");
  CHECK(m.apic.mode == ApicMode::XApic);
  CHECK(m.apic.dest_mode == IpiDestMode::Physical);
  CHECK(m.apic.use_shorthand);
  const MachineConfig x2 =
      parse_machine_config(with("mode = \"xapic\"\ndest_mode = \"physical\"\nshorthand = true",
                                "mode = \"x2apic\"\ndest_mode = \"cluster\"\nshorthand = false"),
                           "m.toml");
  CHECK(x2.apic.mode == ApicMode::X2Apic);
  CHECK(x2.apic.dest_mode == IpiDestMode::LogicalCluster);
  CHECK_FALSE(x2.apic.use_shorthand);
}

TEST_CASE("a CCX level and a NUMA matrix are read", "[unit]") {
  std::string text = with("threads_per_core = 2",
                          "threads_per_core = 2\ncores_per_ccx = 2\n"
                          "numa_distance = [[10, 32], [32, 10]]");
  text = with("socket = 500", "ccx = 450\nsocket = 500", text);
  text = with("socket = 100", "ccx = 60\nsocket = 100", text);
  const MachineConfig m = parse_machine_config(text, "m.toml");
  CHECK(m.topology.cores_per_ccx == 2);
  CHECK(m.topology.numa_distance == std::vector<std::vector<int>>{{10, 32}, {32, 10}});
  CHECK(m.apic.costs.delivery[kCcx] == 450);
  CHECK(m.cache.transfer[kCcx] == 60);
  const Topology topo(m);
  CHECK(topo.distance(0, 1) == Distance::SameCcx);
  CHECK(topo.distance(0, 2) == Distance::SameSocket);
}

TEST_CASE("flat logical mode is accepted up to 8 CPUs", "[unit]") {
  std::string text = with("sockets = 2", "sockets = 1");
  text = with("dest_mode = \"physical\"", "dest_mode = \"flat\"", text);
  CHECK(parse_machine_config(text, "m.toml").apic.dest_mode == IpiDestMode::LogicalFlat);
}

TEST_CASE("configs/machines/default.toml loads and describes 2x E5-2658 v3", "[unit]") {
  const MachineConfig m = load_machine_config(XCALLSIM_SOURCE_DIR "/configs/machines/default.toml");
  CHECK(m.ghz == 2.3);
  const Topology topo(m);
  CHECK(topo.cpu_count() == 48);
  CHECK(topo.node_count() == 2);
  // P4: sender-side ICR write; P1 = delivery + entry for another core.
  CHECK(m.apic.costs.icr_write == 298);
  CHECK(m.apic.costs.delivery[kSocket] + m.apic.costs.entry == 935);
  // P2: the SMT sibling is slower, not faster.
  CHECK(m.apic.costs.delivery[kSmt] > m.apic.costs.delivery[kSocket]);
  // Cache: SMT < same socket < cross socket.
  CHECK(m.cache.transfer[kSmt] < m.cache.transfer[kSocket]);
  CHECK(m.cache.transfer[kSocket] < m.cache.transfer[kCross]);
}

TEST_CASE("a missing file is a ConfigError naming it", "[unit]") {
  CHECK_THROWS_AS(load_machine_config("/nonexistent/machine.toml"), xcallsim::config::ConfigError);
}

TEST_CASE("the example in docs/config-reference.md is a valid machine", "[unit]") {
  std::ifstream doc(XCALLSIM_SOURCE_DIR "/docs/config-reference.md");
  REQUIRE(doc);
  std::string line;
  std::string example;
  bool inside = false;
  while (std::getline(doc, line)) {
    if (line == "```toml") {
      inside = true;
    } else if (inside && line == "```") {
      break;
    } else if (inside) {
      example += line + "\n";
    }
  }
  REQUIRE_FALSE(example.empty());
  const MachineConfig m = parse_machine_config(example, "config-reference.md");
  CHECK(Topology(m).cpu_count() == 16);
}
