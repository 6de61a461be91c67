// Contract: the trace record, one fixed-size 32-byte value per event, shared by
// every producer (simulator, device model, guest, ftrace import) and consumer
// (summary, replay checks, exporters). Records carry no host pointers: CPUs are
// logical indices, functions and csds are stable ids assigned by the producer,
// masks are ids into the trace's mask table. Kind values are a wire format:
// never reuse or renumber one (docs/trace-format.md). Producers emit records in
// non-decreasing time; at equal time, emission order is the event order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xcallsim::trace {

enum class Kind : std::uint16_t {
  // Caller side. a = Api, b = flags, c = target cpu (or mask id if kMaskTarget set in d),
  // d = func id | kMaskTarget (func id kNone & ~kMaskTarget if not a registered function)
  XcallIssue = 1,
  XcallReturn = 2,  // a = return code (as int32), b = api
  CsdQueue = 3,  // a = target cpu, b = csd id, c = csd type (0x00/0x10/0x20/0x30), d = 1 if queue
                 // was empty
  IpiSend = 4,   // a = target cpu or mask id | kMaskTarget, b = vector, c = SendHow, d = ICR writes
  IpiElided = 5,       // a = target cpu (idle-poll elision, SEMANTICS 11)
  IpiDeliver = 6,      // on the target: a = vector, b = sender cpu (IRR set)
  IrrCoalesced = 7,    // on the target: a = vector, b = sender cpu (absorbed, SEMANTICS 48)
  IrqEntry = 8,        // a = vector
  IrqExit = 9,         // a = vector
  FuncEntry = 10,      // a = func id, b = csd id, c = 1 if run locally by the caller, d = FuncSite
  FuncExit = 11,       // a = func id, b = csd id
  CsdUnlock = 12,      // a = csd id, b = 1 if the lock bit was set (0: the WARN case)
  Eoi = 13,            // a = vector
  ApicError = 14,      // a = ESR bits, b = apic::SendStatus
  Warning = 15,        // a = Warning code (xcall/platform/warnings.hpp), b = argument, c = func id
  LockWaitBegin = 16,  // a = csd id, b = target cpu
  LockWaitEnd = 17,    // a = csd id, b = target cpu
  FlushBegin = 18,     // a = number of entries in the snapshot, b = FlushSource
  FlushEnd = 19,       // a = entries run, b = FlushSource
  StuckCall = 20,      // a = csd id, b = target cpu, c = func id, d = waited (us, saturated)
  CsdLock = 21,        // a = csd id (csd_lock() acquired it, after any wait)
  IcrWrite = 22,       // a = ICR low, b = ICR high/ICR2, c = messages, d = 1 if written while busy
  IcrBusyWait = 23,    // xAPIC sender spun on the delivery-status bit: a = cycles (saturated)
  ProgramEnd = 24,     // the CPU's program returned
  Mark = 25,           // a CPU program's marker: a = value (tests and scenarios)
};
std::string_view to_string(Kind kind);

// Which xcall entry point issued a call (mirrors xcall::Api, 1-based).
enum class Api : std::uint16_t {
  Single = 1,    // smp_xcall
  Cond = 2,      // smp_xcall_cond
  Mask = 3,      // smp_xcall_mask
  MaskCond = 4,  // smp_xcall_mask_cond
  Private = 5,   // smp_xcall_private
  Any = 6,       // smp_xcall_any
  CallFunctionSingle = 7,
  CallFunctionSingleAsync = 8,
  CallFunctionMany = 9,
  CallFunction = 10,
  CallFunctionAny = 11,
  OnEachCpuCondMask = 12,
  CallSingleQueue = 13,  // __smp_call_single_queue() (irq_work, ttwu)
};
std::string_view to_string(Api api);

// How an IPI left the sender (SEMANTICS 36-45).
enum class SendHow : std::uint16_t {
  Unicast = 1,
  ShorthandAllButSelf = 2,
  ShorthandAll = 3,
  ClusterMulticast = 4,
  PerCpuLoop = 5,
  LogicalFlat = 6,
  Nothing = 7,  // the policy had nothing to send (empty mask, single online CPU)
};
std::string_view to_string(SendHow how);

inline constexpr std::uint32_t kMaskTarget = 0x8000'0000u;
inline constexpr std::uint32_t kNone = 0xFFFF'FFFFu;

struct Record {
  std::uint64_t time = 0;  // cycles since the start of the run
  Kind kind{};
  std::uint16_t cpu = 0;   // where the event happened
  std::uint32_t call = 0;  // call id (1-based, per trace) or 0 if not tied to a call
  std::uint32_t a = 0, b = 0, c = 0, d = 0;
  friend bool operator==(const Record&, const Record&) = default;
};
static_assert(sizeof(Record) == 32, "trace records are a 32-byte wire format");

// An in-memory trace: records in (time, emission) order plus the mask table.
struct Trace {
  std::vector<Record> records;
  std::vector<std::vector<std::uint64_t>> masks;  // mask id -> bitmap words (ascending cpus)
  std::vector<std::string> functions;             // func id -> name
  int cpu_count = 0;
  double ghz = 1.0;
};

// One line, e.g. "1234 cpu1 #3 FuncEntry a=0 b=5 c=0 d=0" with function names
// resolved from `trace` where the kind has a func id.
std::string to_string(const Record& record, const Trace& trace);

}  // namespace xcallsim::trace
