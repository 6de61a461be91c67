// WakeQueue: at most one pending time per id, (time, id) order, and a
// reschedule only ever moves an id earlier.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "sim/engine/wake_queue.hpp"

using namespace xcallsim::engine;

namespace {

std::vector<std::uint32_t> drain(WakeQueue& q) {
  std::vector<std::uint32_t> ids;
  while (!q.empty()) ids.push_back(q.pop());
  return ids;
}

}  // namespace

TEST_CASE("wake queue: time order, lower id first at equal time", "[unit]") {
  WakeQueue q(6);
  for (const auto& [id, t] : std::vector<std::pair<std::uint32_t, Time>>{
           {3, 20}, {5, 10}, {0, 20}, {4, 10}, {1, 5}, {2, 30}})
    CHECK(q.schedule(id, t));
  CHECK(q.size() == 6);
  CHECK(q.top_time() == 5);
  CHECK(q.top_id() == 1);
  CHECK(drain(q) == std::vector<std::uint32_t>{1, 4, 5, 0, 3, 2});
}

TEST_CASE("wake queue: a later time for a pending id is ignored, an earlier one moves it",
          "[unit]") {
  WakeQueue q(3);
  REQUIRE(q.schedule(0, 100));
  REQUIRE(q.schedule(1, 50));
  CHECK_FALSE(q.schedule(0, 100));  // not earlier
  CHECK_FALSE(q.schedule(0, 101));
  CHECK(q.time_of(0) == 100);
  CHECK(q.size() == 2);  // never a second entry for one id
  CHECK(q.schedule(0, 49));
  CHECK(q.time_of(0) == 49);
  CHECK(q.size() == 2);
  CHECK(q.pop() == 0);
  CHECK_FALSE(q.pending(0));
  CHECK(q.schedule(0, 200));  // popped: may be scheduled again, at any time
  CHECK(drain(q) == std::vector<std::uint32_t>{1, 0});
}

TEST_CASE("wake queue: random schedules, pops and push_pops match an ordered-set model", "[unit]") {
  constexpr std::uint32_t kIds = 300;
  std::mt19937_64 rng(12345);
  WakeQueue q(kIds);
  std::set<std::pair<Time, std::uint32_t>> model;
  std::vector<Time> pending(kIds, 0);
  std::vector<bool> in(kIds, false);
  Time now = 0;
  for (int step = 0; step < 200000; ++step) {
    if (rng() % 4 == 0 && model.size() < kIds) {  // push_pop of an id not pending
      auto id = static_cast<std::uint32_t>(rng() % kIds);
      while (in[id]) id = (id + 1) % kIds;
      const Time t = now + rng() % 64;
      model.insert({t, id});
      const auto [mt, mid] = *model.begin();
      model.erase(model.begin());
      if (mid != id) {
        in[id] = true;
        pending[id] = t;
        in[mid] = false;
      }
      const WakeQueue::Entry got = q.push_pop(id, t);
      REQUIRE(got.time == mt);
      REQUIRE(got.id == mid);
      now = mt;
    } else if (rng() % 3 != 0 || model.empty()) {
      const auto id = static_cast<std::uint32_t>(rng() % kIds);
      const Time t = now + rng() % 64;  // many ties
      const bool earlier = !in[id] || t < pending[id];
      REQUIRE(q.schedule(id, t) == earlier);
      if (earlier) {
        if (in[id]) model.erase({pending[id], id});
        model.insert({t, id});
        pending[id] = t;
        in[id] = true;
      }
    } else {
      const auto [t, id] = *model.begin();
      model.erase(model.begin());
      in[id] = false;
      REQUIRE(q.top_time() == t);
      REQUIRE(q.pop() == id);
      now = t;
    }
    REQUIRE(q.size() == model.size());
  }
}
