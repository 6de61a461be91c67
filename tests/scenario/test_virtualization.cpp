// Virtualized machines (docs/config-reference.md "[virtualization]",
// docs/architecture.md "Virtualized machines"): which of an xcall's APIC
// accesses leave a KVM guest and what each costs. Machine "small4-zerocache"
// (1 GHz, xAPIC physical, no cache costs): ICR write kIcrWrite, delivery
// kDeliverSameSocket, entry kEntry, EOI kEoi, exit kExit; the virtual costs
// below are round numbers chosen so every sum is unambiguous.
#include <catch2/catch.hpp>

#include "sim/testing/fixture.hpp"
#include "xcall/platform/x86_send_policy.hpp"

using namespace xcallsim::fixture;
namespace machine = xcallsim::machine;
namespace trace = xcallsim::trace;
using trace::VmExitReason;

namespace {

constexpr std::uint8_t kVector = 0x41;
constexpr Cycles kIcrExit = 1000, kWriteAt = 400, kFastpath = 500, kHypercall = 1500,
                 kPerTarget = 50, kReceiverExit = 700, kEoiExit = 300, kWakeup = 5000,
                 kPollWakeup = 800, kAccelerated = 120, kAvicExit = 2000;

// A guest on `preset` with the features `edit` turns on; costs as above.
machine::MachineConfig guest(std::string_view preset, void (*edit)(machine::VirtConfig&)) {
  machine::MachineConfig m = config(preset);
  machine::VirtConfig v;
  v.costs = {.accelerated_icr_write = kAccelerated,
             .icr_exit = kIcrExit,
             .icr_exit_write_at = kWriteAt,
             .icr_fastpath_exit = kFastpath,
             .hypercall_exit = kHypercall,
             .per_target = kPerTarget,
             .receiver_exit = kReceiverExit,
             .eoi_exit = kEoiExit,
             .wakeup = kWakeup,
             .poll_wakeup = kPollWakeup,
             .avic_incomplete_exit = kAvicExit};
  v.halt = machine::HaltMode::Guest;
  edit(v);
  m.virt = v;
  return m;
}

void apicv(machine::VirtConfig& v) {
  v.apicv = true;
}

// CPU 0 sends one raw IPI at `at`; CPU 1 computes (running) or has finished
// its program at `halt_at` (idle: halted in KVM if HLT exits).
Result raw_ipi(const machine::MachineConfig& m, Cycles at, bool target_busy, Cycles halt_at = 0) {
  Machine sim(m);
  sim.vector_handler(kVector, {"empty", 0, false});
  sim.program(0, [at](Cpu& c) {
    c.compute(at);
    c.send_ipi(1, kVector);
  });
  sim.program(1, [=](Cpu& c) { c.compute(target_busy ? at + 100000 : halt_at); });
  Result r = sim.run();
  REQUIRE(r.outcome().completed);
  return r;
}

Cycles first_time(const Result& r, Kind kind, int cpu) {
  const auto t = r.times(kind, cpu);
  REQUIRE_FALSE(t.empty());
  return t.front();
}

// The exits of `cpu` other than HLT (every CPU halts once its program ends).
std::vector<trace::VmExit> exits(const Result& r, int cpu) {
  std::vector<trace::VmExit> out;
  for (const auto& e : r.typed<trace::VmExit>(cpu))
    if (e.reason != VmExitReason::Hlt) out.push_back(e);
  return out;
}

}  // namespace

SCENARIO("a trapped ICR write: the sender exits, KVM delivers inside the exit", "[scenario]") {
  const Result r = raw_ipi(guest("small4-zerocache", apicv), 1000, true);
  THEN("one IcrWrite exit on the sender, icr_write + icr_exit long, the write at +write_at") {
    const auto exits = r.typed<trace::VmExit>(0);
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].reason == VmExitReason::IcrWrite);
    CHECK(exits[0].time == 1000);
    CHECK(exits[0].cycles == kIcrWrite + kIcrExit);
    CHECK(exits[0].targets == 1);
    CHECK(first_time(r, Kind::IcrWrite, 0) == 1000 + kWriteAt);
  }
  THEN(
      "IRR is set exactly at write + delivery (not a cycle earlier) and the posted interrupt "
      "causes no receiver exit") {
    CHECK(first_time(r, Kind::IpiDeliver, 1) == 1000 + kWriteAt + kDeliverSameSocket);
    CHECK(first_time(r, Kind::IrqEntry, 1) == 1000 + kWriteAt + kDeliverSameSocket);
    CHECK(r.count(Kind::VmExit, 1) == 0);
  }
}

SCENARIO("KVM's x2APIC fastpath takes fixed physical unicast only", "[scenario]") {
  const auto fast = [](machine::VirtConfig& v) {
    v.apicv = true;
    v.x2apic_fastpath = true;
  };
  WHEN("x2APIC physical") {
    const auto e = raw_ipi(guest("x2apic-phys-8", fast), 1000, true).typed<trace::VmExit>(0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == VmExitReason::IcrFastpath);
    CHECK(e[0].cycles == kIcrWrite + kFastpath);
  }
  WHEN("x2APIC cluster: a logical destination takes the full exit") {
    const auto e = raw_ipi(guest("x2apic-cluster-32", fast), 1000, true).typed<trace::VmExit>(0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == VmExitReason::IcrWrite);
    CHECK(e[0].cycles == kIcrWrite + kIcrExit);
  }
  WHEN("xAPIC (an MMIO trap, no fastpath)") {
    const auto e = raw_ipi(guest("small4-zerocache", fast), 1000, true).typed<trace::VmExit>(0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == VmExitReason::IcrWrite);
  }
}

SCENARIO("IPIv virtualizes physical unicast; a broadcast still exits, KVM delivers in turn",
         "[scenario]") {
  const auto ipiv = [](machine::VirtConfig& v) {
    v.apicv = true;
    v.ipiv = true;
  };
  GIVEN("a unicast raw IPI") {
    const Result r = raw_ipi(guest("small4-zerocache", ipiv), 1000, true);
    THEN("no exit; the write costs accelerated_icr_write and delivers at once") {
      CHECK(r.count(Kind::VmExit) == 0);
      CHECK(first_time(r, Kind::IpiDeliver, 1) == 1000 + kDeliverSameSocket);
    }
  }
  GIVEN("a SYNC call to all others with the all-but-self shorthand") {
    Machine sim(guest("small4-zerocache", ipiv));
    Cycles returned = 0;
    sim.program(0, [&](Cpu& c) {
      c.compute(1000);
      c.xcall_mask(mask_of({1, 2, 3}), sim.func("noop"), SYNC);
      returned = c.now();
    });
    const Result r = sim.run();
    REQUIRE(r.outcome().completed);
    THEN("one IcrWrite exit for 3 targets, each delivered per_target after the previous") {
      const auto e = r.typed<trace::VmExit>(0);
      REQUIRE(e.size() == 1);
      CHECK(e[0].targets == 3);
      CHECK(e[0].cycles == kIcrWrite + kIcrExit + 2 * kPerTarget);
      const Cycles write = first_time(r, Kind::IcrWrite, 0);
      for (int cpu = 1; cpu <= 3; ++cpu)
        CHECK(first_time(r, Kind::IpiDeliver, cpu) ==
              write + static_cast<Cycles>(cpu - 1) * kPerTarget + kDeliverSameSocket);
    }
  }
}

SCENARIO("AVIC: no exit to a running vCPU, AVIC_INCOMPLETE_IPI to a halted one", "[scenario]") {
  const auto avic = [](machine::VirtConfig& v) {
    v.vendor = machine::CpuVendor::Amd;
    v.avic = true;
    v.halt = machine::HaltMode::Exit;
  };
  WHEN("the target is running") {
    const Result r = raw_ipi(guest("small4-zerocache", avic), 1000, true);
    CHECK(exits(r, 0).empty());
    CHECK(first_time(r, Kind::IpiDeliver, 1) == 1000 + kDeliverSameSocket);
  }
  WHEN("the target halted (its program ended at 10)") {
    const Result r = raw_ipi(guest("small4-zerocache", avic), 1000, false, 10);
    const auto e = exits(r, 0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == VmExitReason::AvicIncompleteIpi);
    CHECK(e[0].cycles == kIcrWrite + kAvicExit);
  }
}

SCENARIO("without APICv the receiver exits on the interrupt and on the EOI", "[scenario]") {
  const auto none = [](machine::VirtConfig&) {};
  const Result r = raw_ipi(guest("small4-zerocache", none), 1000, true);
  const Cycles arrival = 1000 + kWriteAt + kDeliverSameSocket;
  THEN("an external-interrupt exit at entry, then the handler; an EOI exit after the EOI") {
    const auto e = r.typed<trace::VmExit>(1);
    REQUIRE(e.size() == 2);
    CHECK(e[0].reason == VmExitReason::ExternalInterrupt);
    CHECK(e[0].time == arrival);
    CHECK(e[0].cycles == kReceiverExit);
    CHECK(e[1].reason == VmExitReason::Eoi);
    CHECK(first_time(r, Kind::Eoi, 1) == arrival + kReceiverExit + kEntry);
    CHECK(first_time(r, Kind::IrqExit, 1) == arrival + kReceiverExit + kEntry + kEoi + kEoiExit);
  }
}

SCENARIO("a halted vCPU is woken: halt-polling window vs asleep, both sides", "[scenario]") {
  const auto halting = [](machine::VirtConfig& v) {
    v.apicv = true;
    v.ipiv = true;  // no sender exit: the arrival is send + delivery
    v.halt = machine::HaltMode::Exit;
    v.halt_poll = 2000;
  };
  const auto m = guest("small4-zerocache", halting);
  // CPU 1 halts at 10; the IPI arrives at send + kDeliverSameSocket.
  const auto wake = [&](Cycles arrival) {
    const Result r = raw_ipi(m, arrival - kDeliverSameSocket, false, 10);
    const auto w = r.typed<trace::VcpuWake>(1);
    REQUIRE(w.size() == 1);
    CHECK(w[0].time == arrival);
    CHECK(first_time(r, Kind::IrqEntry, 1) == arrival + w[0].cycles);
    for (const auto& e : r.typed<trace::VmExit>(1))  // HLTs only: injected at entry, no exit
      CHECK(e.reason == VmExitReason::Hlt);
    return w[0];
  };
  WHEN("it arrives at the last cycle of the window") {
    const auto w = wake(10 + 2000);
    CHECK(w.polled);
    CHECK(w.cycles == kPollWakeup);
  }
  WHEN("it arrives one cycle after the window") {
    const auto w = wake(10 + 2001);
    CHECK_FALSE(w.polled);
    CHECK(w.cycles == kWakeup);
  }
  WHEN("HLT does not exit (halt = guest): no wake-up cost at all") {
    auto g = m;
    g.virt->halt = machine::HaltMode::Guest;
    g.virt->halt_poll = 0;
    const Result r = raw_ipi(g, 3000, false, 10);
    CHECK(r.count(Kind::VcpuWake) == 0);
    CHECK(r.count(Kind::VmExit) == 0);
    CHECK(first_time(r, Kind::IrqEntry, 1) == 3000 + kDeliverSameSocket);
  }
}

SCENARIO("PV send-IPI: a mask is one hypercall per 128-id window", "[scenario]") {
  const auto pv = [](machine::VirtConfig& v) {
    v.apicv = true;
    v.pv_send_ipi = true;
  };
  Machine sim(guest("small4-noshort", pv));  // no shorthand: the mask path
  sim.program(0, [&](Cpu& c) { c.xcall_mask(mask_of({1, 2, 3}), sim.func("noop"), SYNC); });
  const Result r = sim.run();
  REQUIRE(r.outcome().completed);
  THEN("one hypercall exit for 3 targets, no guest ICR write, how = pv-hypercall") {
    const auto e = r.typed<trace::VmExit>(0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == VmExitReason::Hypercall);
    CHECK(e[0].targets == 3);
    CHECK(e[0].cycles == kHypercall + 2 * kPerTarget);
    CHECK(r.count(Kind::IcrWrite, 0) == 0);
    const auto sends = r.typed<trace::IpiSend>(0);
    REQUIRE(sends.size() == 1);
    CHECK(sends[0].how == trace::SendHow::PvHypercall);
  }
  THEN("a single-target call keeps the native ICR write (physflat's send_IPI)") {
    Machine one(guest("small4-noshort", pv));
    one.program(0, [&](Cpu& c) { c.xcall(1, one.func("noop"), SYNC); });
    const Result s = one.run();
    const auto e = s.typed<trace::VmExit>(0);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == VmExitReason::IcrWrite);
  }
}

namespace {
struct SpreadIds {  // APIC id = 100 x cpu: windows of 128 ids hold two CPUs at most
  std::uint32_t apic_id(int cpu) const { return 100u * static_cast<std::uint32_t>(cpu); }
  std::uint32_t logical_id(int) const { return 0; }
};
}  // namespace

TEST_CASE("kvm_send_ipi_mask windows: ids within 128 of the base share a hypercall", "[unit]") {
  namespace x86 = xcallsim::xcall::x86;
  x86::SendPolicy p;
  p.mode = x86::ApicMode::X2Apic;
  p.pv_send_ipi = true;
  std::vector<x86::IcrWrite> calls;
  auto mask = xcallsim::xcall::cpumask<8>::of(0);
  for (int cpu : {1, 2, 3}) mask.set(cpu);  // ids 0, 100, 200, 300
  CHECK(x86::send_ipi_mask(p, mask, 0xfc, SpreadIds{}, [&](const x86::IcrWrite& w) {
          calls.push_back(w);
        }) == x86::SendHow::PvHypercall);
  REQUIRE(calls.size() == 2);  // {0, 100}: 100 < 0 + 128; 200 starts a window: {200, 300}
  CHECK(calls[0].hypercall);
  CHECK(calls[0].hi == 0);
  CHECK(calls[0].bitmap[0] == 1);
  CHECK(calls[0].bitmap[1] == (std::uint64_t{1} << (100 - 64)));
  CHECK(calls[1].hi == 200);
  CHECK(calls[1].bitmap[1] == (std::uint64_t{1} << (100 - 64)));
  CHECK((calls[0].lo & 0xff) == 0xfc);
  p.pv_bitmap_bits = 64;  // a 32-bit guest: 100 no longer fits beside 0
  calls.clear();
  x86::send_ipi_mask(p, mask, 0xfc, SpreadIds{},
                     [&](const x86::IcrWrite& w) { calls.push_back(w); });
  CHECK(calls.size() == 4);
}

SCENARIO("a halted vCPU is woken once however many IPIs reach it meanwhile", "[scenario]") {
  const auto m = guest("small4-zerocache", [](machine::VirtConfig& v) {
    v.apicv = true;
    v.ipiv = true;
    v.halt = machine::HaltMode::Exit;
  });
  Machine sim(m);
  sim.vector_handler(kVector, {"empty", 0, false});
  sim.program(0, [](Cpu& c) {
    c.compute(1000);
    c.send_ipi(1, kVector);
    c.send_ipi(1, kVector);  // arrives while KVM is still waking CPU 1
  });
  const Result r = sim.run();
  REQUIRE(r.outcome().completed);
  const auto wakes = r.typed<trace::VcpuWake>(1);
  REQUIRE(wakes.size() == 1);
  CHECK(wakes[0].time == 1000 + kDeliverSameSocket);
  CHECK(first_time(r, Kind::IrqEntry, 1) == 1000 + kDeliverSameSocket + kWakeup);
}

SCENARIO("a vCPU halted until a deadline pays the host's wake-up at the deadline", "[scenario]") {
  const auto m = guest("small4-zerocache", [](machine::VirtConfig& v) {
    v.apicv = true;
    v.halt = machine::HaltMode::Exit;
    v.halt_poll = 2000;
  });
  const auto resumed_after = [&](Cycles deadline) {
    Machine sim(m);
    Cycles back = 0;
    sim.program(1, [&](Cpu& c) {
      c.idle_until(deadline);  // halted since 0
      back = c.now();
    });
    const Result r = sim.run();
    REQUIRE(r.outcome().completed);
    REQUIRE(r.typed<trace::VcpuWake>(1).size() == 1);
    CHECK(r.typed<trace::VcpuWake>(1)[0].time == deadline);
    return back - deadline;
  };
  CHECK(resumed_after(2000) == kPollWakeup);  // inside the halt-polling window
  CHECK(resumed_after(2001) == kWakeup);      // one cycle past it
}

SCENARIO("IPIv takes physical unicast only: a logical unicast still exits", "[scenario]") {
  const auto ipiv = [](machine::VirtConfig& v) {
    v.apicv = true;
    v.ipiv = true;
  };
  const auto e = exits(raw_ipi(guest("x2apic-cluster-32", ipiv), 1000, true), 0);
  REQUIRE(e.size() == 1);
  CHECK(e[0].reason == VmExitReason::IcrWrite);
}

SCENARIO("AVIC counts a vCPU still halt-polling as running", "[scenario]") {
  const auto avic = [](machine::VirtConfig& v) {
    v.vendor = machine::CpuVendor::Amd;
    v.avic = true;
    v.halt = machine::HaltMode::Exit;
    v.halt_poll = 2000;
  };
  const auto m = guest("small4-zerocache", avic);
  // CPU 1 halts at 10; the write at `at` checks IsRunning then.
  CHECK(exits(raw_ipi(m, 10 + 2000, false, 10), 0).empty());  // last cycle of the window
  const auto late = exits(raw_ipi(m, 10 + 2001, false, 10), 0);
  REQUIRE(late.size() == 1);
  CHECK(late[0].reason == VmExitReason::AvicIncompleteIpi);
}
