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

// A record of a kind this version does not know (its payload stays 0).
Record unknown_kind(std::uint64_t t, std::uint16_t cpu) {
  Record r;
  r.time = t;
  r.kind = static_cast<Kind>(999);
  r.cpu = cpu;
  return r;
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
    r.encode(reinterpret_cast<unsigned char*>(bytes.data() + off));
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
  ram.push(trace::XcallIssue{.time = 100,
                             .call = 77,
                             .api = trace::Api::Mask,
                             .flags = 0x10,
                             .target = 0b11,
                             .target_is_mask = true,
                             .func = 0}
               .to_record());
  ram.push(trace::IpiSend{.time = 110,
                          .call = 77,
                          .target = 0b10,
                          .target_is_mask = true,
                          .vector = 0xfc,
                          .how = trace::SendHow::Unicast,
                          .icr_writes = 1}
               .to_record());
  ram.push(trace::FuncEntry{
      .time = 120, .cpu = 1, .call = 77, .func = 0, .csd = 1, .site = trace::FuncSite::FlushSync}
               .to_record());
  ram.push(trace::XcallReturn{.time = 130, .call = 77, .api = trace::Api::Mask}.to_record());
  ram.push(trace::CsdQueue{
      .time = 140, .cpu = 1, .target = 9, .type = trace::CsdType::Async, .queue_was_empty = true}
               .to_record());      // target cpu 9 of 2: dropped
  ram.push(unknown_kind(150, 1));  // unknown kind: dropped
  const auto g = qemu::decode_guest_trace(ram.bytes);
  REQUIRE(g.found);
  REQUIRE(g.trace.records.size() == 4);
  CHECK(g.trace.records[0].call == 1);                             // renumbered in issue order
  CHECK(trace::XcallIssue::from(g.trace.records[0]).target == 0);  // mask id 0 ...
  REQUIRE(g.trace.masks.size() == 2);
  CHECK(g.trace.masks[0] == std::vector<std::uint64_t>{0b11});  // ... is {0,1}
  CHECK(trace::IpiSend::from(g.trace.records[1]).target == 1);
  CHECK(trace::IpiSend::from(g.trace.records[1]).target_is_mask);
  CHECK(g.trace.functions == std::vector<std::string>{"f"});
  CHECK(g.incomplete);  // two records dropped
}

TEST_CASE("decode flags a wrapped ring and cuts to a common window", "[unit]") {
  Ram ram(1024, 2);
  for (std::uint64_t i = 0; i < 1500; ++i)
    ram.push(trace::Mark{.time = 1000 + i, .value = 1}.to_record());
  ram.push(
      trace::Mark{.time = 10, .cpu = 1, .value = 2}.to_record());  // older than cpu 0's window: cut
  ram.push(trace::Mark{.time = 100000, .cpu = 1, .value = 3}.to_record());  // kept
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
      trace::XcallIssue{
          .time = 100, .cpu = 2, .call = 34, .api = trace::Api::Single, .target = 1, .func = 0}
          .to_record(),
      trace::CsdLock{.time = 110, .cpu = 2, .call = 34, .csd = 9}.to_record(),
      trace::IrqEntry{.time = 300, .cpu = 2, .call = 34, .vector = 0xfb}.to_record(),
      trace::IrqExit{.time = 310, .cpu = 2, .call = 34, .vector = 0xfb}.to_record(),
      trace::CsdQueue{
          .time = 320, .cpu = 2, .call = 34, .target = 1, .csd = 9, .type = trace::CsdType::Async}
          .to_record(),
      trace::XcallReturn{.time = 330, .cpu = 2, .call = 34, .api = trace::Api::Single}.to_record()};
  rings[1] = {
      trace::FlushBegin{
          .time = 200, .cpu = 1, .entries = 1, .source = trace::FlushSource::Interrupt}
          .to_record(),
      trace::CsdUnlock{.time = 210, .cpu = 1, .call = 20, .csd = 9, .was_locked = true}.to_record(),
      trace::FuncEntry{.time = 220,
                       .cpu = 1,
                       .call = 20,
                       .func = 0,
                       .csd = 9,
                       .site = trace::FuncSite::FlushAsync}
          .to_record(),
      trace::FuncExit{.time = 230, .cpu = 1, .call = 20, .func = 0, .csd = 9}.to_record(),
      trace::FlushEnd{.time = 240, .cpu = 1, .entries = 1, .source = trace::FlushSource::Interrupt}
          .to_record()};
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
  rings[0] = {trace::CsdLock{.time = 500, .call = 1, .csd = 1}.to_record(),
              trace::CsdQueue{.time = 510,
                              .call = 1,
                              .target = 1,
                              .csd = 1,
                              .type = trace::CsdType::Async,
                              .queue_was_empty = true}
                  .to_record()};
  rings[1] = {trace::CsdUnlock{.time = 100, .cpu = 1, .call = 7, .csd = 1, .was_locked = true}
                  .to_record()};  // an unlock before any lock
  const auto stats = qemu::repair_queue_races(rings);
  CHECK(stats.unpaired == 1);
  CHECK(stats.moved == 0);
  CHECK(rings[1][0].call == 7);
}
