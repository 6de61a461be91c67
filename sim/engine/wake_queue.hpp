// Contract: a priority queue of at most one pending time per id (0..n-1),
// ordered by (time, id) -- the order the engine gives events of one fixed
// priority per id. schedule() only ever moves an id's time earlier (a later
// request is ignored), so there is nothing to cancel and nothing stale: the
// queue never holds more than n entries. Single-threaded; no allocation
// after construction.
//
// Why not Engine events: a simulated CPU reschedules itself at nearly every
// operation, and a wake-up often replaces a pending deadline. As engine
// events each of those is a handler slot plus a heap entry, and every
// replaced deadline a cancelled entry left in the heap.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/engine/engine.hpp"

namespace xcallsim::engine {

class WakeQueue {
 public:
  explicit WakeQueue(std::size_t ids) : position_(ids, kAbsent) { heap_.reserve(ids); }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  bool pending(std::uint32_t id) const { return position_[id] != kAbsent; }
  Time time_of(std::uint32_t id) const { return heap_[position_[id]].time; }
  // The earliest entry (requires !empty()).
  Time top_time() const { return heap_.front().time; }
  std::uint32_t top_id() const { return heap_.front().id; }

  // Pending at `t` unless already pending at or before it. True if it changed.
  bool schedule(std::uint32_t id, Time t) {
    std::uint32_t hole = position_[id];
    if (hole == kAbsent) {
      hole = static_cast<std::uint32_t>(heap_.size());
      heap_.push_back(Entry{t, id});
    } else if (heap_[hole].time <= t) {
      return false;
    }
    sift_up(hole, Entry{t, id});
    return true;
  }

  struct Entry {
    Time time;
    std::uint32_t id;
  };

  // schedule(id, t) then pop(), for an id not pending, in one pass: the
  // common step of a simulation, where the entry that leaves is replaced by
  // one that belongs near the front, so it sinks only a level or two.
  Entry push_pop(std::uint32_t id, Time t) {
    const Entry entry{t, id};
    if (heap_.empty() || before(entry, heap_.front())) return entry;
    const Entry top = heap_.front();
    position_[top.id] = kAbsent;
    std::size_t hole = 0;
    const std::size_t size = heap_.size();
    while (hole * kArity + 1 < size) {
      const std::size_t child = min_child(hole * kArity + 1, size);
      if (!before(heap_[child], entry)) break;
      place(hole, heap_[child]);
      hole = child;
    }
    place(hole, entry);
    return top;
  }

  // Removes and returns the earliest id (requires !empty()).
  std::uint32_t pop() {
    const std::uint32_t id = heap_.front().id;
    position_[id] = kAbsent;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
    return id;
  }

 private:
  static constexpr std::uint32_t kAbsent = ~std::uint32_t{0};
  static constexpr std::size_t kArity = 4;

  // One 128-bit compare: no data-dependent branch between time and id.
  static bool before(const Entry& a, const Entry& b) {
    __extension__ using Key = unsigned __int128;
    return ((Key{a.time} << 64) | a.id) < ((Key{b.time} << 64) | b.id);
  }
  void place(std::size_t hole, const Entry& entry) {
    heap_[hole] = entry;
    position_[entry.id] = static_cast<std::uint32_t>(hole);
  }
  void sift_up(std::size_t hole, const Entry& entry) {
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / kArity;
      if (!before(entry, heap_[parent])) break;
      place(hole, heap_[parent]);
      hole = parent;
    }
    place(hole, entry);
  }
  std::size_t min_child(std::size_t first, std::size_t size) const {
    if (first + kArity <= size) {  // all four present: a branch-free tournament
      const std::size_t a = before(heap_[first + 1], heap_[first]) ? first + 1 : first;
      const std::size_t b = before(heap_[first + 3], heap_[first + 2]) ? first + 3 : first + 2;
      return before(heap_[b], heap_[a]) ? b : a;
    }
    std::size_t best = first;
    for (std::size_t child = first + 1; child < size; ++child)
      if (before(heap_[child], heap_[best])) best = child;
    return best;
  }
  // Floyd: walk the hole to a leaf along the smaller children, then sift
  // `entry` (the old last element, which usually belongs near the bottom) up.
  void sift_down(std::size_t hole, const Entry& entry) {
    const std::size_t size = heap_.size();
    while (hole * kArity + 1 < size) {
      const std::size_t child = min_child(hole * kArity + 1, size);
      place(hole, heap_[child]);
      hole = child;
    }
    sift_up(hole, entry);
  }

  std::vector<Entry> heap_;              // kArity-ary min-heap
  std::vector<std::uint32_t> position_;  // id -> index in heap_, or kAbsent
};

}  // namespace xcallsim::engine
