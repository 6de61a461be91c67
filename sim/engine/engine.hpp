// Contract: the discrete-event kernel. One total order over events:
// (time, priority, insertion sequence) -- lower priority values run first at
// equal time, and equal (time, priority) run in the order they were scheduled,
// so a run depends only on its inputs, never on host addresses or timing.
// The Engine owns each Handler from at()/after() until it has run (it is
// destroyed right after running), is cancelled (destroyed by cancel()), or the
// engine is destroyed. Handlers may re-enter at(), after(),
// cancel(), stop(), now(), pending() and executed(); calling step() or run()
// from inside a handler throws std::logic_error. An exception escaping a
// handler propagates out of step()/run(); the event counts as executed and the
// engine stays usable. Single-threaded.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "sim/engine/handler.hpp"

namespace xcallsim::engine {

using Time = std::uint64_t;  // cycles
using Priority = std::int32_t;
inline constexpr Time kForever = std::numeric_limits<Time>::max();

// Names one scheduled event: a slot index plus that slot's generation, so a
// stale id never matches a later event (until one slot is reused 2^32 times).
// Value 0 is never issued.
struct EventId {
  std::uint64_t value = 0;
  friend bool operator==(EventId, EventId) = default;
};

class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Schedules `handler` at absolute time `t` (t >= now(), else std::logic_error).
  EventId at(Time t, Handler handler, Priority priority = 0);
  // Schedules at now() + dt (overflow -> std::logic_error).
  EventId after(Time dt, Handler handler, Priority priority = 0);
  // True if the event was pending and is now cancelled (its handler destroyed);
  // false if it already ran, was cancelled, or never existed.
  bool cancel(EventId id);

  Time now() const { return now_; }
  // Runs the next event; false if none is pending.
  bool step();
  // Runs events with time <= until, in order, until none is left or stop() is
  // called; returns how many ran. now() stays at the last event run.
  std::uint64_t run(Time until = kForever);
  // From inside a handler: run() returns after the current handler.
  void stop() { stop_requested_ = true; }

  std::size_t pending() const { return queue_.size() - cancelled_in_queue_; }
  std::uint64_t executed() const { return executed_; }
  // Time of the next pending event, or kForever if none.
  Time next_time();

 private:
  friend struct EngineTestAccess;  // tests only: forces sequence renumbering

  // The heap key. `order` packs the biased priority (high 32 bits) over the low
  // 32 bits of the insertion sequence, so one 128-bit compare orders events;
  // renumber() keeps the sequence bits in range. Handlers stay put in slots_.
  struct Entry {
    Time time;
    std::uint64_t order;
    std::uint32_t slot;
  };
  struct Slot {
    Handler handler;
    std::uint32_t generation = 1;
    bool live = false;  // scheduled and not cancelled
  };
  static constexpr std::size_t kArity = 4;

  static bool before(const Entry& a, const Entry& b) {
    __extension__ using Key = unsigned __int128;
    return ((Key{a.time} << 64) | a.order) < ((Key{b.time} << 64) | b.order);
  }
  [[gnu::always_inline]] inline void run_entry(const Entry& entry);
  void push(const Entry& entry);
  Entry pop();
  std::size_t min_child(std::size_t first) const;
  void sift_down(std::size_t hole, Entry entry);
  void drop_cancelled_top();
  void release(std::uint32_t slot);
  void compact();
  void renumber();

  std::vector<Entry> queue_;  // kArity-ary min-heap
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t cancelled_in_queue_ = 0;
  std::uint64_t next_sequence_ = 0;  // < 2^32, see renumber()
  std::uint64_t executed_ = 0;
  Time now_ = 0;
  bool stop_requested_ = false;
  bool in_handler_ = false;
};

}  // namespace xcallsim::engine
