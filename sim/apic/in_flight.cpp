#include "sim/apic/in_flight.hpp"

#include <algorithm>
#include <stdexcept>

namespace xcallsim::apic::detail {

void InFlightQueue::add(Time arrival, const Message& m) {
  Batch* batch = nullptr;
  for (int i = 0; i < open_count_; ++i) {
    if (open_[static_cast<std::size_t>(i)].time == arrival)
      batch = &open_[static_cast<std::size_t>(i)];
  }
  if (batch == nullptr) {
    // One write has at most one arrival time per Distance; more means the
    // caller mixed two writes without commit().
    if (open_count_ == static_cast<int>(open_.size()))
      throw std::logic_error("apic: more arrival times in one ICR write than distances");
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
