// IPIs through the device model, driven by the protocol test client: every
// request goes through apic::InterruptController (destinations, shorthands,
// logical modes, priority, IRR coalescing) and comes out as MSI-X vectors.
#include <sched.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "client.hpp"
#include "sim/apic/icr.hpp"

using namespace xcallsim;
using namespace xcallsim::devmodel;
using namespace xcallsim::devmodel::test;
using machine::ApicMode;

namespace {

constexpr std::uint32_t kLogical = apic::kIcrDestLogical;
constexpr std::uint32_t shorthand(apic::Shorthand s) {
  return static_cast<std::uint32_t>(s) << apic::kIcrShorthandShift;
}
std::uint32_t xapic_dest(Client& c, int cpu) {
  return c.view(cpu, &shm::Slot::apic_id) << 24;
}

// INTA then EOI on each CPU, so the next IPI signals again.
void take_and_eoi(Client& c, const std::vector<int>& cpus, int vector) {
  for (int cpu : cpus) {
    INFO("cpu " << cpu);
    CHECK(c.inta(cpu) == vector);
    c.call(cpu, shm::Op::Eoi);
  }
}

}  // namespace

TEST_CASE("a unicast IPI raises exactly the target's vector and is dispatched by Inta",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  c.ready_all();
  c.call(0, shm::Op::IcrWrite, 0xfb, xapic_dest(c, 2));
  CHECK(c.raised() == std::vector<int>{2});
  CHECK(c.irr(2, 0xfb));
  CHECK(c.view(0, &shm::Slot::icr_lo) == 0xfbu);  // delivery status idle at the ack
  CHECK(c.inta(2) == 0xfb);
  CHECK(c.isr(2, 0xfb));
  CHECK_FALSE(c.irr(2, 0xfb));
  c.call(2, shm::Op::Eoi);
  CHECK_FALSE(c.isr(2, 0xfb));
  CHECK(c.inta(2) == -1);  // nothing left: a spurious wake-up is harmless

  const auto writes = h.records(trace::Kind::IcrWrite);
  const auto delivers = h.records(trace::Kind::IpiDeliver);
  REQUIRE(writes.size() == 1);
  REQUIRE(delivers.size() == 1);
  CHECK(writes[0].cpu == 0);
  CHECK(trace::IcrWrite::from(writes[0]).icr_lo == 0xfb);
  CHECK(delivers[0].cpu == 2);
  CHECK(trace::IpiDeliver::from(delivers[0]).vector == 0xfb);
  CHECK(trace::IpiDeliver::from(delivers[0]).sender == 0);
  // Model time: the write at the guest TSC, the arrival one same-socket latency later.
  CHECK(delivers[0].time - writes[0].time == 300);
  CHECK(h.records(trace::Kind::Eoi).size() == 1);
}

TEST_CASE("no MSI-X is raised for a CPU until it says its vector works", "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  c.ready_all();
  c.set_cpu_ready(3, false);
  c.call(0, shm::Op::IcrWrite, 0xfc, xapic_dest(c, 3));
  CHECK(c.irr(3, 0xfc));     // accepted by the model...
  CHECK(c.vector_quiet(3));  // ...but an early signal would be lost (QEMU-NOTES 5.5)
  c.set_cpu_ready(3, true);
  c.ring_doorbell();
  CHECK(c.wait_vector(3));
  CHECK(c.inta(3) == 0xfc);
}

TEST_CASE("shorthands and broadcasts reach the CPUs the APIC model resolves", "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  c.ready_all();
  SECTION("all excluding self") {
    c.call(1, shm::Op::IcrWrite, 0xfc | shorthand(apic::Shorthand::AllExcludingSelf), 0);
    CHECK(c.raised() == std::vector<int>{0, 2, 3});
    take_and_eoi(c, {0, 2, 3}, 0xfc);
  }
  SECTION("all including self") {
    c.call(1, shm::Op::IcrWrite, 0xfc | shorthand(apic::Shorthand::AllIncludingSelf), 0);
    CHECK(c.raised() == std::vector<int>{0, 1, 2, 3});
    take_and_eoi(c, {0, 1, 2, 3}, 0xfc);
  }
  SECTION("self") {
    c.call(2, shm::Op::IcrWrite, 0xfd | shorthand(apic::Shorthand::Self), 0);
    CHECK(c.raised() == std::vector<int>{2});
  }
  SECTION("physical broadcast 0xFF") {
    c.call(3, shm::Op::IcrWrite, 0xfb, 0xFFu << 24);
    CHECK(c.raised() == std::vector<int>{0, 1, 2, 3});
  }
  CHECK(h.server().stats().device.apic_errors == 0);
}

TEST_CASE("xAPIC logical flat and cluster destinations resolve through LDR and DFR",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  c.ready_all();
  SECTION("flat: the model's default LDR is 1 << cpu") {
    CHECK(c.view(1, &shm::Slot::ldr) == 0x02000000u);
    c.call(0, shm::Op::IcrWrite, 0xfb | kLogical, 0x06u << 24);
    CHECK(c.raised() == std::vector<int>{1, 2});
  }
  SECTION("cluster: programmed by the guest with DfrWrite and LdrWrite") {
    const std::uint32_t ids[4] = {0x11, 0x12, 0x21, 0x22};  // cluster << 4 | member bit
    for (int cpu = 0; cpu < 4; ++cpu) {
      c.call(cpu, shm::Op::DfrWrite, apic::kDfrCluster);
      c.call(cpu, shm::Op::LdrWrite, ids[cpu] << 24);
      CHECK(c.view(cpu, &shm::Slot::ldr) == ids[cpu] << 24);
      CHECK(c.view(cpu, &shm::Slot::dfr) == apic::kDfrCluster);
    }
    c.call(0, shm::Op::IcrWrite, 0xfb | kLogical, 0x23u << 24);  // cluster 2, members 1 and 2
    CHECK(c.raised() == std::vector<int>{2, 3});
    take_and_eoi(c, {2, 3}, 0xfb);
    c.call(3, shm::Op::IcrWrite, 0xfb | kLogical, 0x12u << 24);  // cluster 1, member 2
    CHECK(c.raised() == std::vector<int>{1});
  }
}

TEST_CASE("x2APIC cluster multicast and physical 32-bit destinations", "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::X2Apic, 32));  // APIC ids 0-31: clusters 0 and 1
  Client c(h.server().socket_path(), 32);
  c.ready_all();
  CHECK(c.header()->apic_mode == shm::kApicModeX2Apic);
  CHECK(c.view(18, &shm::Slot::ldr) == ((1u << 16) | (1u << 2)));
  SECTION("one write reaches the selected members of one cluster") {
    c.call(0, shm::Op::IcrWrite, 0xfc | kLogical, (1u << 16) | 0b101);
    CHECK(c.raised() == std::vector<int>{16, 18});
  }
  SECTION("physical destination is the whole high half") {
    c.call(5, shm::Op::IcrWrite, 0xfb, c.view(31, &shm::Slot::apic_id));
    CHECK(c.raised() == std::vector<int>{31});
  }
  SECTION("the SELF IPI register") {
    c.call(7, shm::Op::SelfIpi, 0xf0);
    CHECK(c.raised() == std::vector<int>{7});
    CHECK(c.inta(7) == 0xf0);
  }
}

TEST_CASE("same-vector IPIs coalesce in IRR while the target has not taken or EOIed them",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  c.ready_all();
  // Target has not taken the first one (IRQs off, say): one IRR bit holds them all.
  for (int i = 0; i < 3; ++i) c.call(0, shm::Op::IcrWrite, 0xfb, xapic_dest(c, 2));
  CHECK(c.raised() == std::vector<int>{2});  // one wake-up, not three
  CHECK(h.records(trace::Kind::IpiDeliver).size() == 1);
  CHECK(h.records(trace::Kind::IrrCoalesced).size() == 2);
  CHECK(c.inta(2) == 0xfb);  // IRR -> ISR
  // In service: one more can pend in IRR, the next coalesces.
  c.call(1, shm::Op::IcrWrite, 0xfb, xapic_dest(c, 2));
  c.call(1, shm::Op::IcrWrite, 0xfb, xapic_dest(c, 2));
  CHECK(c.irr(2, 0xfb));
  CHECK(c.isr(2, 0xfb));
  CHECK(c.vector_quiet(2));  // same class in service: not deliverable
  c.call(2, shm::Op::Eoi);
  CHECK(c.wait_vector(2));  // the pending one is deliverable now
  CHECK(c.inta(2) == 0xfb);
  c.call(2, shm::Op::Eoi);
  const auto coalesced = h.records(trace::Kind::IrrCoalesced);
  REQUIRE(coalesced.size() == 3);
  CHECK(trace::IrrCoalesced::from(coalesced.back()).sender == 1);  // the sender
  CHECK(h.server().stats().device.delivered == 2);
  CHECK(h.server().stats().device.coalesced == 3);
}

TEST_CASE("priority: the higher vector is dispatched first and TPR holds lower classes back",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  c.ready_all();
  c.call(1, shm::Op::TprWrite, 0xF0);
  c.call(0, shm::Op::IcrWrite, 0x41, xapic_dest(c, 1));
  c.call(0, shm::Op::IcrWrite, 0xfb, xapic_dest(c, 1));
  CHECK(c.vector_quiet(1));  // TPR class 15 masks both
  CHECK(c.view(1, &shm::Slot::ppr) == 0xF0u);
  c.call(1, shm::Op::TprWrite, 0);
  CHECK(c.wait_vector(1));
  CHECK(c.inta(1) == 0xfb);
  CHECK(c.inta(1) == -1);  // 0x41 is a lower class than 0xfb in service
  c.call(1, shm::Op::Eoi);
  CHECK(c.wait_vector(1));
  CHECK(c.inta(1) == 0x41);
}

namespace {
// The threads of this process named `name`: their policy and the host CPU
// each is pinned to (-1 if not pinned to exactly one).
std::vector<std::pair<int, int>> named_threads(const std::string& name) {
  std::vector<std::pair<int, int>> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (!std::getline(comm, line) || line != name) continue;
    const int tid = std::stoi(task.path().filename().string());
    cpu_set_t set;
    CPU_ZERO(&set);
    int cpu = -1;
    if (sched_getaffinity(tid, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1)
      for (int c = 0; c < CPU_SETSIZE && cpu < 0; ++c)
        if (CPU_ISSET(c, &set)) cpu = c;
    out.emplace_back(sched_getscheduler(tid), cpu);
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("keep_awake pins one SCHED_IDLE spinner to each allowed core while a guest is connected",
          "[unit][devmodel]") {
  cpu_set_t allowed;
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  std::vector<std::pair<int, int>> expected;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) expected.emplace_back(SCHED_IDLE, c);

  ServerOptions options;
  options.keep_awake = true;
  Harness h(make_machine(ApicMode::XApic, 2), options);
  CHECK(named_threads("xcs-keep-awake").empty());  // no guest yet
  {
    Client c(h.server().socket_path(), 2);
    c.ready_all();
    REQUIRE(h.wait_stats([](const ServerStats& s) { return s.connected; }));
    std::vector<std::pair<int, int>> spinners;
    for (int i = 0; i < 200 && spinners != expected; ++i) {  // each sets itself up
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      spinners = named_threads("xcs-keep-awake");
    }
    CHECK(spinners == expected);
    c.call(0, shm::Op::IcrWrite, 0xfb, xapic_dest(c, 1));  // IPIs flow as before
    CHECK(c.wait_vector(1));
  }  // QEMU goes away: the spinners stop
  REQUIRE(h.wait_stats([](const ServerStats& s) { return s.disconnects == 1; }));
  CHECK(named_threads("xcs-keep-awake").empty());
}
