// [virtualization] (docs/config-reference.md): a valid KVM guest loads; an
// exit cost or feature that makes no sense for the machine is an error at
// its key, with the fix. kBaseToml (fixtures.hpp) has 28 lines; the table
// appended below starts at line 29.
#include "fixtures.hpp"

using namespace xcallsim::machine;
using namespace xcallsim::machine::testing;

namespace {

// [virtualization] lines 29.., then [virtualization.cost].
std::string guest(std::string_view features, std::string_view costs) {
  return std::string(kBaseToml) + "[virtualization]\nhypervisor = \"kvm\"\n" +
         std::string(features) + "[virtualization.cost]\n" + std::string(costs);
}

constexpr std::string_view kExitCosts =
    "icr_exit = 1780\nicr_exit_write_at = 890\nper_target = 437\n";
constexpr std::string_view kHaltCosts = "wakeup = 5000\n";

void check_error(const std::string& text, int line, std::string_view message_part) {
  const auto e = config_error_of(text);
  INFO(e.what());
  CHECK(e.file() == "m.toml");
  CHECK(e.line() == line);
  CHECK_THAT(e.message(), Catch::Contains(std::string(message_part)));
  CHECK_FALSE(e.fix().empty());
}

}  // namespace

TEST_CASE("virtualization: an APICv guest loads with exactly the costs it uses", "[unit]") {
  const MachineConfig m = parse_machine_config(
      guest("vendor = \"intel\"\napicv = true\nhalt_poll = 400000\n",
            std::string(kExitCosts) + std::string(kHaltCosts) + "poll_wakeup = 1000\n"),
      "m.toml");
  REQUIRE(m.virt);
  CHECK(m.virt->posted_interrupts());
  CHECK(m.virt->virtual_eoi());
  CHECK(m.virt->halt_poll == 400000);
  CHECK(m.virt->costs.icr_exit == 1780);
  CHECK(m.virt->pv_ipi_bitmap_bits == 128);
  CHECK_FALSE(parse_machine_config(std::string(kBaseToml), "m.toml").virt);  // bare metal
}

TEST_CASE("virtualization: features of the other vendor are refused", "[unit]") {
  // Line 30: hypervisor, 31: vendor, 32: the feature.
  check_error(guest("vendor = \"amd\"\nipiv = true\n", kExitCosts), 32,
              "`ipiv` is an Intel feature");
  check_error(guest("vendor = \"amd\"\napicv = true\n", kExitCosts), 32, "Intel feature");
  check_error(guest("vendor = \"intel\"\navic = true\n", kExitCosts), 32,
              "`avic` is an AMD feature");
  check_error(guest("vendor = \"intel\"\nipiv = true\n", kExitCosts), 32, "without `apicv`");
}

TEST_CASE("virtualization: an exit cost the features make meaningless is refused", "[unit]") {
  // With two feature lines, [virtualization.cost] is line 33; its first key 34.
  check_error(guest("vendor = \"intel\"\napicv = true\n",
                    std::string(kExitCosts) + std::string(kHaltCosts) + "eoi_exit = 300\n"),
              38, "EOI write is virtualized");
  check_error(guest("vendor = \"intel\"\napicv = true\n",
                    std::string(kExitCosts) + std::string(kHaltCosts) + "receiver_exit = 1450\n"),
              38, "posted interrupt");
  check_error(guest("vendor = \"intel\"\nicr_passthrough = true\nhalt = \"guest\"\n",
                    "icr_exit = 1780\nreceiver_exit = 1\neoi_exit = 1\n"),
              35, "ICR writes never exit");
  check_error(guest("vendor = \"intel\"\napicv = true\nhalt = \"guest\"\n",
                    std::string(kExitCosts) + "wakeup = 5000\n"),
              38, "no vCPU ever sleeps in KVM");
}

TEST_CASE("virtualization: a missing cost names the key to add", "[unit]") {
  const auto e = config_error_of(guest("vendor = \"intel\"\napicv = false\n",
                                       std::string(kExitCosts) + std::string(kHaltCosts)));
  CHECK_THAT(e.message(), Catch::Contains("receiver_exit"));
}

TEST_CASE("virtualization: PV send-IPI's bitmap is at most two longs", "[unit]") {
  const std::string costs = std::string(kExitCosts) + std::string(kHaltCosts) +
                            "hypercall_exit = 1780\nreceiver_exit = 1\neoi_exit = 1\n";
  check_error(guest("vendor = \"intel\"\npv_send_ipi = true\npv_ipi_bitmap_bits = 256\n", costs),
              33, "two unsigned longs");
  CHECK(parse_machine_config(
            guest("vendor = \"intel\"\npv_send_ipi = true\npv_ipi_bitmap_bits = 64\n", costs),
            "m.toml")
            .virt->pv_ipi_bitmap_bits == 64);
  check_error(guest("vendor = \"intel\"\npv_ipi_bitmap_bits = 128\n",
                    std::string(kExitCosts) + std::string(kHaltCosts) +
                        "receiver_exit = 1\neoi_exit = 1\n"),
              32, "without `pv_send_ipi");
}

TEST_CASE(
    "virtualization: the fastpath cannot apply with IPIv, and KVM's delivery point lies "
    "inside every exit",
    "[unit]") {
  const std::string x2apic = with("mode = \"xapic\"", "mode = \"x2apic\"");
  const auto guest_on = [&](std::string_view features, std::string_view costs) {
    return x2apic + "[virtualization]\nhypervisor = \"kvm\"\n" + std::string(features) +
           "[virtualization.cost]\n" + std::string(costs);
  };
  const std::string costs = std::string(kExitCosts) + std::string(kHaltCosts);
  CHECK_THAT(config_error_of(guest_on("vendor = \"intel\"\napicv = true\nipiv = true\n"
                                      "x2apic_fastpath = true\n",
                                      costs + "accelerated_icr_write = 1\nicr_fastpath_exit = 1\n"))
                 .message(),
             Catch::Contains("never exit under IPI virtualization"));
  CHECK_THAT(config_error_of(guest("vendor = \"intel\"\napicv = true\nx2apic_fastpath = true\n",
                                   costs + "icr_fastpath_exit = 835\n"))
                 .message(),
             Catch::Contains("xAPIC guest"));
  // icr_exit_write_at = 890 (kExitCosts) but the fastpath exit is 835.
  const auto e =
      config_error_of(guest_on("vendor = \"intel\"\napicv = true\nx2apic_fastpath = true\n",
                               costs + "icr_fastpath_exit = 835\n"));
  CHECK_THAT(e.message(), Catch::Contains("lies past the end of `icr_fastpath_exit` = 835"));
  CHECK(parse_machine_config(guest_on("vendor = \"intel\"\napicv = true\nx2apic_fastpath = true\n",
                                      costs + "icr_fastpath_exit = 890\n"),
                             "m.toml")
            .virt->x2apic_fastpath);  // the boundary: exactly at the end is inside
}
