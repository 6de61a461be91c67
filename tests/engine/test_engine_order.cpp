// Event ordering: time, then priority, then insertion sequence.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/engine/engine.hpp"

using namespace xcallsim::engine;

TEST_CASE("events run in time order and now() follows them", "[unit]") {
  Engine engine;
  std::vector<std::pair<Time, Time>> seen;  // (scheduled, now at run)
  for (Time t : {30, 10, 20, 0}) {
    engine.at(t, [&seen, &engine, t] { seen.emplace_back(t, engine.now()); });
  }
  CHECK(engine.pending() == 4);
  CHECK(engine.run() == 4);
  CHECK(seen == std::vector<std::pair<Time, Time>>{{0, 0}, {10, 10}, {20, 20}, {30, 30}});
  CHECK(engine.now() == 30);
  CHECK(engine.executed() == 4);
  CHECK(engine.pending() == 0);
  CHECK_FALSE(engine.step());
}

TEST_CASE("equal times: lower priority value first, then insertion order", "[unit]") {
  Engine engine;
  std::string order;
  engine.at(
      5, [&] { order += 'a'; }, 1);
  engine.at(
      5, [&] { order += 'b'; }, -1);
  engine.at(
      5, [&] { order += 'c'; }, 1);
  engine.at(
      5, [&] { order += 'd'; }, 0);
  engine.at(
      4, [&] { order += 'e'; }, 100);
  engine.at(
      5, [&] { order += 'f'; }, -1);
  engine.run();
  CHECK(order == "ebfdac");
}

TEST_CASE("an event scheduled for now() from a handler runs after its peers", "[unit]") {
  Engine engine;
  std::string order;
  engine.at(1, [&] {
    order += 'a';
    engine.after(0, [&] { order += 'c'; });  // same time, later sequence
  });
  engine.at(1, [&] { order += 'b'; });
  engine.at(
      1, [&] { order += 'p'; }, -5);
  engine.run();
  CHECK(order == "pabc");
  CHECK(engine.now() == 1);
}

TEST_CASE("scheduling in the past is a logic error but now() itself is fine", "[unit]") {
  Engine engine;
  engine.at(100, [] {});
  engine.run();
  CHECK_THROWS_AS(engine.at(99, [] {}), std::logic_error);
  CHECK_NOTHROW(engine.at(100, [] {}));
  CHECK_THROWS_AS(engine.after(kForever, [] {}), std::logic_error);  // overflow
  CHECK_NOTHROW(engine.after(kForever - 100, [] {}));                // exactly kForever
  CHECK_THROWS_AS(engine.at(200, Handler{}), std::logic_error);      // empty handler
  CHECK(engine.run() == 2);
  CHECK(engine.now() == kForever);
}

TEST_CASE("run(until) includes events at `until` and leaves later ones pending", "[unit]") {
  Engine engine;
  int ran = 0;
  for (Time t : {10, 20, 20, 21, 40}) engine.at(t, [&] { ++ran; });
  CHECK(engine.run(20) == 3);
  CHECK(engine.now() == 20);  // the last event run, not `until`
  CHECK(engine.pending() == 2);
  CHECK(engine.run(35) == 1);
  CHECK(engine.now() == 21);
  CHECK(engine.next_time() == 40);
  CHECK(engine.run() == 1);
  CHECK(ran == 5);
  CHECK(engine.next_time() == kForever);
  CHECK(engine.run(0) == 0);
}
