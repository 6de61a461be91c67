// Typed records (sim/trace/records.hpp): every kind's fields sit in their
// wire places (docs/trace-format.md), survive to_record/from and the 32-byte
// wire encoding field by field, and parse() refuses what a field cannot say.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "sim/trace/record.hpp"
#include "sim/trace/wire.hpp"

using namespace xcallsim;
using namespace xcallsim::trace;

namespace {

using Words = std::array<std::uint32_t, 4>;

// x through to_record, the wire bytes and back: the head and the payload
// words are where the format says; returns what from() gives back.
template <class X>
X round_trip(const X& x, const Words& words) {
  const Record r = x.to_record();
  CHECK(r.kind == X::kind);
  unsigned char bytes[Record::kBytes] = {};
  wire::encode(r, bytes);
  CHECK(wire::get64(bytes) == x.time);
  CHECK(wire::get16(bytes + 8) == static_cast<std::uint16_t>(X::kind));
  CHECK(wire::get16(bytes + 10) == x.cpu);
  CHECK(wire::get32(bytes + 12) == x.call);
  for (int i = 0; i < 4; ++i) {
    INFO("payload word " << i);
    CHECK(wire::get32(bytes + 16 + 4 * i) == words[static_cast<std::size_t>(i)]);
  }
  const Record back = wire::decode(bytes);
  CHECK(back == r);
  X parsed{};
  CHECK(parse(back, parsed));
  const X y = X::from(back);
  CHECK(y.time == x.time);
  CHECK(y.cpu == x.cpu);
  CHECK(y.call == x.call);
  CHECK(y.to_record() == r);
  return y;
}

constexpr std::uint64_t kT = 0x0102'0304'0506'0708;
constexpr std::uint64_t kBig = 0xAABB'CCDD'1122'3344;

}  // namespace

TEST_CASE("typed records: caller-side kinds in their wire places", "[unit]") {
  const auto issue = round_trip(XcallIssue{.time = kT,
                                           .cpu = 3,
                                           .call = 9,
                                           .api = Api::MaskCond,
                                           .flags = 0x10,
                                           .target = 4,
                                           .target_is_mask = true,
                                           .func = 7},
                                {4, 0x10, 4, 7 | kMaskTarget});
  CHECK(issue.api == Api::MaskCond);
  CHECK(issue.flags == 0x10);
  CHECK(issue.target == 4);
  CHECK(issue.target_is_mask);
  CHECK(issue.func == 7);
  const auto no_func =
      round_trip(XcallIssue{.target = 0xFFFFFFFF, .func = kNoFunc}, {0, 0, 0xFFFFFFFF, kNoFunc});
  CHECK(no_func.func == kNoFunc);
  CHECK_FALSE(no_func.target_is_mask);

  const auto ret =
      round_trip(XcallReturn{.time = 5, .cpu = 1, .call = 2, .ret = -22, .api = Api::Private},
                 {static_cast<std::uint32_t>(-22), 5, 0, 0});
  CHECK(ret.ret == -22);
  CHECK(ret.api == Api::Private);

  const auto args = round_trip(
      XcallArgs{.call = 2, .cond = Cond::NotSelf, .has_slot = true, .slot = 0}, {6, 1, 0, 0});
  CHECK(args.cond == Cond::NotSelf);
  CHECK(args.has_slot);
  CHECK(args.slot == 0);
  CHECK_FALSE(round_trip(XcallArgs{}, {0, 0, 0, 0}).has_slot);

  const auto queue = round_trip(
      CsdQueue{
          .call = 1, .target = 2, .csd = 17, .type = CsdType::IrqWork, .queue_was_empty = true},
      {2, 17, 0x20, 1});
  CHECK(queue.target == 2);
  CHECK(queue.csd == 17);
  CHECK(queue.type == CsdType::IrqWork);
  CHECK(queue.queue_was_empty);
  CHECK_FALSE(queue.inferred);
  // Version 3: d bit 1 marks an enqueue an importer inferred; one that rode
  // a pending IPI is d = 2, never read as queue_was_empty (docs/trace-format.md).
  const auto rode =
      round_trip(CsdQueue{.target = 3, .type = CsdType::Sync, .inferred = true}, {3, 0, 0x10, 2});
  CHECK(rode.inferred);
  CHECK_FALSE(rode.queue_was_empty);
  CHECK(round_trip(CsdQueue{.queue_was_empty = true, .inferred = true}, {0, 0, 0, 3}).inferred);

  CHECK(round_trip(IpiElided{.target = 5}, {5, 0, 0, 0}).target == 5);
}

TEST_CASE("typed records: functions, csd locks, flushes, warnings", "[unit]") {
  const auto entry = round_trip(FuncEntry{.time = 1,
                                          .cpu = 2,
                                          .call = 3,
                                          .func = 4,
                                          .csd = 5,
                                          .local = true,
                                          .site = FuncSite::Local},
                                {4, 5, 1, 4});
  CHECK(entry.func == 4);
  CHECK(entry.csd == 5);
  CHECK(entry.local);
  CHECK(entry.site == FuncSite::Local);
  const auto exit = round_trip(FuncExit{.func = kNone, .csd = 6}, {kNone, 6, 0, 0});
  CHECK(exit.func == kNone);
  CHECK(exit.csd == 6);

  CHECK(round_trip(CsdLock{.csd = 8}, {8, 0, 0, 0}).csd == 8);
  const auto unlock = round_trip(CsdUnlock{.csd = 8, .was_locked = true}, {8, 1, 0, 0});
  CHECK(unlock.csd == 8);
  CHECK(unlock.was_locked);
  const auto wait = round_trip(LockWaitBegin{.csd = 9, .target = 3}, {9, 3, 0, 0});
  CHECK(wait.csd == 9);
  CHECK(wait.target == 3);
  CHECK(round_trip(LockWaitEnd{.csd = 9, .target = 3}, {9, 3, 0, 0}).target == 3);

  const auto flush =
      round_trip(FlushBegin{.entries = 12, .source = FlushSource::Dying}, {12, 2, 0, 0});
  CHECK(flush.entries == 12);
  CHECK(flush.source == FlushSource::Dying);
  CHECK(round_trip(FlushEnd{.entries = 3, .source = FlushSource::Idle}, {3, 1, 0, 0}).source ==
        FlushSource::Idle);

  const auto warning =
      round_trip(Warning{.call = 4, .code = WarningCode::InvalidCpu, .arg = 99, .func = kNone},
                 {3, 99, kNone, 0});
  CHECK(warning.code == WarningCode::InvalidCpu);
  CHECK(warning.arg == 99);
  CHECK(warning.func == kNone);

  const auto stuck =
      round_trip(StuckCall{.csd = 1, .target = 2, .func = 3, .waited_us = 4}, {1, 2, 3, 4});
  CHECK(stuck.csd == 1);
  CHECK(stuck.target == 2);
  CHECK(stuck.func == 3);
  CHECK(stuck.waited_us == 4);
}

TEST_CASE("typed records: IPIs, interrupts and the APIC", "[unit]") {
  const auto send = round_trip(IpiSend{.cpu = 1,
                                       .call = 2,
                                       .target = 3,
                                       .target_is_mask = true,
                                       .vector = 0xfc,
                                       .how = SendHow::PerCpuLoop,
                                       .icr_writes = 4},
                               {3 | kMaskTarget, 0xfc, 5, 4});
  CHECK(send.target == 3);
  CHECK(send.target_is_mask);
  CHECK(send.vector == 0xfc);
  CHECK(send.how == SendHow::PerCpuLoop);
  CHECK(send.icr_writes == 4);

  const auto deliver = round_trip(IpiDeliver{.vector = 0xfb, .sender = 2}, {0xfb, 2, 0, 0});
  CHECK(deliver.vector == 0xfb);
  CHECK(deliver.sender == 2);
  CHECK(round_trip(IrrCoalesced{.vector = 0xfb, .sender = 3}, {0xfb, 3, 0, 0}).sender == 3);
  CHECK(round_trip(IrqEntry{.vector = 0x40}, {0x40, 0, 0, 0}).vector == 0x40);
  CHECK(round_trip(IrqExit{.vector = 0x41}, {0x41, 0, 0, 0}).vector == 0x41);
  CHECK(round_trip(Eoi{.vector = 0x42}, {0x42, 0, 0, 0}).vector == 0x42);

  const auto error = round_trip(ApicError{.esr = 0x20, .status = 1}, {0x20, 1, 0, 0});
  CHECK(error.esr == 0x20);
  CHECK(error.status == 1);
  const auto icr = round_trip(
      IcrWrite{.icr_lo = 0x4fb, .icr_hi = 0x0300'0000, .messages = 2, .while_busy = true},
      {0x4fb, 0x0300'0000, 2, 1});
  CHECK(icr.icr_lo == 0x4fb);
  CHECK(icr.icr_hi == 0x0300'0000);
  CHECK(icr.messages == 2);
  CHECK(icr.while_busy);
  CHECK(round_trip(IcrBusyWait{.cycles = 77}, {77, 0, 0, 0}).cycles == 77);
  // Virtualized machines (version 4): docs/trace-format.md kinds 38, 39.
  const auto exit = round_trip(
      VmExit{.call = 3, .reason = VmExitReason::AvicIncompleteIpi, .cycles = 3756, .targets = 2},
      {4, 3756, 2, 0});
  CHECK(exit.reason == VmExitReason::AvicIncompleteIpi);
  CHECK(exit.targets == 2);
  const auto wake = round_trip(VcpuWake{.cycles = 4600, .polled = true}, {4600, 1, 0, 0});
  CHECK(wake.cycles == 4600);
  CHECK(wake.polled);
  CHECK_FALSE(round_trip(VcpuWake{.cycles = 1}, {1, 0, 0, 0}).polled);
}

TEST_CASE("typed records: programs and workload definitions, 64-bit values split", "[unit]") {
  round_trip(ProgramEnd{.time = 9, .cpu = 1}, {0, 0, 0, 0});
  round_trip(CpuOffline{.cpu = 2}, {0, 0, 0, 0});
  round_trip(IrqDisable{.time = 3}, {0, 0, 0, 0});
  round_trip(IrqEnable{.time = 4}, {0, 0, 0, 0});
  CHECK(round_trip(Mark{.value = 0xdead}, {0xdead, 0, 0, 0}).value == 0xdead);
  CHECK(round_trip(SetTpr{.value = 0x20}, {0x20, 0, 0, 0}).value == 0x20);

  const auto info = round_trip(WorkloadInfo{.poll_idle = true,
                                            .csd_lock_wait_debug = false,
                                            .stop_when_stuck = true,
                                            .private_slots = 2,
                                            .relax_cycles = 40,
                                            .stuck_timeout_us = 5000000},
                               {5, 2, 40, 5000000});
  CHECK(info.poll_idle);
  CHECK_FALSE(info.csd_lock_wait_debug);
  CHECK(info.stop_when_stuck);
  CHECK(info.private_slots == 2);
  CHECK(info.relax_cycles == 40);
  CHECK(info.stuck_timeout_us == 5000000);

  const auto cost =
      round_trip(FuncCost{.func = 3, .cycles = kBig}, {3, 0x1122'3344, 0xAABB'CCDD, 0});
  CHECK(cost.func == 3);
  CHECK(cost.cycles == kBig);
  const auto vec = round_trip(VectorDef{.vector = 0x40, .cycles = kBig, .irqs_on = true},
                              {0x40, 0x1122'3344, 0xAABB'CCDD, 1});
  CHECK(vec.vector == 0x40);
  CHECK(vec.cycles == kBig);
  CHECK(vec.irqs_on);
  CHECK(round_trip(Compute{.cycles = kBig}, {0x1122'3344, 0xAABB'CCDD, 0, 0}).cycles == kBig);
  CHECK(round_trip(IdleUntil{.until = kBig}, {0x1122'3344, 0xAABB'CCDD, 0, 0}).until == kBig);

  const auto raw = round_trip(RawIpi{.target = 1, .vector = 0x50}, {1, 0x50, 0, 0});
  CHECK(raw.target == 1);
  CHECK(raw.vector == 0x50);
  const auto busy = round_trip(PrivateBusy{.slot = 1, .busy = true}, {1, 1, 0, 0});
  CHECK(busy.slot == 1);
  CHECK(busy.busy);
}

TEST_CASE("typed records: visit reaches every kind; as and parse check", "[unit]") {
  int kinds = 0;
  for (std::uint16_t k = 1; k <= 37; ++k) {
    Record r;
    r.kind = static_cast<Kind>(k);
    const bool typed = visit(r, [&](const auto& x) {
      if constexpr (requires { x.to_record(); }) {
        CHECK(x.to_record() == r);
        return true;
      } else {
        return false;
      }
    });
    CHECK(typed);
    kinds += typed ? 1 : 0;
  }
  CHECK(kinds == 37);
  Record unknown;
  unknown.kind = static_cast<Kind>(38);
  CHECK(visit(unknown, [](const auto& x) {
          return requires {
            x.to_record();
          };
        }) == false);

  const Record mark = Mark{.value = 1}.to_record();
  Mark m;
  CHECK(as(mark, m));
  CHECK(m.value == 1);
  FuncExit f;
  CHECK_FALSE(as(mark, f));
  // A flag word other than 0/1 reads as true but is not what the record says.
  unsigned char bytes[Record::kBytes] = {};
  CsdUnlock{.csd = 1, .was_locked = true}.to_record().encode(bytes);
  bytes[20] = 2;
  const Record odd = Record::decode(bytes);
  CsdUnlock u;
  CHECK(as(odd, u));
  CHECK(u.was_locked);
  CHECK_FALSE(parse(odd, u));
}

TEST_CASE("typed records: the stream's control records", "[unit]") {
  const auto mask = wire::MaskDef{.id = 1, .index = 2, .count = 3, .word = kBig}.to_record();
  CHECK(mask.kind == kMaskDef);
  CHECK(mask.call == 1);
  const auto m = wire::MaskDef::from(mask);
  CHECK(m.index == 2);
  CHECK(m.count == 3);
  CHECK(m.word == kBig);
  const auto name = wire::FuncName::from(
      wire::FuncName{.id = 4, .chunk = 5, .len = 6, .bytes = kBig}.to_record());
  CHECK(name.id == 4);
  CHECK(name.chunk == 5);
  CHECK(name.len == 6);
  CHECK(name.bytes == kBig);
  const auto end = wire::decode_end(
      wire::encode_end(wire::End{.status = 1, .reason = 4, .count = kBig, .crc = 0xCBF43926}));
  CHECK(end.status == 1);
  CHECK(end.reason == 4);
  CHECK(end.count == kBig);
  CHECK(end.crc == 0xCBF43926);
}
