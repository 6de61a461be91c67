// The sample trace of sample.hpp.
#include "sample.hpp"

namespace xcallsim::test {

using trace::Kind;

trace::Record rec(std::uint64_t time, Kind kind, std::uint16_t cpu, std::uint32_t call,
                  std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return trace::Record{time, kind, cpu, call, a, b, c, d};
}

trace::Trace sample_trace() {
  trace::Trace t;
  t.cpu_count = 4;
  t.ghz = 2.0;
  t.functions = {"flush_tlb_func", "do_sync_core"};
  t.masks = {{0b0110}};
  constexpr std::uint32_t M = trace::kMaskTarget;
  t.records = {
      rec(10, Kind::XcallIssue, 0, 1, 3, 0x10, 0, 0 | M),
      rec(12, Kind::CsdLock, 0, 1, 1),
      rec(14, Kind::CsdQueue, 0, 1, 1, 1, 0x10, 1),
      rec(15, Kind::CsdLock, 0, 1, 2),
      rec(16, Kind::CsdQueue, 0, 1, 2, 2, 0x10, 1),
      rec(20, Kind::IpiSend, 0, 1, 0 | M, 0xfc, 5, 2),
      rec(22, Kind::LockWaitBegin, 0, 1, 1, 1),
      rec(30, Kind::IpiDeliver, 1, 0, 0xfc, 0),
      rec(31, Kind::IpiDeliver, 2, 0, 0xfc, 0),
      rec(32, Kind::IrqEntry, 1, 0, 0xfc),
      rec(33, Kind::IrqEntry, 2, 0, 0xfc),
      rec(34, Kind::Eoi, 1, 0, 0xfc),
      rec(34, Kind::FlushBegin, 1, 0, 1, 0),
      rec(35, Kind::FuncEntry, 1, 1, 0, 1, 0, 0),
      rec(36, Kind::FlushBegin, 2, 0, 1, 0),
      rec(36, Kind::FuncEntry, 2, 1, 0, 2, 0, 0),
      rec(40, Kind::FuncExit, 1, 1, 0, 1),
      rec(41, Kind::CsdUnlock, 1, 1, 1, 1),
      rec(42, Kind::FlushEnd, 1, 0, 1, 0),
      rec(42, Kind::IrqExit, 1, 0, 0xfc),
      rec(43, Kind::FuncExit, 2, 1, 0, 2),
      rec(43, Kind::CsdUnlock, 2, 1, 2, 1),
      rec(44, Kind::FlushEnd, 2, 0, 1, 0),
      rec(44, Kind::IrqExit, 2, 0, 0xfc),
      rec(45, Kind::LockWaitEnd, 0, 1, 1, 1),
      rec(46, Kind::LockWaitBegin, 0, 1, 2, 2),
      rec(46, Kind::LockWaitEnd, 0, 1, 2, 2),
      rec(50, Kind::XcallReturn, 0, 1, 0, 3),
      rec(60, Kind::XcallIssue, 3, 2, 1, 0x00, 1, 1),
      rec(61, Kind::CsdQueue, 3, 2, 1, 30, 0x00, 1),
      rec(62, Kind::IpiSend, 3, 2, 1, 0xfb, 1, 1),
      rec(63, Kind::XcallReturn, 3, 2, 0, 1),
      rec(64, Kind::XcallIssue, 3, 3, 1, 0x00, 1, 1),
      rec(65, Kind::CsdQueue, 3, 3, 1, 31, 0x00, 0),
      rec(66, Kind::XcallReturn, 3, 3, 0, 1),
      rec(70, Kind::IpiDeliver, 1, 0, 0xfb, 3),
      rec(71, Kind::IrqEntry, 1, 0, 0xfb),
      rec(71, Kind::FlushBegin, 1, 0, 2, 0),
      rec(72, Kind::CsdUnlock, 1, 2, 30, 1),
      rec(72, Kind::FuncEntry, 1, 2, 1, 30, 0, 1),
      rec(73, Kind::FuncExit, 1, 2, 1, 30),
      rec(74, Kind::CsdUnlock, 1, 3, 31, 1),
      rec(74, Kind::FuncEntry, 1, 3, 1, 31, 0, 1),
      rec(75, Kind::FuncExit, 1, 3, 1, 31),
      rec(76, Kind::FlushEnd, 1, 0, 2, 0),
      rec(76, Kind::IrqExit, 1, 0, 0xfb),
      rec(80, Kind::ProgramEnd, 0, 0),
      rec(80, Kind::ProgramEnd, 1, 0),
      rec(80, Kind::ProgramEnd, 2, 0),
      rec(80, Kind::ProgramEnd, 3, 0),
  };
  return t;
}

}  // namespace xcallsim::test
