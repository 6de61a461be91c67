// The events the xcall library reports through Platform::trace().
// Contract: one fixed-size TraceEvent per call, passed by const reference and
// valid only during the call (copy what you keep; `mask` points into the
// caller's stack or state). The library emits events on the CPU they describe
// (`cpu` == this_cpu()), in program order of that CPU. Pointer-valued fields
// (func, info, csd) are identities only; a deterministic trace writer must
// map them to stable ids (e.g. by registration order) instead of writing
// host addresses. Freestanding.
#pragma once

#include <stdint.h>

namespace xcallsim::xcall {

enum class TraceKind : uint8_t {
  XcallIssue,     // an API entry point was called: detail = Api; target = cpu or XCALL_ALL
                  //   or -1 for mask calls (mask set); csd_type = the flags argument
  XcallReturn,    // it returns: detail = Api; value = return code (0 for void APIs)
  CsdQueue,       // csd about to be llist_add()ed to target's queue (csd_queue_cpu,
                  //   SEM-10): value = 1 if the queue was empty (an IPI follows), else 0
  IpiSendSingle,  // call-function-single IPI (vector 0xfb) sent to target
  IpiSendMask,    // call-function IPI (vector 0xfc) sent to mask; value = weight
  IpiElided,      // single IPI skipped: target polls in idle (SEM-11,
                  //   sched_wake_idle_without_ipi); target will flush from idle
  IpiResend,      // raw single IPI re-sent by the stuck-csd diagnosis (SEM-30)
  FlushBegin,     // detail = FlushSource; value = entries in the snapshot
  FlushEnd,       // detail = FlushSource; value = entries run
  FuncEntry,      // a callback starts: detail = FuncSite; csd = its csd (0 for local)
  FuncExit,       // ... and returns
  CsdLock,        // csd_lock() acquired the csd (after any wait)
  CsdUnlock,      // csd_unlock(): value = 1 if the lock bit was set (0 = WARN case)
  LockWaitBegin,  // csd_lock_wait() starts on csd (target = node.dst if known)
  LockWaitEnd,    // ... and the lock was observed released
  Warning,        // detail = Warning (contract.hpp); value = its argument
};

// Which entry point an XcallIssue/XcallReturn belongs to.
enum class Api : uint8_t {
  SmpXcall,
  SmpXcallCond,
  SmpXcallMask,
  SmpXcallMaskCond,
  SmpXcallPrivate,
  SmpXcallAny,
  SmpCallFunctionSingle,
  SmpCallFunctionSingleAsync,
  SmpCallFunctionMany,
  SmpCallFunction,
  SmpCallFunctionAny,
  OnEachCpuCondMask,
  CallSingleQueue,  // __smp_call_single_queue() used directly (irq_work, ttwu)
};

// Why a flush ran (SEM-20, 22, 23).
enum class FlushSource : uint8_t { Interrupt, Idle, Dying };

// Where a callback ran.
enum class FuncSite : uint8_t {
  FlushSync,   // flush pass 1: SYNC csd, unlocked after func
  FlushAsync,  // flush pass 2: ASYNC csd, unlocked before func
  FlushIrqWork,
  FlushTtwu,  // pass 3: one FuncEntry/Exit pair around the whole TTWU batch
  Local,      // sender runs func itself with IRQs off (csd = 0 or the csd)
};

// What kind of storage a csd is (from the library's point of view).
enum class CsdKind : uint8_t {
  None,      // no csd (local run)
  Cfd,       // a sender's per-target cfd csd: owner = sender, index = target
  CsdData,   // a CPU's async csd_data (upstream smp_call_function_single !wait)
  Stack,     // on-stack SYNC csd of upstream smp_call_function_single: owner = sender
  External,  // caller-owned (smp_xcall_private / _single_async / irq_work / ttwu)
};

struct TraceEvent {
  TraceKind kind{};
  uint8_t detail = 0;    // Api, FlushSource, FuncSite or Warning, per kind
  uint8_t csd_type = 0;  // CSD type bits (0x00/0x10/0x20/0x30) or the flags argument
  CsdKind csd_kind = CsdKind::None;
  int32_t cpu = -1;                // the CPU the event happens on
  int32_t target = -1;             // target CPU, XCALL_ALL, or -1
  int32_t value = 0;               // kind-specific, see TraceKind
  int16_t csd_owner = -1;          // owning CPU of a Cfd/CsdData/Stack csd, else -1
  int16_t csd_index = -1;          // target index of a Cfd csd, else -1
  uint32_t mask_bits = 0;          // number of valid bits in mask (0: no mask)
  uint64_t func = 0;               // callback identity
  uint64_t info = 0;               // callback argument identity
  uint64_t csd = 0;                // csd identity
  const uint64_t* mask = nullptr;  // CPU bitmap (bit c of word c/64), valid during trace()
};

// The identity the library puts in func/info/csd fields: the address.
template <class T>
inline uint64_t identity(T* ptr) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ptr));
}

}  // namespace xcallsim::xcall
