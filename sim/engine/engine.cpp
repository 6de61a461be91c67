// Engine: a 4-ary min-heap of (time, priority, sequence) keys over a slot pool
// of handlers, with lazy cancellation.
#include "sim/engine/engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace xcallsim::engine {
namespace {

// Clears a flag when a handler returns or throws.
class HandlerScope {
 public:
  explicit HandlerScope(bool& flag) : flag_(flag) { flag_ = true; }
  ~HandlerScope() { flag_ = false; }
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;

 private:
  bool& flag_;
};

constexpr std::size_t kCompactMinimum = 64;
constexpr std::uint64_t kSequenceLimit = std::uint64_t{1} << 32;

std::uint64_t order_of(Priority priority, std::uint64_t sequence) {
  // Bias so that the most negative priority sorts first as an unsigned value.
  const auto biased =
      static_cast<std::uint64_t>(static_cast<std::int64_t>(priority) + 0x8000'0000LL);
  return (biased << 32) | sequence;
}

}  // namespace

EventId Engine::at(Time t, Handler handler, Priority priority) {
  if (t < now_) throw std::logic_error("Engine::at: time is in the past");
  if (!handler) throw std::logic_error("Engine::at: empty handler");
  std::uint32_t slot = 0;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  Slot& s = slots_[slot];
  s.handler = std::move(handler);
  s.live = true;
  if (next_sequence_ == kSequenceLimit) renumber();
  push(Entry{t, order_of(priority, next_sequence_++), slot});
  return EventId{(std::uint64_t{s.generation} << 32) | slot};
}

EventId Engine::after(Time dt, Handler handler, Priority priority) {
  if (dt > kForever - now_) throw std::logic_error("Engine::after: time overflows");
  return at(now_ + dt, std::move(handler), priority);
}

bool Engine::cancel(EventId id) {
  const auto slot = static_cast<std::uint32_t>(id.value & 0xFFFF'FFFFU);
  const auto generation = static_cast<std::uint32_t>(id.value >> 32);
  if (slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  if (!s.live || s.generation != generation) return false;
  s.live = false;
  s.handler.reset();
  ++cancelled_in_queue_;
  // Lazy removal; rebuild when stale entries dominate so the heap stays small.
  if (cancelled_in_queue_ >= kCompactMinimum && 2 * cancelled_in_queue_ > queue_.size()) compact();
  return true;
}

// Before running: the handler may schedule into the slot it leaves. Inlined
// into run(): a handler may switch host stacks (CPU fibers), and every call
// frame between run() and the switch costs a mispredicted return each way.
inline void Engine::run_entry(const Entry& entry) {
  Handler handler = std::move(slots_[entry.slot].handler);
  release(entry.slot);
  now_ = entry.time;
  ++executed_;
  HandlerScope scope(in_handler_);
  handler();
}

bool Engine::step() {
  if (in_handler_) throw std::logic_error("Engine::step: called from inside a handler");
  drop_cancelled_top();
  if (queue_.empty()) return false;
  run_entry(pop());
  return true;
}

std::uint64_t Engine::run(Time until) {
  if (in_handler_) throw std::logic_error("Engine::run: called from inside a handler");
  stop_requested_ = false;
  std::uint64_t count = 0;
  while (!stop_requested_) {
    drop_cancelled_top();
    if (queue_.empty() || queue_.front().time > until) break;
    ++count;
    run_entry(pop());
  }
  stop_requested_ = false;
  return count;
}

Time Engine::next_time() {
  drop_cancelled_top();
  return queue_.empty() ? kForever : queue_.front().time;
}

void Engine::push(const Entry& entry) {
  queue_.push_back(entry);
  std::size_t hole = queue_.size() - 1;
  while (hole > 0) {
    const std::size_t parent = (hole - 1) / kArity;
    if (!before(entry, queue_[parent])) break;
    queue_[hole] = queue_[parent];
    hole = parent;
  }
  queue_[hole] = entry;
}

// Floyd's pop: walk the hole down along the smaller children to a leaf, then
// sift the last element up from there (it usually belongs near the bottom).
Engine::Entry Engine::pop() {
  const Entry top = queue_.front();
  const Entry last = queue_.back();
  queue_.pop_back();
  const std::size_t size = queue_.size();
  if (size == 0) return top;
  std::size_t hole = 0;
  while (hole * kArity + 1 < size) {
    const std::size_t child = min_child(hole * kArity + 1);
    queue_[hole] = queue_[child];
    hole = child;
  }
  while (hole > 0) {
    const std::size_t parent = (hole - 1) / kArity;
    if (!before(last, queue_[parent])) break;
    queue_[hole] = queue_[parent];
    hole = parent;
  }
  queue_[hole] = last;
  return top;
}

std::size_t Engine::min_child(std::size_t first) const {
  const std::size_t size = queue_.size();
  if (first + kArity <= size) {  // all four present: a branch-free tournament
    const std::size_t a = before(queue_[first + 1], queue_[first]) ? first + 1 : first;
    const std::size_t b = before(queue_[first + 3], queue_[first + 2]) ? first + 3 : first + 2;
    return before(queue_[b], queue_[a]) ? b : a;
  }
  std::size_t best = first;
  for (std::size_t child = first + 1; child < size; ++child) {
    if (before(queue_[child], queue_[best])) best = child;
  }
  return best;
}

void Engine::sift_down(std::size_t hole, Entry entry) {
  while (hole * kArity + 1 < queue_.size()) {
    const std::size_t child = min_child(hole * kArity + 1);
    if (!before(queue_[child], entry)) break;
    queue_[hole] = queue_[child];
    hole = child;
  }
  queue_[hole] = entry;
}

void Engine::drop_cancelled_top() {
  while (!queue_.empty() && !slots_[queue_.front().slot].live) {
    release(pop().slot);
    --cancelled_in_queue_;
  }
}

void Engine::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.live = false;
  if (++s.generation == 0) s.generation = 1;  // keep ids nonzero
  free_slots_.push_back(slot);
}

void Engine::compact() {
  std::size_t kept = 0;
  for (const Entry& entry : queue_) {
    if (slots_[entry.slot].live) {
      queue_[kept++] = entry;
    } else {
      release(entry.slot);
    }
  }
  queue_.resize(kept);
  cancelled_in_queue_ = 0;
  // Bottom-up heapify; the key order is total, so the pop order is unchanged.
  for (std::size_t i = queue_.size() / kArity + 1; i-- > 0;) {
    if (i < queue_.size()) sift_down(i, queue_[i]);
  }
}

// Every 2^32 insertions: reassign sequence numbers 0..n-1 in the current
// order. Relative order is unchanged, so the heap stays valid and runs stay
// identical to an engine with unbounded sequence numbers.
void Engine::renumber() {
  std::vector<std::size_t> rank(queue_.size());
  for (std::size_t i = 0; i < rank.size(); ++i) rank[i] = i;
  std::sort(rank.begin(), rank.end(),
            [this](std::size_t a, std::size_t b) { return before(queue_[a], queue_[b]); });
  for (std::size_t r = 0; r < rank.size(); ++r) {
    Entry& entry = queue_[rank[r]];
    entry.order = (entry.order & ~(kSequenceLimit - 1)) | r;
  }
  next_sequence_ = rank.size();
}

}  // namespace xcallsim::engine
