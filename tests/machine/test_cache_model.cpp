// CacheModel rules: hits, transfers by distance, invalidation, serialization.
#include "fixtures.hpp"

using namespace xcallsim::machine;
using namespace xcallsim::machine::testing;

namespace {

// 2 sockets x 4 cores x 2 threads. Costs: Self 1, Smt 10, Ccx 40, Socket 100, Cross 300,
// memory 200. cpu 0 and 8 are SMT siblings; 0 and 1 share a socket; 0 and 4 do not.
struct Rig {
  MachineConfig config = shape(2, 4, 2);
  Topology topology{config};
  CacheModel cache{topology, config.cache};
};

}  // namespace

TEST_CASE("cache: first touch comes from memory, then hits", "[unit]") {
  Rig rig;
  CHECK(rig.cache.access(0, 7, Access::Read, 1000) == 1200);
  CHECK(rig.cache.memory_fetches() == 1);
  CHECK(rig.cache.access(0, 7, Access::Read, 1300) == 1301);
  CHECK(rig.cache.access(0, 7, Access::Write, 1400) == 1401);  // sole holder
  CHECK(rig.cache.access(0, 7, Access::Atomic, 1500) == 1501);
  CHECK(rig.cache.hits() == 3);
  CHECK(rig.cache.transfers() == 1);
  CHECK(rig.cache.access(3, 8, Access::Write, 0) == 200);  // untouched line, write
  CHECK(rig.cache.holders(7) == std::vector<int>{0});
  CHECK(rig.cache.holders(99).empty());
}

TEST_CASE("cache: a read miss costs the distance to the nearest holder", "[unit]") {
  Rig rig;
  rig.cache.access(4, 1, Access::Write, 0);                   // socket 1 owns it
  CHECK(rig.cache.access(0, 1, Access::Read, 1000) == 1300);  // cross socket
  CHECK(rig.cache.access(8, 1, Access::Read, 2000) == 2010);  // cpu 0 (sibling) now holds it
  CHECK(rig.cache.access(1, 1, Access::Read, 3000) == 3100);  // same socket as 0 and 8
  CHECK(rig.cache.holders(1) == std::vector<int>{0, 1, 4, 8});
  CHECK(rig.cache.transfers() == 4);
}

TEST_CASE("cache: a write invalidates all holders, paying the farthest", "[unit]") {
  Rig rig;
  rig.cache.access(0, 2, Access::Read, 0);
  rig.cache.access(8, 2, Access::Read, 500);
  rig.cache.access(4, 2, Access::Read, 600);
  // cpu 1: sharers are 0 (socket), 8 (socket), 4 (cross) -> 300.
  CHECK(rig.cache.access(1, 2, Access::Write, 1000) == 1300);
  CHECK(rig.cache.holders(2) == std::vector<int>{1});
  // A holder that is not alone still has to invalidate the others.
  rig.cache.access(9, 2, Access::Read, 2000);                  // 9 = sibling of 1
  CHECK(rig.cache.access(1, 2, Access::Write, 3000) == 3010);  // invalidate 9 only
  CHECK(rig.cache.holders(2) == std::vector<int>{1});
}

TEST_CASE("cache: contended RFOs on one line serialize", "[unit]") {
  Rig rig;
  rig.cache.access(0, 3, Access::Write, 0);  // owner cpu 0, ready at 200
  // cpu 1 and cpu 4 both RFO at t=1000.
  const Cycles first = rig.cache.access(1, 3, Access::Atomic, 1000);
  const Cycles second = rig.cache.access(4, 3, Access::Atomic, 1000);
  CHECK(first == 1100);          // from cpu 0, same socket
  CHECK(second == first + 300);  // waits for the first, then crosses sockets
  // A third RFO and a read issued early wait their turn too.
  CHECK(rig.cache.access(0, 3, Access::Atomic, 1000) == second + 300);
  CHECK(rig.cache.access(8, 3, Access::Read, 1000) == second + 300 + 10);
}

TEST_CASE("cache: a read hit does not wait and a write by the owner is a hit", "[unit]") {
  Rig rig;
  CHECK(rig.cache.access(0, 4, Access::Write, 0) == 200);
  // The writer's own later access hits even "before" ready_at (store forwarding).
  CHECK(rig.cache.access(0, 4, Access::Read, 50) == 51);
  // An idle line's ready_at is in the past: no waiting.
  CHECK(rig.cache.access(4, 4, Access::Read, 10'000) == 10'300);
}

TEST_CASE("cache: sharer sets stay sparse and exact at 1024 CPUs", "[unit]") {
  const MachineConfig config = shape(2, 256, 2);
  const Topology topology(config);
  REQUIRE(topology.cpu_count() == 1024);
  CacheModel cache(topology, config.cache);
  for (int cpu = 1023; cpu >= 0; --cpu) cache.access(cpu, 100'000, Access::Read, 0);
  const auto holders = cache.holders(100'000);
  REQUIRE(holders.size() == 1024);
  CHECK(std::is_sorted(holders.begin(), holders.end()));
  // cpu 0 write: farthest sharer is cross-socket.
  CHECK(cache.access(0, 100'000, Access::Write, 1000) == 1300);
  CHECK(cache.holders(100'000) == std::vector<int>{0});
}

TEST_CASE("cache: bad cpu or line id is rejected", "[unit]") {
  Rig rig;
  CHECK_THROWS_AS(rig.cache.access(-1, 0, Access::Read, 0), std::out_of_range);
  CHECK_THROWS_AS(rig.cache.access(16, 0, Access::Read, 0), std::out_of_range);
  CHECK_THROWS_AS(rig.cache.access(0, CacheModel::kMaxLines, Access::Read, 0), std::out_of_range);
  CHECK_NOTHROW(rig.cache.access(0, CacheModel::kMaxLines - 1, Access::Read, 0));
}

TEST_CASE("cache: ping-pong counts one transfer per ownership change", "[unit]") {
  Rig rig;
  Cycles t = 0;
  for (int round = 0; round < 10; ++round) {
    t = rig.cache.access(round % 2 == 0 ? 0 : 4, 5, Access::Atomic, t);
  }
  CHECK(rig.cache.transfers() == 10);
  CHECK(rig.cache.memory_fetches() == 1);
  CHECK(t == 200 + 9 * 300);
}

TEST_CASE("cache: reads of an exclusively held line queue at its owner; shared reads do not",
          "[unit]") {
  Rig rig;
  rig.cache.access(4, 2, Access::Write, 0);  // cpu 4 owns line 2 (M), done at 200
  // Two readers at once: the first downgrades the owner (cross socket, 300);
  // the second queues behind it and is then served by the nearest holder.
  CHECK(rig.cache.access(0, 2, Access::Read, 1000) == 1300);
  CHECK(rig.cache.access(1, 2, Access::Read, 1000) == 1400);  // after 1300, from cpu 0 (100)
  // Now shared by 0, 1, 4: two more readers at once do not queue.
  CHECK(rig.cache.access(2, 2, Access::Read, 2000) == 2100);
  CHECK(rig.cache.access(3, 2, Access::Read, 2000) == 2100);
}

TEST_CASE("cache: an invalidation lands when the RFO completes", "[unit]") {
  Rig rig;
  rig.cache.access(1, 3, Access::Read, 0);  // cpu 1 holds line 3 (from memory, done 200)
  // cpu 0 writes at 1000: the RFO invalidates cpu 1 (same socket, 100): done 1100.
  CHECK(rig.cache.serve(0, 3, Access::Write, 1000).done == 1100);
  CHECK(rig.cache.holders(3) == std::vector<int>{0});
  // cpu 1's copy still hits just before 1100, and misses from 1100 on.
  CHECK(rig.cache.hits(1, 3, Access::Read, 1099));
  CHECK(rig.cache.access(1, 3, Access::Read, 1099) == 1100);
  CHECK_FALSE(rig.cache.hits(1, 3, Access::Read, 1100));
  const CacheModel::Served served = rig.cache.serve(1, 3, Access::Read, 1100);
  CHECK(served.start == 1100);
  CHECK(served.done == 1200);
  CHECK_FALSE(rig.cache.hits(1, 3, Access::Write, 1300));  // shared now: a write needs an RFO
}
