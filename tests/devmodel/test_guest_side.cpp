// The guest's protocol code (guest/devmodel/devmodel.hpp, freestanding) run
// on the host against the real server: the test client plays QEMU (the
// handshake, the doorbell eventfd, the MSI-X eventfds) and the guest code
// drives the shared memory exactly as the bare-metal guest will.
#include <catch2/catch.hpp>
#include <thread>

#include "client.hpp"
#include "guest/devmodel/devmodel.hpp"
#include "sim/apic/apic.hpp"

using namespace xcallsim;
using namespace xcallsim::devmodel;
using namespace xcallsim::devmodel::test;
namespace gdm = ::guest::devmodel;
using machine::ApicMode;

namespace {

std::uint64_t fake_tsc() {
  static std::atomic<std::uint64_t> t{0};
  return t += 1000;
}

struct GuestRig {
  explicit GuestRig(Harness& h, int cpus) : client(h.server().socket_path(), cpus) {
    port.base = reinterpret_cast<std::uint8_t*>(client.header());
    port.size = client.shm_size;
    port.doorbell = [](void* ctx) { static_cast<Client*>(ctx)->ring_doorbell(); };
    port.ctx = &client;
    port.now = &fake_tsc;
    port.relax = [] { std::this_thread::yield(); };
    port.spin_limit = 2'000'000;
  }
  // What devmodel_init() does: attach, one DevmodelCpu per CPU, ready.
  template <int N>
  bool bring_up(gdm::DevmodelCpu (&cpu)[N]) {
    if (gdm::attach(port, N) != gdm::AttachStatus::Ok) return false;
    for (int k = 0; k < N; ++k) {
      cpu[k].init(&port, k);
      cpu[k].set_ready(static_cast<std::uint32_t>(k));
    }
    gdm::publish_guest_ready(port, 2'000'000, N, 1);
    return true;
  }
  Client client;
  gdm::Port port;
};

}  // namespace

TEST_CASE("guest side: attach validates the published layout", "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  GuestRig g(h, 4);
  CHECK(gdm::attach(g.port, 4) == gdm::AttachStatus::Ok);
  CHECK(gdm::attach(g.port, 5) == gdm::AttachStatus::TooFewCpus);
  gdm::Port small = g.port;
  small.size = 8192;  // a BAR smaller than the layout
  CHECK(gdm::attach(small, 4) == gdm::AttachStatus::BadLayout);
}

TEST_CASE("guest side: ready handshake, IPI, INTA, EOI and ESR through the server",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  GuestRig g(h, 4);
  gdm::DevmodelCpu cpu[4];
  REQUIRE(g.bring_up(cpu));

  REQUIRE(cpu[0].icr_write(0xfc, cpu[0].apic_id_of(3) << 24));
  REQUIRE(g.client.wait_vector(3));  // MSI-X 3
  CHECK(cpu[3].inta() == 0xfc);
  CHECK(cpu[3].eoi());
  CHECK(cpu[3].inta() == gdm::kNoVector);

  // Back-to-back ICR writes wait for the previous one's ack (xAPIC busy).
  for (int i = 0; i < 3; ++i) REQUIRE(cpu[1].icr_write(0xfb, cpu[1].apic_id_of(2) << 24));
  REQUIRE(cpu[1].wait_ack(cpu[1].slot()->req_head));
  CHECK_FALSE(cpu[1].icr_busy());
  REQUIRE(g.client.wait_vector(2));
  CHECK(cpu[2].inta() == 0xfb);

  REQUIRE(cpu[2].icr_write(0x07, cpu[2].apic_id_of(0) << 24));  // illegal vector
  CHECK(cpu[2].read_esr() == apic::kEsrSendIllegalVector);
  CHECK(h.server().stats().device.total_rejected() == 0);  // the guest code is well formed
}

TEST_CASE("guest side: trace records reach the host in model time", "[unit][devmodel]") {
  ServerOptions o;
  o.device.ring_capacity = 16;
  o.trace_drain_interval = Ms(1);
  Harness h(make_machine(ApicMode::XApic, 2), o);
  GuestRig g(h, 2);
  REQUIRE(gdm::attach(g.port, 2) == gdm::AttachStatus::Ok);
  gdm::DevmodelCpu cpu1;
  cpu1.init(&g.port, 1);
  gdm::publish_guest_ready(g.port, 1'000'000, 2, 1);  // 1 GHz guest TSC, 2 GHz model
  for (std::uint32_t i = 0; i < 40; ++i) {  // more than the ring holds: the host drains it
    cpu1.trace(trace::Mark{.value = i}.to_record());
    if (i % 8 == 7) {
      const bool drained =
          h.wait_stats([&](const ServerStats& s) { return s.device.trace_records == i + 1; });
      REQUIRE(drained);
    }
  }
  const auto recs = h.guest_records();
  REQUIRE(recs.size() == 40);
  for (std::uint32_t i = 0; i < 40; ++i) {
    INFO("record " << i);
    CHECK(recs[i].cpu == 1);
    CHECK(trace::Mark::from(recs[i]).value == i);
    if (i > 0) CHECK(recs[i].time == recs[i - 1].time + 2000);  // 1000 TSC ticks = 2000 cycles
  }
  CHECK(g.client.ring(1)->dropped == 0);
}

TEST_CASE("guest side: a posted INTA dispatches the view's vector without a round trip",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  GuestRig g(h, 4);
  gdm::DevmodelCpu cpu[4];
  REQUIRE(g.bring_up(cpu));
  const auto dest = [&](int k) { return cpu[0].apic_id_of(k) << 24; };

  REQUIRE(cpu[0].icr_write(0x51, dest(3)));
  REQUIRE(g.client.wait_vector(3));
  REQUIRE(cpu[3].take_posted() == 0x51);
  CHECK(cpu[3].slot()->req_head != cpu[3].slot()->ack_seq);  // posted, not yet served
  CHECK(g.client.irr(3, 0x51));

  // A higher class sent at an earlier TSC (so served first) arrives after the
  // guest chose 0x51: the model dispatches the guest's choice, counts the race
  // and signals again for 0x91.
  const std::uint32_t seq = g.client.next_seq(1);
  g.client.post_raw(1, make_request(seq, shm::Op::IcrWrite, 0x91, dest(3), /*tsc=*/1), seq);
  g.client.ring_doorbell();
  REQUIRE(g.client.wait_ack(1, seq));
  REQUIRE(h.wait_stats([](const ServerStats& s) { return s.device.intas_posted == 1; }));
  CHECK(h.server().stats().device.inta_races == 1);
  CHECK(g.client.isr(3, 0x51));
  REQUIRE(g.client.wait_vector(3));
  CHECK(cpu[3].take_posted() == 0x91);  // nests above 0x51's class
  REQUIRE(cpu[3].eoi());
  REQUIRE(cpu[3].eoi());
  REQUIRE(cpu[3].wait_ack(cpu[3].slot()->req_head));
  CHECK_FALSE(g.client.isr(3, 0x51));
  CHECK_FALSE(g.client.isr(3, 0x91));
  CHECK(h.server().stats().device.intas_posted == 2);

  // A view that does not yet reflect this CPU's own request is not used.
  REQUIRE(cpu[0].icr_write(0x61, dest(2)));
  REQUIRE(g.client.wait_vector(2));
  REQUIRE(cpu[2].post(shm::Op::TprWrite, 0x70) != 0);  // unserved: would mask 0x61
  CHECK(cpu[2].take_posted() == gdm::kNoVector);
  cpu[2].ring();
  REQUIRE(cpu[2].wait_ack(cpu[2].slot()->req_head));
  CHECK(cpu[2].take_posted() == gdm::kNoVector);  // served: TPR class 7 masks class 6
  CHECK(cpu[2].write_tpr(0));
  REQUIRE(cpu[2].wait_ack(cpu[2].slot()->req_head));
  CHECK(cpu[2].take_posted() == 0x61);
  CHECK(h.server().stats().device.total_rejected() == 0);
}

TEST_CASE("guest side: one pass serves CPUs in TSC order, so a posted INTA precedes a later ICR",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  GuestRig g(h, 4);
  gdm::DevmodelCpu cpu[4];
  REQUIRE(g.bring_up(cpu));
  const std::uint32_t dest3 = cpu[0].apic_id_of(3) << 24;

  REQUIRE(cpu[0].icr_write(0xfb, dest3));
  REQUIRE(g.client.wait_vector(3));
  REQUIRE(cpu[3].take_posted() == 0xfb);  // posted, unserved (CPU 3 > CPU 0 in index order)
  // The same vector again, later in guest time: served after the INTA, it is
  // a new delivery, not IRR coalescing (serving CPU 0 first would coalesce).
  REQUIRE(cpu[0].icr_write(0xfb, dest3));
  REQUIRE(cpu[0].wait_ack(cpu[0].slot()->req_head));
  CHECK(h.server().stats().device.coalesced == 0);
  CHECK(h.server().stats().device.delivered == 2);
  CHECK(g.client.isr(3, 0xfb));
  CHECK(g.client.irr(3, 0xfb));
}

TEST_CASE("guest side: 200 IPIs back to back with keep_awake on, none lost or coalesced",
          "[unit][devmodel]") {
  ServerOptions options;
  options.keep_awake = true;
  Harness h(make_machine(ApicMode::XApic, 2), options);
  GuestRig g(h, 2);
  gdm::DevmodelCpu cpu[2];
  REQUIRE(g.bring_up(cpu));
  const std::uint32_t dest1 = cpu[0].apic_id_of(1) << 24;
  constexpr int kIpis = 200;
  for (int i = 0; i < kIpis; ++i) {
    REQUIRE(cpu[0].icr_write(0xfb, dest1));
    REQUIRE(g.client.wait_vector(1));
    int v = cpu[1].take_posted();
    if (v == gdm::kNoVector) v = cpu[1].inta();
    REQUIRE(v == 0xfb);
    REQUIRE(cpu[1].eoi());
    REQUIRE(cpu[1].wait_ack(cpu[1].slot()->req_head));
  }
  const Stats s = h.server().stats().device;
  CHECK(s.delivered == kIpis);
  CHECK(s.coalesced == 0);
  CHECK(s.total_rejected() == 0);
}
