// Cancellation, stop(), re-entrancy rules, exceptions, event ids.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/engine/engine.hpp"

using namespace xcallsim::engine;

TEST_CASE("cancel: a pending event never runs and its handler is released", "[unit]") {
  Engine engine;
  auto token = std::make_shared<int>(0);
  int ran = 0;
  const EventId keep = engine.at(5, [&ran] { ++ran; });
  const EventId drop = engine.at(3, [&ran, token] { ran += 100; });
  CHECK(token.use_count() == 2);
  CHECK(engine.cancel(drop));
  CHECK(token.use_count() == 1);     // captures destroyed at cancel time
  CHECK_FALSE(engine.cancel(drop));  // second cancel
  CHECK(engine.pending() == 1);
  CHECK(engine.run() == 1);
  CHECK(ran == 1);
  CHECK(engine.now() == 5);          // the cancelled event did not move time
  CHECK_FALSE(engine.cancel(keep));  // already ran
  CHECK_FALSE(engine.cancel(EventId{}));
  CHECK_FALSE(engine.cancel(EventId{0xFFFF'FFFF'0000'0001ULL}));
}

TEST_CASE("a stale id does not cancel the event that reused its slot", "[unit]") {
  Engine engine;
  const EventId first = engine.at(1, [] {});
  engine.run();
  int ran = 0;
  const EventId second = engine.at(2, [&] { ++ran; });  // reuses the slot
  CHECK_FALSE(first == second);
  CHECK_FALSE(engine.cancel(first));
  engine.run();
  CHECK(ran == 1);
}

TEST_CASE("event ids are unique and nonzero", "[unit]") {
  Engine engine;
  std::set<std::uint64_t> ids;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 20; ++i) ids.insert(engine.after(static_cast<Time>(i), [] {}).value);
    engine.run();
  }
  CHECK(ids.size() == 1000);
  CHECK(ids.count(0) == 0);
}

TEST_CASE("mass cancellation keeps the order of the survivors", "[unit]") {
  Engine engine;
  std::vector<EventId> ids;
  std::vector<int> order;
  for (int i = 0; i < 1000; ++i) {
    ids.push_back(engine.at(static_cast<Time>(1000 - i), [&order, i] { order.push_back(i); }));
  }
  for (int i = 0; i < 1000; ++i) {
    if (i % 10 != 0) CHECK(engine.cancel(ids[static_cast<std::size_t>(i)]));  // triggers compaction
  }
  CHECK(engine.pending() == 100);
  engine.run();
  REQUIRE(order.size() == 100);
  for (std::size_t k = 0; k < order.size(); ++k) CHECK(order[k] == 990 - 10 * static_cast<int>(k));
}

TEST_CASE("a handler may cancel a later event", "[unit]") {
  Engine engine;
  int ran = 0;
  EventId victim;
  engine.at(1, [&] { CHECK(engine.cancel(victim)); });
  victim = engine.at(2, [&] { ++ran; });
  engine.run();
  CHECK(ran == 0);
  CHECK(engine.executed() == 1);
}

TEST_CASE("stop() from a handler ends run() after that handler", "[unit]") {
  Engine engine;
  int ran = 0;
  engine.at(1, [&] { ++ran; });
  engine.at(2, [&] {
    ++ran;
    engine.stop();
  });
  engine.at(3, [&] { ++ran; });
  CHECK(engine.run() == 2);
  CHECK(engine.now() == 2);
  CHECK(engine.run() == 1);  // the stop request does not stick
  CHECK(ran == 3);
}

TEST_CASE("step() and run() from inside a handler are rejected", "[unit]") {
  Engine engine;
  bool step_threw = false;
  bool run_threw = false;
  engine.at(1, [&] {
    try {
      engine.step();
    } catch (const std::logic_error&) {
      step_threw = true;
    }
    try {
      engine.run();
    } catch (const std::logic_error&) {
      run_threw = true;
    }
  });
  engine.at(2, [] {});
  CHECK(engine.run() == 2);
  CHECK(step_threw);
  CHECK(run_threw);
}

TEST_CASE("an exception from a handler propagates and the engine stays usable", "[unit]") {
  Engine engine;
  int ran = 0;
  engine.at(1, [] { throw std::runtime_error("boom"); });
  engine.at(2, [&] { ++ran; });
  CHECK_THROWS_WITH(engine.run(), "boom");
  CHECK(engine.executed() == 1);
  CHECK(engine.now() == 1);
  CHECK(engine.pending() == 1);
  CHECK(engine.run() == 1);  // not stuck "inside a handler"
  CHECK(ran == 1);
}

TEST_CASE("destroying an engine releases pending handlers", "[unit]") {
  auto token = std::make_shared<int>(0);
  {
    Engine engine;
    for (int i = 0; i < 10; ++i) engine.at(static_cast<Time>(i), [token] {});
    CHECK(token.use_count() == 11);
  }
  CHECK(token.use_count() == 1);
}

namespace xcallsim::engine {
struct EngineTestAccess {
  static void set_next_sequence(Engine& engine, std::uint64_t value) {
    engine.next_sequence_ = value;
  }
  static std::uint64_t next_sequence(const Engine& engine) { return engine.next_sequence_; }
};
}  // namespace xcallsim::engine

TEST_CASE("sequence renumbering after 2^32 insertions keeps the order", "[unit]") {
  Engine engine;
  std::string order;
  engine.at(5, [&] { order += 'a'; });
  engine.at(5, [&] { order += 'b'; });
  engine.at(
      3, [&] { order += 'c'; }, 1);
  engine.at(
      5, [&] { order += 'd'; }, -1);
  EngineTestAccess::set_next_sequence(engine, (std::uint64_t{1} << 32) - 1);
  engine.at(5, [&] { order += 'e'; });  // the last sequence number before the wrap
  engine.at(5, [&] { order += 'f'; });  // renumbers the five pending events first
  CHECK(EngineTestAccess::next_sequence(engine) == 6);
  engine.run();
  CHECK(order == "cdabef");
}
