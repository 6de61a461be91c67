// Internal to sim/apic: the messages between an ICR write and their arrival.
// Ordered by (arrival time, sequence number). The messages of one ICR write
// are grouped into batches, one per distinct arrival time (at most one per
// Distance on a real APIC; a write staggered by a hypervisor spills into
// more), and the heap orders batches; since a write's sequence numbers
// are contiguous and assigned in target order, replaying batches by
// (time, first seq) is exactly (time, seq) order, and a broadcast to 1023
// CPUs costs at most kDistanceCount heap operations instead of 1023.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sim/apic/icr.hpp"

namespace xcallsim::apic::detail {

using Time = machine::Cycles;

struct Message {
  std::uint64_t seq = 0;
  int from = -1;  // sending CPU; -1 for an external (non-IPI) interrupt
  int to = 0;
  std::uint8_t vector = 0;
  DeliveryMode mode = DeliveryMode::Fixed;
  Trigger trigger = Trigger::Edge;
};

class InFlightQueue {
 public:
  // Add the messages of one write (in increasing seq order), then commit().
  void add(Time arrival, const Message& m);
  void commit();

  std::optional<Time> next_time() const;
  std::size_t size() const { return size_; }

  // Removes every message with arrival <= t and calls apply(arrival, message)
  // for each in (arrival, seq) order. apply must not add messages.
  template <class Apply>
  void drain_until(Time t, Apply&& apply) {
    while (!heap_.empty() && heap_.front().time <= t) {
      const Batch batch = pop_batch();
      std::vector<Message>& messages = slots_[batch.slot];
      size_ -= messages.size();
      for (const Message& m : messages) apply(batch.time, m);
      messages.clear();
      free_slots_.push_back(batch.slot);
    }
  }

 private:
  struct Batch {
    Time time = 0;
    std::uint64_t first_seq = 0;
    std::uint32_t slot = 0;  // index into slots_
  };
  static bool later(const Batch& a, const Batch& b) {  // heap comparator: min-heap
    return a.time != b.time ? a.time > b.time : a.first_seq > b.first_seq;
  }
  Batch pop_batch();
  std::uint32_t take_slot();

  std::vector<Batch> heap_;
  std::vector<std::vector<Message>> slots_;  // recycled so steady state never allocates
  std::vector<std::uint32_t> free_slots_;
  std::array<Batch, machine::kDistanceCount> open_{};  // batches of the write being added
  int open_count_ = 0;
  std::size_t size_ = 0;
};

}  // namespace xcallsim::apic::detail
