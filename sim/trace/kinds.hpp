// Contract: the trace format's numbering (record kinds and the enums of
// record fields, the mask/none sentinels) without any C++ library dependency, so
// that the bare-metal guest (guest/) can write records of the same kinds as
// the simulator. record.hpp includes this; values are wire format
// (docs/trace-format.md): never reuse or renumber one. Freestanding.
#pragma once

#include <stdint.h>

namespace xcallsim::trace {

// Which producer wrote a trace (the header's source field).
enum class Source : uint16_t { Sim = 1, QemuDevmodel = 2, QemuLapic = 3, LinuxFtrace = 4 };

// How a stream ended, as its END record says (wire values: never reused or
// renumbered). Complete is 0; every other value is an incomplete trace and
// its reason, and goes with kFlagIncomplete in the header.
enum class EndStatus : uint32_t {
  Complete = 0,
  Sigint = 1,           // interrupted by SIGINT (Ctrl-C)
  Sigterm = 2,          // interrupted by SIGTERM
  TimeLimit = 3,        // the run's time limit was reached
  StuckCall = 4,        // a call never returned (stuck-call detection stopped the run)
  GuestIncomplete = 5,  // the guest / launch did not finish (timeout, crash, lost trace)
  Other = 6,            // a writer error or another reason (also: unknown, version 1)
};
inline constexpr uint32_t kMaxEndStatus = 6;

enum class Kind : uint16_t {
  // The typed record of each kind, with its fields, is sim/trace/records.hpp.
  XcallIssue = 1,      // caller: an xcall entry point was called
  XcallReturn = 2,     // caller: it returned
  CsdQueue = 3,        // caller: a csd is about to be queued on a target
  IpiSend = 4,         // sender: an IPI left (how, ICR writes)
  IpiElided = 5,       // caller: single IPI skipped, the target polls in idle (SEMANTICS 11)
  IpiDeliver = 6,      // target: the IPI set IRR
  IrrCoalesced = 7,    // target: the IPI was absorbed by a pending IRR bit (SEMANTICS 48)
  IrqEntry = 8,        // an interrupt handler starts
  IrqExit = 9,         // ... and returns
  FuncEntry = 10,      // a callback starts
  FuncExit = 11,       // ... and returns
  CsdUnlock = 12,      // csd_unlock()
  Eoi = 13,            // EOI written
  ApicError = 14,      // the APIC latched an error (ESR)
  Warning = 15,        // a library warning (xcall/platform/warnings.hpp)
  LockWaitBegin = 16,  // csd_lock_wait() starts
  LockWaitEnd = 17,    // ... and the lock was seen released
  FlushBegin = 18,     // a call-single queue flush starts
  FlushEnd = 19,       // ... and ends
  StuckCall = 20,      // a csd lock wait timed out (csd_lock_wait_toolong)
  CsdLock = 21,        // csd_lock() acquired a csd, after any wait
  IcrWrite = 22,       // the sender wrote the ICR
  IcrBusyWait = 23,    // xAPIC sender spun on the delivery-status bit
  ProgramEnd = 24,     // the CPU's program returned
  Mark = 25,           // a CPU program's marker (tests and scenarios)
  // Workload records (docs/trace-format.md "Workload records"): what a CPU
  // program did and the definitions it ran with, so `replay --machine` can
  // re-run the workload. Definitions (26..29) have time 0 and come first.
  WorkloadInfo = 26,  // cpu 0: the run options
  FuncCost = 27,      // cpu 0: one function's cycles
  VectorDef = 28,     // cpu 0: one scenario vector's handler
  CpuOffline = 29,    // on the CPU that stays offline for the run
  Compute = 30,       // program compute phase
  IrqDisable = 31,    // program local_irq_disable()
  IrqEnable = 32,     // program local_irq_enable()
  RawIpi = 33,        // program sent a fixed IPI (not an xcall)
  SetTpr = 34,        // program wrote the TPR
  IdleUntil = 35,     // program halted until a deadline
  PrivateBusy = 36,   // program asked if one of its private csd slots is locked
  XcallArgs = 37,     // right after its XcallIssue: what the issue cannot carry
  // Virtualized machines (format version 4).
  VmExit = 38,    // a vCPU left the guest: why, for how long (guest-visible cycles)
  VcpuWake = 39,  // a halted vCPU was woken for an interrupt: wake-up + VM entry
};

// Why a vCPU exited (VmExit records; wire values, never renumbered).
enum class VmExitReason : uint32_t {
  IcrWrite = 1,           // a trapped ICR write (x2APIC MSR / xAPIC MMIO), emulated by KVM
  IcrFastpath = 2,        // the same through KVM's x2APIC single-target fastpath
  Hypercall = 3,          // KVM_HC_SEND_IPI (PV send-IPI)
  AvicIncompleteIpi = 4,  // AVIC could not deliver (a target not running)
  ExternalInterrupt = 5,  // receiver without posted interrupts: the IPI forced an exit
  Eoi = 6,                // receiver without virtual-interrupt delivery: the EOI write
  Hlt = 7,                // the vCPU halted in KVM (costs the guest nothing by itself)
};
inline constexpr uint32_t kMaxVmExitReason = 7;

// Which xcall entry point issued a call (mirrors xcall::Api, 1-based).
enum class Api : uint32_t {
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

// How an IPI left the sender (SEMANTICS 36-45).
enum class SendHow : uint32_t {
  Unknown = 0,  // not known from the trace (Linux ftrace imports)
  Unicast = 1,
  ShorthandAllButSelf = 2,
  ShorthandAll = 3,
  ClusterMulticast = 4,
  PerCpuLoop = 5,
  LogicalFlat = 6,
  Nothing = 7,      // nothing to send (empty mask, single online CPU)
  PvHypercall = 8,  // KVM_HC_SEND_IPI hypercalls (a KVM guest with PV send-IPI)
};

// A csd's type: bits 0x30 of a flags word (CSD_TYPE_*, SEMANTICS 2.1.2).
enum class CsdType : uint32_t { Async = 0x00, Sync = 0x10, IrqWork = 0x20, Ttwu = 0x30 };
inline constexpr uint32_t kCsdTypeMask = 0x30;
constexpr CsdType csd_type_of(uint32_t flags) {
  return static_cast<CsdType>(flags & kCsdTypeMask);
}
constexpr CsdType csd_type_of(CsdType type) {  // a CsdQueue's type without stray bits
  return csd_type_of(static_cast<uint32_t>(type));
}

// Why a flush ran (SEMANTICS 20, 22, 23).
enum class FlushSource : uint32_t { Interrupt = 0, Idle = 1, Dying = 2 };

// Where a callback ran.
enum class FuncSite : uint32_t {
  FlushSync = 0,     // flush pass 1: SYNC csd, unlocked after func
  FlushAsync = 1,    // flush pass 2: ASYNC csd, unlocked before func
  FlushIrqWork = 2,  // pass 3
  FlushTtwu = 3,     // pass 3: one FuncEntry/Exit pair around the whole TTWU batch
  Local = 4,         // the sender ran func itself with IRQs off
};

// A library warning (xcall::Warning, same order; names: xcall::warning_name).
enum class WarningCode : uint32_t {
  IrqsDisabled = 0,
  IrqsDisabledLockdep = 1,
  NotInTask = 2,
  InvalidCpu = 3,
  PrivateBadCpu = 4,
  NullArgument = 5,
  CsdUnlockNotLocked = 6,
  IpiOnOfflineCpu = 7,
  CallbackOnOfflineCpu = 8,
  TtwuOnOfflineCpu = 9,
  UnknownTypeOnOfflineCpu = 10,
  FlushIrqsEnabled = 11,
  CsdLockWaitBadCpu = 12,
};

// The cond function of a cond call (XcallArgs): 0 none, else 1 + smp::Cond.
enum class Cond : uint32_t {
  Absent = 0,
  All = 1,
  None = 2,
  Odd = 3,
  Even = 4,
  Node0 = 5,
  NotSelf = 6
};

inline constexpr uint32_t kMaskTarget = 0x8000'0000u;
inline constexpr uint32_t kNone = 0xFFFF'FFFFu;
// An XcallIssue's function field (31 bits) when the call names no registered function.
inline constexpr uint32_t kNoFunc = kNone & ~kMaskTarget;

}  // namespace xcallsim::trace
