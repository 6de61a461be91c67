// The shared-memory layout as the Device writes it, on an in-memory region
// (no sockets): header, per-CPU identity, sizes, and a pass without a server.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>

#include "client.hpp"
#include "sim/devmodel/device.hpp"

using namespace xcallsim;
using namespace xcallsim::devmodel;
using machine::ApicMode;

namespace {

struct Region {
  explicit Region(std::size_t n)
      : size(n), bytes(static_cast<std::byte*>(std::aligned_alloc(4096, n)), &std::free) {}
  std::span<std::byte> span() const { return {bytes.get(), size}; }
  std::size_t size;
  std::unique_ptr<std::byte, decltype(&std::free)> bytes;
};

DeviceOptions ring(std::uint32_t capacity) {
  DeviceOptions o;
  o.ring_capacity = capacity;
  return o;
}

}  // namespace

TEST_CASE("the device publishes a versioned header and each CPU's APIC identity",
          "[unit][devmodel]") {
  const auto config = test::make_machine(ApicMode::XApic, 4, 2);  // ids 0-3 and 4-7
  const std::uint64_t size = required_shm_size(8, 64);
  REQUIRE(std::has_single_bit(size));
  Region region(size);
  Device device(config, region.span(), ring(64));
  const shm::Header* h = device.header();
  CHECK(h->magic == shm::kMagic);
  CHECK(h->version == shm::kVersion);
  CHECK(h->header_size == shm::kHeaderSize);
  CHECK(h->shm_size == size);
  CHECK(h->cpu_count == 8);
  CHECK(h->apic_mode == shm::kApicModeXApic);
  CHECK(h->model_khz == 2'000'000);
  CHECK(h->slot_offset == shm::kHeaderSize);
  CHECK(h->ring_capacity == 64);
  CHECK(h->ring_offset % 4096 == 0);
  CHECK(h->ring_offset >= h->slot_offset + 8 * shm::kSlotSize);
  CHECK(h->host_state == shm::kHostReady);
  for (int cpu = 0; cpu < 8; ++cpu) {
    INFO("cpu " << cpu);
    CHECK(device.slot(cpu)->apic_id == device.topology().apic_id(cpu));
    CHECK(device.slot(cpu)->ldr == device.apic().ldr(cpu));
    CHECK(device.slot(cpu)->dfr == 0xFFFFFFFF);
    CHECK(device.slot(cpu)->inta_vector == shm::kNoVector);
  }
  device.stop();
  CHECK(h->host_state == shm::kHostStopped);
}

TEST_CASE("the device refuses a region that is too small, not a power of two or misaligned",
          "[unit][devmodel]") {
  const auto config = test::make_machine(ApicMode::XApic, 4);
  const std::uint64_t size = required_shm_size(4, 1024);
  Region region(size * 2);
  CHECK_THROWS_AS(Device(config, region.span().first(size / 2), {}), std::invalid_argument);
  CHECK_THROWS_AS(Device(config, region.span().first(size - 64), {}), std::invalid_argument);
  CHECK_THROWS_AS(Device(config, region.span().subspan(8, size), {}), std::invalid_argument);
  CHECK_THROWS_AS(Device(config, region.span().first(size), ring(100)), std::invalid_argument);
  CHECK_NOTHROW(Device(config, region.span().first(size), {}));
}

TEST_CASE("a pass without a server serves requests and signals only ready CPUs",
          "[unit][devmodel]") {
  const auto config = test::make_machine(ApicMode::XApic, 4);
  Region region(required_shm_size(4, 16));
  Device device(config, region.span(), ring(16));
  shm::Slot* s0 = device.slot(0);
  s0->ring[1] = make_request(1, shm::Op::IcrWrite, 0xfb, device.slot(3)->apic_id << 24, 1000);
  s0->req_head = 1;
  CHECK(device.process().empty());  // CPU 3 has not said its vector works: it would be lost
  CHECK(s0->ack_seq == 1);
  CHECK((device.slot(3)->irr[0xfb / 32] >> (0xfb % 32) & 1u) == 1u);
  device.slot(3)->cpu_ready = shm::kGuestReady;
  CHECK(device.process() == std::vector<int>{3});
  CHECK(device.process().empty());  // signalled once until CPU 3 sends Inta
  CHECK(device.stats().requests == 1);
  CHECK(device.stats().delivered == 1);
}

// A guest that keeps posting while the host serves (here: every applied ICR
// write makes the "guest" publish the next one at once, from the device's
// record sink) cannot hold a pass: a pass consumes at most 16 requests per
// CPU, and the next pass goes on from there.
TEST_CASE("a pass consumes at most 16 requests per CPU, however fast the guest posts",
          "[unit][devmodel]") {
  const auto config = test::make_machine(ApicMode::XApic, 2);
  Region region(required_shm_size(2, 16));
  Device device(config, region.span(), ring(16));
  shm::Slot* s0 = device.slot(0);
  const std::uint32_t dest = device.slot(1)->apic_id << 24;
  std::uint32_t head = 0;
  const auto post_icr = [&] {
    ++head;
    s0->ring[head % shm::kRequestEntries] =
        make_request(head, shm::Op::IcrWrite, 0xfb, dest, 1000ull * head);
    __atomic_store_n(&s0->req_head, head, __ATOMIC_RELEASE);
  };
  device.set_record_sink([&](const trace::Record& r) {
    if (r.kind == trace::Kind::IcrWrite) post_icr();
  });
  post_icr();
  for (std::uint32_t pass = 1; pass <= 3; ++pass) {
    device.process();
    CHECK(s0->ack_seq == pass * shm::kRequestEntries);
    CHECK(head == pass * shm::kRequestEntries + 1);  // one more is waiting for the next pass
  }
  CHECK(device.stats().total_rejected() == 0);
}
