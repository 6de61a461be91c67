// [unit] The host side of the guest trace: the area decoder never trusts
// the guest (clamps, drops, flags), and the queue-race repair restores the
// order and call ids that concurrent vCPUs scramble (sim/qemu/repair.hpp).
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "sim/qemu/guest_trace.hpp"
#include "sim/qemu/repair.hpp"
#include "sim/replay/verify.hpp"

using namespace xcallsim;
using trace::Kind;
using trace::Record;

namespace {

Record rec(std::uint64_t t, Kind k, std::uint16_t cpu, std::uint32_t call, std::uint32_t a = 0,
           std::uint32_t b = 0, std::uint32_t c = 0, std::uint32_t d = 0) {
  return Record{t, k, cpu, call, a, b, c, d};
}

// A guest RAM image with a trace area: `rings[cpu]` written at head = size.
struct Ram {
  std::vector<std::byte> bytes;
  explicit Ram(std::uint32_t capacity, std::uint32_t cpus) {
    bytes.resize(qemu::abi::kAreaPhys + qemu::abi::area_bytes(capacity));
    auto& h = header();
    std::memcpy(h.magic, qemu::abi::kMagic, 8);
    h.version = qemu::abi::kVersion;
    h.header_bytes = qemu::abi::kHeaderBytes;
    h.cpu_count = cpus;
    h.capacity = capacity;
    h.status = static_cast<std::uint32_t>(qemu::abi::GuestStatus::Passed);
    h.tsc_khz = 1'000'000;
  }
  qemu::abi::AreaHeader& header() {
    return *reinterpret_cast<qemu::abi::AreaHeader*>(bytes.data() + qemu::abi::kAreaPhys);
  }
  void push(const Record& r) {
    auto& slot = header().cpus[r.cpu];
    const std::uint64_t off = qemu::abi::kAreaPhys + qemu::abi::kHeaderBytes +
                              std::uint64_t{r.cpu} * header().capacity * 32 +
                              (slot.head % header().capacity) * 32;
    std::memcpy(bytes.data() + off, &r, 32);  // x86-64 host: little-endian, same layout
    ++slot.head;
  }
};

}  // namespace

TEST_CASE("decode rejects a missing or foreign trace area", "[unit]") {
  std::vector<std::byte> ram(1024);
  const auto g = qemu::decode_guest_trace(ram);
  CHECK_FALSE(g.found);
  CHECK(g.incomplete);
  Ram bad(1024, 1);
  bad.header().version = 99;
  CHECK_FALSE(qemu::decode_guest_trace(bad.bytes).found);
}

TEST_CASE("decode merges rings and assigns masks and call ids", "[unit]") {
  Ram ram(1024, 2);
  std::strcpy(ram.header().func_names[0], "f");
  ram.header().func_count = 1;
  ram.push(rec(100, Kind::XcallIssue, 0, 77, 3, 0x10, 0b11, trace::kMaskTarget | 0));
  ram.push(rec(110, Kind::IpiSend, 0, 77, trace::kMaskTarget | 0b10, 0xfc, 1, 1));
  ram.push(rec(120, Kind::FuncEntry, 1, 77, 0, 1, 0, 0));
  ram.push(rec(130, Kind::XcallReturn, 0, 77, 0, 3));
  ram.push(rec(140, Kind::CsdQueue, 1, 0, 9, 0, 0, 1));  // target cpu 9 of 2: dropped
  ram.push(rec(150, static_cast<Kind>(999), 1, 0));      // unknown kind: dropped
  const auto g = qemu::decode_guest_trace(ram.bytes);
  REQUIRE(g.found);
  REQUIRE(g.trace.records.size() == 4);
  CHECK(g.trace.records[0].call == 1);  // renumbered in issue order
  CHECK(g.trace.records[0].c == 0);     // mask id 0 ...
  REQUIRE(g.trace.masks.size() == 2);
  CHECK(g.trace.masks[0] == std::vector<std::uint64_t>{0b11});  // ... is {0,1}
  CHECK(g.trace.records[1].a == (trace::kMaskTarget | 1));
  CHECK(g.trace.functions == std::vector<std::string>{"f"});
  CHECK(g.incomplete);  // two records dropped
}

TEST_CASE("decode flags a wrapped ring and cuts to a common window", "[unit]") {
  Ram ram(1024, 2);
  for (std::uint64_t i = 0; i < 1500; ++i) ram.push(rec(1000 + i, Kind::Mark, 0, 0, 1));
  ram.push(rec(10, Kind::Mark, 1, 0, 2));      // older than cpu 0's window: cut
  ram.push(rec(100000, Kind::Mark, 1, 0, 3));  // kept
  const auto g = qemu::decode_guest_trace(ram.bytes);
  CHECK(g.incomplete);
  CHECK(g.cpus[0].overwritten == 476);
  CHECK(g.trace.records.size() == 1025);
  CHECK_FALSE(g.problems.empty());
}

TEST_CASE("repair moves a late CsdQueue before its consumer and fixes call ids", "[unit]") {
  // cpu 2 locks csd 9 for call 34, adds it, takes an IRQ, then records the
  // queue; cpu 1 ran the entry in between and read the csd's old call (20).
  std::vector<std::vector<Record>> rings(3);
  rings[2] = {
      rec(100, Kind::XcallIssue, 2, 34, 1, 0, 1, 0), rec(110, Kind::CsdLock, 2, 34, 9),
      rec(300, Kind::IrqEntry, 2, 34, 0xfb),         rec(310, Kind::IrqExit, 2, 34, 0xfb),
      rec(320, Kind::CsdQueue, 2, 34, 1, 9, 0, 0),   rec(330, Kind::XcallReturn, 2, 34, 0, 1)};
  rings[1] = {rec(200, Kind::FlushBegin, 1, 0, 1), rec(210, Kind::CsdUnlock, 1, 20, 9, 1),
              rec(220, Kind::FuncEntry, 1, 20, 0, 9, 0, 1), rec(230, Kind::FuncExit, 1, 20, 0, 9),
              rec(240, Kind::FlushEnd, 1, 0, 1)};
  const auto stats = qemu::repair_queue_races(rings);
  CHECK(stats.moved == 1);
  CHECK(stats.reattributed == 3);
  for (const Record& r : rings[1])
    if (r.kind != Kind::FlushBegin && r.kind != Kind::FlushEnd) CHECK(r.call == 34);
  CHECK(rings[2][2].kind == Kind::CsdQueue);  // now before the handler
  CHECK(rings[2][2].time == 209);
  for (const auto& ring : rings)
    CHECK(std::is_sorted(ring.begin(), ring.end(),
                         [](const Record& x, const Record& y) { return x.time < y.time; }));
}

TEST_CASE("repair leaves a csd alone when its lock cycles do not pair", "[unit]") {
  std::vector<std::vector<Record>> rings(2);
  rings[0] = {rec(500, Kind::CsdLock, 0, 1, 1), rec(510, Kind::CsdQueue, 0, 1, 1, 1, 0, 1)};
  rings[1] = {rec(100, Kind::CsdUnlock, 1, 7, 1, 1)};  // an unlock before any lock
  const auto stats = qemu::repair_queue_races(rings);
  CHECK(stats.unpaired == 1);
  CHECK(stats.moved == 0);
  CHECK(rings[1][0].call == 7);
}
