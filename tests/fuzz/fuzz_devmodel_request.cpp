// libFuzzer target: the device model's request decoder and the whole request
// loop over guest-written shared memory. Any bytes a guest can write must be
// refused or served without a crash, a hang or a broken invariant:
// - decode_request accepts only entries whose check word and seq match;
// - after a pass every slot's ack_seq equals its req_head (nothing is left
//   half-consumed, work per pass is bounded);
// - the CPUs to signal are distinct and in range; trace rings drain to head.
// Input: 4 bytes expected seq + 32 bytes request (decoder), then a script of
// (op byte, CPU byte, payload) steps applied to a 4-CPU model's region.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "sim/devmodel/device.hpp"
#include "sim/devmodel/request.hpp"

using namespace xcallsim;
using namespace xcallsim::devmodel;

namespace {

machine::MachineConfig make_config(bool x2apic) {
  machine::MachineConfig c;
  c.name = "fuzz";
  c.ghz = 2.0;
  c.topology.cores_per_socket = 4;
  c.apic.mode = x2apic ? machine::ApicMode::X2Apic : machine::ApicMode::XApic;
  c.apic.costs.icr_write = 20;
  c.apic.costs.delivery = {50, 100, 150, 300, 700};
  return c;
}

constexpr std::uint32_t kRing = 16;
constexpr int kCpus = 4;

std::byte* region() {
  static const std::size_t size = required_shm_size(kCpus, kRing);
  static std::byte* bytes = static_cast<std::byte*>(std::aligned_alloc(4096, size));
  return bytes;
}

void check(bool ok) {
  if (!ok) std::abort();
}

struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  bool take(void* out, std::size_t k) {
    if (n < k) return false;
    std::memcpy(out, p, k);
    p += k;
    n -= k;
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in{data, size};
  std::uint32_t expected = 0;
  shm::Request req{};
  if (!in.take(&expected, 4) || !in.take(&req, sizeof req)) return 0;
  const Decoded d = decode_request(req, expected);
  if (d.reject == shm::Reject::None) {
    check(shm::request_check(req) == req.check && req.seq == expected);
    check(req.op >= 1 && req.op <= shm::kMaxOp && req.flags == 0 && req.reserved == 0);
  }

  const std::size_t size_bytes = required_shm_size(kCpus, kRing);
  DeviceOptions options;
  options.ring_capacity = kRing;
  Device device(make_config((expected & 1) != 0), {region(), size_bytes}, options);
  device.set_reporter([](const std::string&) {});
  std::vector<trace::Record> drained;
  std::uint8_t step[2];
  while (in.take(step, 2)) {
    const int cpu = step[1] % kCpus;
    shm::Slot* s = device.slot(cpu);
    switch (step[0] % 8) {
      case 0: {  // a raw entry
        shm::Request r{};
        if (!in.take(&r, sizeof r)) return 0;
        s->ring[r.seq % shm::kRequestEntries] = r;
        break;
      }
      case 1: {  // a well-formed request with fuzzed op and arguments
        std::uint32_t a[3];
        if (!in.take(a, sizeof a)) return 0;
        const std::uint32_t seq = s->req_head + 1;
        s->ring[seq % shm::kRequestEntries] = make_request(
            seq, static_cast<shm::Op>(a[0] % (shm::kMaxOp + 2)), a[1], a[2], seq * 1000ull);
        s->req_head = seq;
        break;
      }
      case 2: {  // any head
        if (!in.take(&s->req_head, 4)) return 0;
        break;
      }
      case 3: {  // header guest fields and cpu_ready
        std::uint32_t v[2];
        if (!in.take(v, sizeof v)) return 0;
        device.header()->guest_state = (v[0] & 1) ? shm::kGuestReady : v[0];
        device.header()->guest_tsc_khz = v[1];
        s->cpu_ready = (v[0] & 2) ? shm::kGuestReady : v[1];
        break;
      }
      case 4: {  // a trace record and any head
        shm::TraceEntry e{};
        std::uint32_t head = 0;
        if (!in.take(&e, sizeof e) || !in.take(&head, 4)) return 0;
        shm::RingHeader* r = device.ring(cpu);
        reinterpret_cast<shm::TraceEntry*>(reinterpret_cast<std::byte*>(r) +
                                           shm::kRingHeaderSize)[head % kRing] = e;
        r->head = head;
        break;
      }
      case 5: {
        drained.clear();
        device.drain_trace_rings(drained);
        for (int k = 0; k < kCpus; ++k) check(device.ring(k)->tail == device.ring(k)->head);
        for (const trace::Record& rec : drained)
          check(rec.cpu < kCpus && rec.time <= kMaxModelTime);
        break;
      }
      default: {
        const std::vector<int>& signals = device.process();
        std::vector<char> seen(kCpus, 0);
        for (int k : signals) {
          check(k >= 0 && k < kCpus && !seen[static_cast<std::size_t>(k)]);
          seen[static_cast<std::size_t>(k)] = 1;
        }
        for (int k = 0; k < kCpus; ++k) check(device.slot(k)->ack_seq == device.slot(k)->req_head);
        break;
      }
    }
  }
  device.process();
  return 0;
}
