// One test per class of bad machine config, each at its exact file:line:col.
// Line numbers refer to kBaseToml in fixtures.hpp.
#include "fixtures.hpp"

using namespace xcallsim::machine;
using namespace xcallsim::machine::testing;

namespace {

void check_at(const std::string& text, int line, int column, std::string_view message_part) {
  const auto e = config_error_of(text);
  INFO(e.what());
  CHECK(e.file() == "m.toml");
  CHECK(e.line() == line);
  CHECK(e.column() == column);
  CHECK_THAT(e.message(), Catch::Contains(std::string(message_part)));
  CHECK_FALSE(e.fix().empty());
  CHECK(std::string(e.what()).find('\n') == std::string::npos);
}

// Inserts a topology line after threads_per_core (line 7) -> the new line is 8.
std::string with_topology_line(std::string_view line) {
  return with("threads_per_core = 2", "threads_per_core = 2\n" + std::string(line));
}

}  // namespace

TEST_CASE("config error: zero and negative counts", "[unit]") {
  check_at(with("sockets = 2", "sockets = 0"), 5, 1, "`topology.sockets` = 0 is out of range");
  check_at(with("threads_per_core = 2", "threads_per_core = -1"), 7, 1, "threads_per_core");
  check_at(with("cores_per_socket = 4", "cores_per_socket = 0"), 6, 1, "cores_per_socket");
  check_at(with_topology_line("cores_per_ccx = 0"), 8, 1, "cores_per_ccx");
}

TEST_CASE("config error: too many CPUs overall", "[unit]") {
  std::string text = with("cores_per_socket = 4", "cores_per_socket = 1024");
  check_at(text, 4, 1, "the topology has 4096 logical CPUs, more than the simulator's 1024");
  // Both sides of the limit (2 sockets x n cores x 2 threads): 1024 loads, 1028 does not.
  const std::string x2apic = with("mode = \"xapic\"", "mode = \"x2apic\"");
  CHECK(
      parse_machine_config(with("cores_per_socket = 4", "cores_per_socket = 256", x2apic), "m.toml")
          .topology.cores_per_socket == 256);
  check_at(with("cores_per_socket = 4", "cores_per_socket = 257", x2apic), 4, 1,
           "the topology has 1028 logical CPUs");
}

TEST_CASE("config error: cores_per_ccx must divide cores_per_socket", "[unit]") {
  // Reported before the (then also missing) `ccx` cost keys.
  check_at(with_topology_line("cores_per_ccx = 3"), 8, 1, "does not divide");
}

TEST_CASE("config error: NUMA matrix shape, diagonal, range, symmetry", "[unit]") {
  check_at(with_topology_line("numa_distance = [[10, 21]]"), 8, 1, "has 1 rows");
  check_at(with_topology_line("numa_distance = [[10, 21], [21]]"), 8, 28, "has 1 entries");
  check_at(with_topology_line("numa_distance = [[10, 21], [21, 11]]"), 8, 33, "itself is 10");
  check_at(with_topology_line("numa_distance = [[10, 10], [10, 10]]"), 8, 23,
           "not a remote distance");
  check_at(with_topology_line("numa_distance = [[10, 21], [22, 10]]"), 8, 29, "symmetric");
  check_at(with_topology_line("numa_distance = [[10, 21], 21]"), 8, 28, "must be an array");
}

TEST_CASE("config error: xAPIC cannot address the topology's APIC IDs", "[unit]") {
  // 2 sockets x 64 cores x 2 threads: highest id 0xFF.
  std::string text = with("cores_per_socket = 4", "cores_per_socket = 64");
  check_at(text, 9, 1, "xAPIC IDs are 8 bits but this topology needs APIC ID 0xff");
  // `mode` absent (defaulted): the error sits at [apic].
  check_at(with("mode = \"xapic\"\n", "", text), 8, 1, "xAPIC IDs are 8 bits");
  CHECK_NOTHROW(parse_machine_config(with("mode = \"xapic\"", "mode = \"x2apic\"", text), "m"));
}

TEST_CASE("config error: logical destination modes the hardware lacks", "[unit]") {
  const std::string flat = with("dest_mode = \"physical\"", "dest_mode = \"flat\"");
  check_at(flat, 10, 1, "flat logical mode addresses at most 8 CPUs, the topology has 16");
  check_at(with("mode = \"xapic\"", "mode = \"x2apic\"", flat), 10, 1, "x2APIC has no flat");
  // xAPIC cluster: 15 clusters x 4 CPUs.
  std::string cluster = with("dest_mode = \"physical\"", "dest_mode = \"cluster\"");
  CHECK_NOTHROW(parse_machine_config(cluster, "m.toml"));  // 16 CPUs
  cluster = with("cores_per_socket = 4", "cores_per_socket = 16", cluster);
  check_at(cluster, 10, 1, "at most 60 CPUs");
  check_at(with("dest_mode = \"physical\"", "dest_mode = \"logical\""), 10, 1, "is not one of");
}

TEST_CASE("config error: unknown key, with a suggestion", "[unit]") {
  const auto e = config_error_of(with("eoi = 50", "eoi = 50\neoii = 1"));
  CHECK(e.line() == 17);
  CHECK(e.column() == 1);
  CHECK(e.message() == "unknown key `eoii` in [apic.cost]");
  CHECK(e.fix() == "did you mean `eoi`?");
  // A misspelt required key is first missing: reported at its table, naming the rename.
  const auto typo = config_error_of(with("memory = 200", "memroy = 200"));
  CHECK(typo.line() == 22);
  CHECK(typo.message() == "missing required key `memory` in [cache]");
  CHECK(typo.fix() == "rename `memroy` (line 23) to `memory`");
  check_at(with("[clock]", "[clocks]"), 1, 1, "missing required key `clock`");
}

TEST_CASE("config error: wrong value type", "[unit]") {
  check_at(with("ghz = 2.0", "ghz = \"fast\""), 3, 1, "`clock.ghz` must be a number, not a string");
  check_at(with("shorthand = true", "shorthand = 1"), 11, 1, "must be a boolean");
  check_at(with("icr_write = 300", "icr_write = 300.5"), 13, 1, "must be an integer, not a float");
  check_at(with("icr_write = 300", "icr_write = -1"), 13, 1, "out of range");
}

TEST_CASE("config error: missing value is a syntax error at its place", "[unit]") {
  check_at(with("icr_write = 300", "icr_write = "), 13, 13, "expected value");
}

TEST_CASE("config error: missing required key or table", "[unit]") {
  const auto e = config_error_of(with("memory = 200\n", ""));
  CHECK(std::string(e.what()) ==
        "m.toml:22:1: error: missing required key `memory` in [cache]; fix: add `memory = "
        "<integer>` to [cache]");
  check_at(with("[clock]\nghz = 2.0\n", ""), 1, 1, "missing required key `clock`");
  check_at(with("name = \"test box\"", "name = \"\""), 1, 1, "`name` is empty");
}

TEST_CASE("config error: `ccx` costs and the CCX level go together", "[unit]") {
  check_at(with("socket = 500", "ccx = 450\nsocket = 500"), 20, 1,
           "`apic.cost.delivery.ccx` is set but the topology has no CCX level");
  // With a CCX level the `ccx` cost is required (delivery table now starts at line 18).
  check_at(with_topology_line("cores_per_ccx = 2"), 18, 1,
           "missing required key `ccx` in [apic.cost.delivery]");
}

TEST_CASE("config error: a store buffer without fill buffers, and out-of-range sizes", "[unit]") {
  const auto e = config_error_of(with("memory = 200", "memory = 200\nstore_buffer = 56"));
  INFO(e.what());
  CHECK_THAT(e.message(), Catch::Contains("`store_buffer` but no `fill_buffers`"));
  CHECK_THAT(e.fix(), Catch::Contains("fill_buffers ="));
  CHECK_THAT(config_error_of(with("memory = 200", "memory = 200\nstore_buffer = -1")).message(),
             Catch::Contains("store_buffer"));
  CHECK_THAT(
      config_error_of(with("memory = 200", "memory = 200\nstore_buffer = 8\nfill_buffers = 0"))
          .message(),
      Catch::Contains("fill_buffers"));
  // Both present: loads; absent: no store buffer.
  const auto ok = parse_machine_config(
      with("memory = 200", "memory = 200\nstore_buffer = 56\nfill_buffers = 12"), "m.toml");
  CHECK(ok.cache.store_buffer == 56);
  CHECK(ok.cache.fill_buffers == 12);
  CHECK(parse_machine_config(with("memory = 200", "memory = 200"), "m.toml").cache.store_buffer ==
        0);
}
