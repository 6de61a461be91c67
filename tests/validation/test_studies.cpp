// The model studies' structure (not their agreement with the paper, which
// docs/validation.md reports): what each modelled number is made of.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/study/study.hpp"

using namespace xcallsim;

namespace {

machine::MachineConfig preset(const std::string& name) {
  return machine::load_machine_config(std::string(XCALLSIM_CONFIGS_DIR) + "/machines/" + name +
                                      ".toml");
}

std::vector<study::ValidationRow> shinjuku_rows() {
  std::vector<study::ValidationRow> rows;
  for (const study::PublishedRow& p : study::shinjuku_table1())
    rows.push_back(study::measure_shinjuku(
        p, preset(std::string(p.preset.substr(0, p.preset.size() - 5))),
        std::string(XCALLSIM_CONFIGS_DIR) + "/scenarios/validation/shinjuku-table1.toml"));
  return rows;
}

}  // namespace

// Each row's preset adds only its exits to default.toml; the totals follow
// from where the exits sit (docs/validation.md "Shinjuku Table 1").
TEST_CASE("shinjuku validation: four rows from presets and a scenario file", "[unit]") {
  const auto m = preset("default");
  const auto& c = m.apic.costs;
  const auto rows = shinjuku_rows();
  REQUIRE(rows.size() == 4);
  const auto socket = c.delivery[static_cast<int>(machine::Distance::SameSocket)];
  const auto& plain = rows[0];
  CHECK(plain.sender == c.icr_write);
  CHECK(plain.receiver == c.entry + c.eoi + c.exit);
  CHECK(plain.delivered == socket);
  CHECK(plain.total == socket + plain.receiver);  // the receiver starts before the sender returns
  CHECK(plain.overlap == c.icr_write - socket);
  CHECK(plain.vm_exits == 0);

  const auto receiver_exit =
      preset("validation/kvm-e5-2658-receiver-exit").virt->costs.receiver_exit;
  const auto sender = preset("validation/kvm-e5-2658-sender-exit").virt->costs;
  CHECK(rows[1].total - plain.total == receiver_exit);
  CHECK(rows[1].sender == plain.sender);  // passthrough: the sender never leaves the guest
  CHECK(rows[2].sender == c.icr_write + sender.icr_exit);
  CHECK(rows[2].send_at == sender.icr_exit_write_at);
  CHECK(rows[2].total - plain.total == sender.icr_exit_write_at);
  CHECK(rows[2].receiver == plain.receiver);  // posted interrupt: no receiver exit
  CHECK(rows[3].total - plain.total == sender.icr_exit_write_at + receiver_exit);
  CHECK(rows[3].vm_exits == sender.icr_exit + c.icr_write + receiver_exit);
}

TEST_CASE("shinjuku validation: same inputs give the same table", "[unit]") {
  CHECK(study::format_validation(shinjuku_rows(), false) ==
        study::format_validation(shinjuku_rows(), false));
  CHECK(study::error_percent(1500, 2000) == Approx(-25.0));
}

TEST_CASE("fan-out sweep: ICR writes per sending mode", "[unit]") {
  const auto m = preset("default");  // 48 CPUs, APIC IDs 0..23 and 32..55
  const auto xapic = study::with_send_mode(m, study::SendMode::XApicPhysical, false);
  const auto cluster = study::with_send_mode(m, study::SendMode::X2ApicCluster, false);
  const auto points = study::fanout_sweep(xapic, {1, 5, 47}, 1);
  REQUIRE(points.size() == 3);
  CHECK(points[0].icr_writes == 1);
  CHECK(points[1].icr_writes == 5);
  CHECK(points[2].icr_writes == 47);
  CHECK(points[0].latency < points[1].latency);
  CHECK(points[1].latency < points[2].latency);
  // x2APIC clusters are 16 APIC IDs: the 47 others span 4 clusters.
  CHECK(study::fanout_sweep(cluster, {47}, 1)[0].icr_writes == 4);
  const auto shorthand = study::with_send_mode(m, study::SendMode::XApicPhysical, true);
  CHECK(study::fanout_sweep(shorthand, {47}, 1)[0].icr_writes == 1);
  CHECK(study::fanout_sweep(shorthand, {46}, 1)[0].icr_writes == 46);  // not all-but-self
}

TEST_CASE("fan-out sweep: impossible modes and target counts are rejected", "[unit]") {
  machine::MachineConfig big = preset("default");
  big.topology.cores_per_socket = 100;  // APIC IDs above 0xFE
  CHECK_THROWS_AS(study::with_send_mode(big, study::SendMode::XApicPhysical, true),
                  std::invalid_argument);
  CHECK_NOTHROW(study::with_send_mode(big, study::SendMode::X2ApicCluster, true));
  const auto m = preset("qemu");
  CHECK_THROWS_AS(study::fanout_sweep(m, {16}), std::invalid_argument);
  CHECK_THROWS_AS(study::fanout_sweep(m, {0}), std::invalid_argument);
}
