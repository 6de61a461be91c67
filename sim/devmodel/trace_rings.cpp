// Draining the guests' per-CPU trace rings (shm::RingHeader + TraceEntry).
#include <algorithm>

#include "sim/devmodel/device.hpp"
#include "sim/devmodel/shm_access.hpp"
#include "sim/trace/file.hpp"

namespace xcallsim::devmodel {

std::size_t Device::drain_trace_rings(std::vector<trace::Record>& out) {
  latch_guest_clock();
  std::size_t moved = 0;
  for (int cpu = 0; cpu < cpu_count(); ++cpu) {
    const auto i = static_cast<std::size_t>(cpu);
    shm::RingHeader* r = ring(cpu);
    const std::uint32_t head = detail::load_acquire(&r->head);
    const std::uint32_t pending = head - trace_tail_[i];
    if (pending == 0) continue;
    if (pending > ring_capacity_) {
      // The guest ignored tail: entries may be half rewritten. Drop them all.
      stats_.trace_lost += pending;
      detail::store_relaxed(&r->overflows, detail::load_relaxed(&r->overflows) + 1);
      const std::uint64_t lost = std::uint64_t{detail::load_relaxed(&r->lost)} + pending;
      detail::store_relaxed(&r->lost,
                            static_cast<std::uint32_t>(std::min<std::uint64_t>(lost, 0xFFFFFFFFu)));
      reject(cpu, shm::Reject::TraceOverflow, head, pending);
      trace_tail_[i] = head;
      detail::store_release(&r->tail, head);
      continue;
    }
    const auto* entries = reinterpret_cast<const shm::TraceEntry*>(
        reinterpret_cast<const std::byte*>(r) + shm::kRingHeaderSize);
    for (std::uint32_t k = 0; k < pending; ++k) {
      const std::uint32_t n = trace_tail_[i] + k;
      const auto bytes = detail::copy_trace_entry(&entries[n & (ring_capacity_ - 1)]);
      trace::Record rec = trace::Record::decode(bytes.data());
      const auto kind = static_cast<std::uint16_t>(rec.kind);
      if (kind == 0 || kind >= trace::kFirstControlKind) {
        ++stats_.trace_lost;  // stream-control records are the writer's, never a guest's
        continue;
      }
      // The entry is a trace record's 32 bytes (shm_layout.hpp); the host's
      // clock and the ring's CPU replace the guest's time and cpu.
      rec.time = convert_tsc(rec.time);
      rec.cpu = static_cast<std::uint16_t>(cpu);
      out.push_back(rec);
      ++moved;
      ++stats_.trace_records;
    }
    trace_tail_[i] = head;
    detail::store_release(&r->tail, head);
  }
  return moved;
}

}  // namespace xcallsim::devmodel
