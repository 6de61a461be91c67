// SEM-36..45: how many ICR writes a call-function IPI to a mask costs: one
// shorthand write, one per CPU (xAPIC waiting on the busy bit before each,
// x2APIC not), one per x2APIC cluster, or one logical-flat bitmap.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"

using namespace xcallsim::fixture;

namespace {

Mask all_but(int self, int cpus) {
  Mask m = Mask::first_n(cpus);
  m.clear(self);
  return m;
}

Result mask_call(std::string_view preset, const Mask& mask) {
  auto m = machine(preset);
  const FuncId a = m.func("a");
  m.program(0, [&, mask](Cpu& c) { c.xcall_mask(mask, a, ASYNC); });
  return m.run();
}

std::uint32_t how(const Result& r) {
  return static_cast<std::uint32_t>(r.typed<xcallsim::trace::IpiSend>(0).at(0).how);
}
constexpr auto kShorthandAllButSelf =
    static_cast<std::uint32_t>(xcallsim::trace::SendHow::ShorthandAllButSelf);
constexpr auto kPerCpuLoop = static_cast<std::uint32_t>(xcallsim::trace::SendHow::PerCpuLoop);
constexpr auto kCluster = static_cast<std::uint32_t>(xcallsim::trace::SendHow::ClusterMulticast);
constexpr auto kFlat = static_cast<std::uint32_t>(xcallsim::trace::SendHow::LogicalFlat);

}  // namespace

SCENARIO("SEM-36..45: ICR writes per mask IPI under each sending policy", "[scenario]") {
  GIVEN("xAPIC physical with shorthands on") {
    WHEN("CPU0 calls every other online CPU") {
      const Result r = mask_call("small4", all_but(0, 4));
      THEN("one ALL-BUT-SELF shorthand write reaches all three") {
        INFO(r.dump());
        REQUIRE(r.icr_writes(0) == 1);
        REQUIRE(how(r) == kShorthandAllButSelf);
        REQUIRE((r.typed<xcallsim::trace::IcrWrite>(0)[0].icr_lo & 0xC0000u) == 0xC0000u);
        for (int cpu = 1; cpu < 4; ++cpu) REQUIRE(r.delivered(cpu, kMaskVector) == 1);
      }
    }
    WHEN("CPU0 calls only {1, 2}: mask | self != online") {
      const Result r = mask_call("small4", mask_of({1, 2}));
      THEN("no shorthand: one physical write per target") {
        REQUIRE(r.icr_writes(0) == 2);
        REQUIRE(how(r) == kPerCpuLoop);
        REQUIRE(r.delivered(3, kMaskVector) == 0);
      }
    }
  }

  GIVEN("xAPIC physical with shorthands off") {
    WHEN("CPU0 calls every other CPU") {
      const Result r = mask_call("small4-noshort", all_but(0, 4));
      THEN("three writes, each after the busy bit of the previous one cleared (SEM-41)") {
        INFO(r.dump());
        REQUIRE(r.icr_writes(0) == 3);
        REQUIRE(how(r) == kPerCpuLoop);
        const auto writes = r.times(Kind::IcrWrite, 0);
        // Busy until the previous message arrived: writes are a delivery apart.
        REQUIRE(writes[1] - writes[0] == kDeliverSameSocket);
        REQUIRE(writes[2] - writes[1] == kDeliverSameSocket);
        REQUIRE(r.count(Kind::IcrBusyWait, 0) == 2);
        REQUIRE(r.outcome().cpus[0].icr_busy_cycles == 2 * (kDeliverSameSocket - kIcrWrite));
      }
    }
  }

  GIVEN("x2APIC physical (no busy bit)") {
    WHEN("CPU0 calls the 7 others") {
      const Result r = mask_call("x2apic-phys-8", all_but(0, 8));
      THEN("seven MSR writes back to back, no busy waiting") {
        REQUIRE(r.icr_writes(0) == 7);
        const auto writes = r.times(Kind::IcrWrite, 0);
        for (std::size_t i = 1; i < writes.size(); ++i)
          REQUIRE(writes[i] - writes[i - 1] == kIcrWrite);
        REQUIRE(r.count(Kind::IcrBusyWait) == 0);
      }
    }
  }

  GIVEN("x2APIC cluster mode, 2 sockets x 16 cores (two clusters)") {
    WHEN("CPU0 calls the 31 others") {
      const Result r = mask_call("x2apic-cluster-32", all_but(0, 32));
      THEN("one logical write per cluster, OR-ing the members' logical ids (SEM-45)") {
        INFO(r.dump());
        REQUIRE(r.icr_writes(0) == 2);
        REQUIRE(how(r) == kCluster);
        const auto writes = r.typed<xcallsim::trace::IcrWrite>(0);
        REQUIRE(writes[0].icr_hi == 0x0000FFFEu);  // cluster 0, CPUs 1..15
        REQUIRE(writes[1].icr_hi == 0x0001FFFFu);  // cluster 1, CPUs 16..31
        for (int cpu = 1; cpu < 32; ++cpu) REQUIRE(r.delivered(cpu, kMaskVector) == 1);
      }
    }
    WHEN("CPU0 calls CPUs 3 and 17") {
      const Result r = mask_call("x2apic-cluster-32", mask_of({3, 17}));
      THEN("still one write per cluster touched") {
        REQUIRE(r.icr_writes(0) == 2);
        REQUIRE(r.delivered(3, kMaskVector) == 1);
        REQUIRE(r.delivered(17, kMaskVector) == 1);
        REQUIRE(r.delivered(4, kMaskVector) == 0);
      }
    }
  }

  GIVEN("xAPIC logical flat mode, 8 CPUs") {
    WHEN("CPU0 calls the 7 others") {
      const Result r = mask_call("xapic-flat-8", all_but(0, 8));
      THEN("one write carrying the 8-bit bitmap") {
        REQUIRE(r.icr_writes(0) == 1);
        REQUIRE(how(r) == kFlat);
        REQUIRE(r.typed<xcallsim::trace::IcrWrite>(0)[0].icr_hi == 0xFEu << 24);
        for (int cpu = 1; cpu < 8; ++cpu) REQUIRE(r.delivered(cpu, kMaskVector) == 1);
      }
    }
  }
}
