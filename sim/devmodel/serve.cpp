// Device, serving requests: every CPU's pending requests, merged in guest-TSC
// order (docs/devmodel-protocol.md "Serving order").
//
// Why an order across CPUs: a guest CPU posts some requests without waiting
// for them (IntaPosted, Eoi) and then lets another CPU act on the result (a
// csd unlock, then that CPU's next ICR write). Under TCG every vCPU reads the
// host's TSC, so TSC order is the guest's causal order; serving CPU by CPU
// would let the later ICR find the vector still in IRR and coalesce it.
// A request is applied only once a later scan of every req_head has run:
// whatever any CPU published before it is visible by then (x86 TSO), and if
// its TSC is earlier it goes first.
#include "sim/devmodel/device.hpp"
#include "sim/devmodel/request.hpp"
#include "sim/devmodel/shm_access.hpp"

namespace xcallsim::devmodel {

using namespace detail;

namespace {
// Scans a request may wait for a lower-TSC newcomer before it is applied
// anyway (bounds the work a guest that keeps posting can cause).
constexpr int kMaxDeferrals = 4;

bool seq_at_or_before(std::uint32_t seq, std::uint32_t head) {
  return static_cast<std::int32_t>(head - seq) >= 0;
}
}  // namespace

void Device::scan(int cpu) {
  const auto i = static_cast<std::size_t>(cpu);
  const std::uint32_t head = load_acquire(&slot(cpu)->req_head);
  const std::uint32_t pending = head - acked_[i];
  heads_[i] = head;
  if (pending == 0) return;
  dirty_[i] = 1;
  if (pending > shm::kRequestEntries) {
    stats_.requests += pending;
    reject(cpu, shm::Reject::RingOverflow, head, pending);
    acked_[i] = head;  // resynchronize: everything up to head is dropped
    next_[i].reset();
  }
}

// The next valid request of `cpu` (copied once), consuming rejected ones;
// none once the CPU used up this pass's budget.
const Command* Device::peek(int cpu) {
  const auto i = static_cast<std::size_t>(cpu);
  while (!next_[i] && acked_[i] != heads_[i] && served_[i] < shm::kRequestEntries) {
    const std::uint32_t seq = acked_[i] + 1;
    const Decoded d =
        decode_request(copy_request(&slot(cpu)->ring[seq % shm::kRequestEntries]), seq);
    if (d.reject == shm::Reject::None) {
      next_[i] = d.command;
    } else {
      ++stats_.requests;
      ++served_[i];
      reject(cpu, d.reject, seq, d.detail);
      acked_[i] = seq;
    }
  }
  return next_[i] ? &*next_[i] : nullptr;
}

// At most kRequestEntries requests per CPU per pass: a guest that keeps
// posting while the host serves cannot hold a pass (a well-behaved guest
// never has more in flight, as ack_seq is published only after the pass).
void Device::serve_all() {
  const int n = cpu_count();
  served_.assign(static_cast<std::size_t>(n), 0);
  for (int cpu = 0; cpu < n; ++cpu) scan(cpu);
  int deferrals = 0;
  for (;;) {
    std::swap(seen_, heads_);  // seen_: the previous scan
    for (int cpu = 0; cpu < n; ++cpu) scan(cpu);
    int pick = -1;
    for (int cpu = 0; cpu < n; ++cpu) {
      const Command* c = peek(cpu);
      if (c != nullptr && (pick < 0 || c->tsc < next_[static_cast<std::size_t>(pick)]->tsc))
        pick = cpu;
    }
    if (pick < 0) return;
    const auto i = static_cast<std::size_t>(pick);
    if (!seq_at_or_before(next_[i]->seq, seen_[i]) && ++deferrals <= kMaxDeferrals) continue;
    deferrals = 0;
    const Command c = *next_[i];
    next_[i].reset();
    ++stats_.requests;
    ++served_[i];
    apply(pick, c);
    acked_[i] = c.seq;
  }
}

}  // namespace xcallsim::devmodel
