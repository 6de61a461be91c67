// Contract: the trace format's numbering (record kinds, entry points, IPI
// send modes, the mask/none sentinels) without any C++ library dependency, so
// that the bare-metal guest (guest/) can write records of the same kinds as
// the simulator. record.hpp includes this; values are wire format
// (docs/trace-format.md): never reuse or renumber one. Freestanding.
#pragma once

#include <stdint.h>

#include "xcall/platform/x86_send_policy.hpp"

namespace xcallsim::trace {

enum class Kind : uint16_t {
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
  // Workload records (docs/trace-format.md "Workload records"): what a CPU
  // program did and the definitions it ran with, so `replay --machine` can
  // re-run the workload. 64-bit values: bits 0..31 in the first field named,
  // bits 32..63 in the next. Definitions (26..29) have time 0 and come first.
  WorkloadInfo = 26,  // cpu 0: a = option bits (0 poll_idle, 1 csd_lock_wait_debug,
                      // 2 stop_when_stuck), b = private csd slots per CPU, c = cpu_relax
                      // cycles, d = csd lock stuck timeout (us, saturated)
  FuncCost = 27,      // cpu 0: a = func id, b/c = its cycles
  VectorDef = 28,     // cpu 0: a = scenario vector, b/c = handler cycles, d = 1 if irqs_on
  CpuOffline = 29,    // on the CPU that stays offline for the run
  Compute = 30,       // program compute phase: a/b = cycles (resolved)
  IrqDisable = 31,    // program local_irq_disable()
  IrqEnable = 32,     // program local_irq_enable()
  RawIpi = 33,        // program sent a fixed IPI (not an xcall): a = target cpu, b = vector
  SetTpr = 34,        // program wrote the TPR: a = value
  IdleUntil = 35,     // program halted until a/b = time (cycles)
  PrivateBusy = 36,   // program asked if its private csd slot a is locked: b = answer
  XcallArgs = 37,     // right after its XcallIssue, same call: a = cond (0 none, else
                      // 1 + smp::Cond: 1 all 2 none 3 odd 4 even 5 node0 6 not_self),
                      // b = csd slot + 1 (0 none: not a caller-owned csd)
};

// Which xcall entry point issued a call (mirrors xcall::Api, 1-based).
enum class Api : uint16_t {
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

// How an IPI left the sender (SEMANTICS 36-45): the send policy's own enum,
// whose values are part of the wire format.
using SendHow = xcall::x86::SendHow;

inline constexpr uint32_t kMaskTarget = 0x8000'0000u;
inline constexpr uint32_t kNone = 0xFFFF'FFFFu;

}  // namespace xcallsim::trace
