// A CPU's x86-TSO store buffer (internal to sim/smp; docs/architecture.md
// "Memory model").
// Contract: a bounded FIFO of stores that have executed but are not yet
// visible to other CPUs. Entries retire (become visible) strictly in program
// order, each no earlier than its line's RFO completes, so `retire` times are
// non-decreasing from front to back. A load of the same CPU forwards from the
// youngest entry that covers it exactly; a partial overlap cannot forward
// (the load waits for that entry to retire, as on hardware). Pure data: the
// Core decides when entries retire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/machine/machine.hpp"

namespace xcallsim::smp::detail {

struct BufferedStore {
  void* word = nullptr;
  std::uint64_t bits = 0;  // the stored value's bytes (size of them)
  machine::Cycles retire = 0;
  machine::LineId line = 0;
  std::uint8_t size = 0;
  bool written_through = false;  // the value is in memory already (a stack word)
};

class StoreBuffer {
 public:
  explicit StoreBuffer(std::size_t capacity = 0) : ring_(capacity) {}

  std::size_t capacity() const { return ring_.size(); }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == ring_.size(); }
  const BufferedStore& front() const { return ring_[head_]; }
  const BufferedStore& back() const { return at(count_ - 1); }
  void pop_front() {
    head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
    --count_;
  }
  void push_back(const BufferedStore& store) {  // !full()
    ring_[(head_ + count_) % ring_.size()] = store;
    ++count_;
  }

  struct Match {
    const BufferedStore* exact = nullptr;    // forwards
    const BufferedStore* partial = nullptr;  // overlaps but cannot forward
  };
  // The youngest entry overlapping [word, word + size).
  Match find(const void* word, std::size_t size) const {
    const auto lo = reinterpret_cast<std::uintptr_t>(word);
    for (std::size_t i = count_; i-- > 0;) {
      const BufferedStore& e = at(i);
      const auto elo = reinterpret_cast<std::uintptr_t>(e.word);
      if (elo >= lo + size || lo >= elo + e.size) continue;
      if (elo == lo && e.size == size) return {&e, nullptr};
      return {nullptr, &e};
    }
    return {};
  }

 private:
  const BufferedStore& at(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  std::vector<BufferedStore> ring_;
  std::size_t head_ = 0, count_ = 0;
};

}  // namespace xcallsim::smp::detail
