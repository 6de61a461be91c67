#include "sim/apic/in_flight.hpp"

#include <algorithm>

namespace xcallsim::apic::detail {

void InFlightQueue::add(Time arrival, const Message& m) {
  Batch* batch = nullptr;
  for (int i = 0; i < open_count_; ++i) {
    if (open_[static_cast<std::size_t>(i)].time == arrival)
      batch = &open_[static_cast<std::size_t>(i)];
  }
  if (batch == nullptr) {
    // A real APIC's write has one arrival time per Distance; a hypervisor
    // delivering target after target has one per target. When every open
    // batch is taken, they go to the heap now: a later batch of an equal
    // time then holds only higher sequence numbers, so (time, first seq)
    // order is still (time, seq) order.
    if (open_count_ == static_cast<int>(open_.size())) commit();
    batch = &open_[static_cast<std::size_t>(open_count_++)];
    *batch = Batch{arrival, m.seq, take_slot()};
  }
  slots_[batch->slot].push_back(m);
  ++size_;
}

void InFlightQueue::commit() {
  for (int i = 0; i < open_count_; ++i) {
    heap_.push_back(open_[static_cast<std::size_t>(i)]);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  open_count_ = 0;
}

std::optional<Time> InFlightQueue::next_time() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().time;
}

InFlightQueue::Batch InFlightQueue::pop_batch() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const Batch batch = heap_.back();
  heap_.pop_back();
  return batch;
}

std::uint32_t InFlightQueue::take_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

}  // namespace xcallsim::apic::detail
