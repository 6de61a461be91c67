// Benchmarks of the device model (docs/performance.md, "Device model"):
// - the request loop alone on an in-memory region (CPU time per IPI: the
//   sender's IcrWrite, the target's Inta and Eoi, one pass each);
// - the host side of the IPI path through the real server: doorbell eventfd
//   -> pass -> MSI-X eventfd, measured in host wall time by the protocol test
//   client (what QEMU's iothread and the guest would add is not included).
#include <benchmark/benchmark.h>
#include <poll.h>

#include <cstdlib>

#include "client.hpp"
#include "sim/devmodel/device.hpp"

using namespace xcallsim;
using namespace xcallsim::devmodel;

namespace {

void BM_DeviceIpi(benchmark::State& state) {
  const int cpus = static_cast<int>(state.range(0));
  const auto config = test::make_machine(machine::ApicMode::XApic, cpus);
  DeviceOptions options;
  options.ring_capacity = 16;
  const std::size_t size = required_shm_size(cpus, options.ring_capacity);
  std::byte* bytes = static_cast<std::byte*>(std::aligned_alloc(4096, size));
  {
    Device device(config, {bytes, size}, options);
    device.set_reporter([](const std::string&) {});
    for (int k = 0; k < cpus; ++k) device.slot(k)->cpu_ready = shm::kGuestReady;
    std::uint32_t seq0 = 0, seq1 = 0;
    std::uint64_t tsc = 0;
    const std::uint32_t dest = device.slot(1)->apic_id << 24;
    const auto post = [&](int cpu, std::uint32_t& seq, shm::Op op, std::uint32_t a0,
                          std::uint32_t a1) {
      ++seq;
      device.slot(cpu)->ring[seq % shm::kRequestEntries] =
          make_request(seq, op, a0, a1, tsc += 1000);
      __atomic_store_n(&device.slot(cpu)->req_head, seq, __ATOMIC_RELEASE);
      benchmark::DoNotOptimize(device.process());
    };
    for (auto _ : state) {
      post(0, seq0, shm::Op::IcrWrite, 0xfb, dest);
      post(1, seq1, shm::Op::Inta, 0, 0);
      post(1, seq1, shm::Op::Eoi, 0, 0);
    }
    state.counters["ipis/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  }
  std::free(bytes);
}
BENCHMARK(BM_DeviceIpi)->Arg(4)->Arg(64)->Arg(255);

// Host wall time. Arg 0: one host hop, doorbell with an IcrWrite posted ->
// MSI-X 1 readable. Arg 1: what a protocol-1 guest did per IPI: that hop,
// then the target's Inta round trip (doorbell -> ack) and its Eoi (posted,
// rung). Arg 2: protocol 2's fast path: that hop, then IntaPosted of the
// view's next_vector and the Eoi, posted under one doorbell, no wait.
void BM_ServerRoundTrip(benchmark::State& state) {
  test::Harness h(test::make_machine(machine::ApicMode::XApic, 2));
  test::Client c(h.server().socket_path(), 2);
  c.ready_all();
  const std::uint32_t dest = c.view(1, &shm::Slot::apic_id) << 24;
  const int vector_fd = c.own_efds[1].get();
  for (auto _ : state) {
    c.post(0, shm::Op::IcrWrite, 0xfb, dest);
    c.ring_doorbell();
    pollfd p{vector_fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) {
      state.SkipWithError("no MSI-X within 2 s");
      break;
    }
    drain_eventfd(vector_fd);
    if (state.range(0) == 1) {  // the full guest protocol: Inta round trip, then Eoi
      // Spin (with yield) on the ack as a guest does; Client::wait_ack sleeps.
      const std::uint32_t seq = c.post(1, shm::Op::Inta);
      c.ring_doorbell();
      while (__atomic_load_n(&c.slot(1)->ack_seq, __ATOMIC_ACQUIRE) != seq)
        std::this_thread::yield();
      if (c.view(1, &shm::Slot::inta_vector) != 0xfb) {
        state.SkipWithError("Inta did not return the vector");
        break;
      }
      c.post(1, shm::Op::Eoi);
      c.ring_doorbell();
    } else if (state.range(0) == 2) {
      const std::uint32_t next = c.view(1, &shm::Slot::next_vector);
      if (next != 0xfb) {
        state.SkipWithError("the view does not name the vector");
        break;
      }
      c.post(1, shm::Op::IntaPosted, next);
      c.post(1, shm::Op::Eoi);
      c.ring_doorbell();
    } else {  // one host hop only: reset the target outside the timed region
      state.PauseTiming();
      if (c.inta(1) != 0xfb) {
        state.SkipWithError("Inta did not return the vector");
        break;
      }
      c.call(1, shm::Op::Eoi);
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_ServerRoundTrip)->Arg(0)->Arg(1)->Arg(2)->UseRealTime()->MinTime(1.0);

}  // namespace
