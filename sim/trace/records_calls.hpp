// The typed records of the xcall library's events (kinds 1-3, 5, 10-12,
// 15-21, 37). Included by records.hpp only; its Contract holds here.
#pragma once

#include "sim/trace/record_value.hpp"

namespace xcallsim::trace {

// Caller: an xcall entry point was called.
template <>
struct Typed<Kind::XcallIssue> {
  static constexpr Kind kind = Kind::XcallIssue;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  Api api{};            // a
  uint32_t flags = 0;   // b: the flags argument (csd type in bits 0x30)
  uint32_t target = 0;  // c: target cpu (XCALL_ALL as int32), or a mask id if target_is_mask
  bool target_is_mask = false;  // d bit 31 (kMaskTarget)
  uint32_t func = 0;            // d bits 0..30: func id, kNoFunc if not a registered function

  constexpr Record to_record() const {
    const uint32_t d = (func & ~kMaskTarget) | (target_is_mask ? kMaskTarget : 0);
    return Record(time, kind, cpu, call, static_cast<uint32_t>(api), flags, target, d);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .api = static_cast<Api>(r.a_),
            .flags = r.b_,
            .target = r.c_,
            .target_is_mask = (r.d_ & kMaskTarget) != 0,
            .func = r.d_ & ~kMaskTarget};
  }
};

// Caller: the entry point returned.
template <>
struct Typed<Kind::XcallReturn> {
  static constexpr Kind kind = Kind::XcallReturn;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  int32_t ret = 0;  // a: the return code (0 for void entry points)
  Api api{};        // b

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, static_cast<uint32_t>(ret), static_cast<uint32_t>(api), 0,
                  0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .ret = static_cast<int32_t>(r.a_),
            .api = static_cast<Api>(r.b_)};
  }
};

// Right after its XcallIssue (same cpu and call), for calls with a cond or a
// caller-owned csd.
template <>
struct Typed<Kind::XcallArgs> {
  static constexpr Kind kind = Kind::XcallArgs;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  Cond cond = Cond::Absent;  // a
  bool has_slot = false;     // b != 0
  uint32_t slot = 0;         // b - 1: the caller-owned csd slot

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, static_cast<uint32_t>(cond), has_slot ? slot + 1 : 0, 0,
                  0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .cond = static_cast<Cond>(r.a_),
            .has_slot = r.b_ != 0,
            .slot = r.b_ != 0 ? r.b_ - 1 : 0};
  }
};

// Caller: a csd is about to be llist_add()ed to the target's queue.
template <>
struct Typed<Kind::CsdQueue> {
  static constexpr Kind kind = Kind::CsdQueue;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t target = 0;            // a: target cpu
  uint32_t csd = 0;               // b: csd id
  CsdType type = CsdType::Async;  // c
  bool queue_was_empty = false;   // d bit 0: an IPI follows
  // d bit 1 (version 3): no enqueue event; an importer derived this record
  // (the many path's inlined llist_add), so its time is the call's issue.
  bool inferred = false;

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, target, csd, static_cast<uint32_t>(type),
                  (queue_was_empty ? 1u : 0u) | (inferred ? 2u : 0u));
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .target = r.a_,
            .csd = r.b_,
            .type = static_cast<CsdType>(r.c_),
            .queue_was_empty = (r.d_ & 1u) != 0,
            .inferred = (r.d_ & 2u) != 0};
  }
};

// Caller: the single IPI was skipped, the target polls in idle (SEMANTICS 11).
template <>
struct Typed<Kind::IpiElided> {
  static constexpr Kind kind = Kind::IpiElided;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t target = 0;  // a: target cpu

  constexpr Record to_record() const { return Record(time, kind, cpu, call, target, 0, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .target = r.a_};
  }
};

// A callback starts on this cpu.
template <>
struct Typed<Kind::FuncEntry> {
  static constexpr Kind kind = Kind::FuncEntry;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t func = 0;   // a: func id
  uint32_t csd = 0;    // b: csd id
  bool local = false;  // c: run locally by the caller
  FuncSite site{};     // d

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, func, csd, local ? 1 : 0, static_cast<uint32_t>(site));
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .func = r.a_,
            .csd = r.b_,
            .local = r.c_ != 0,
            .site = static_cast<FuncSite>(r.d_)};
  }
};

// The callback returned.
template <>
struct Typed<Kind::FuncExit> {
  static constexpr Kind kind = Kind::FuncExit;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t func = 0;  // a: func id
  uint32_t csd = 0;   // b: csd id

  constexpr Record to_record() const { return Record(time, kind, cpu, call, func, csd, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .func = r.a_, .csd = r.b_};
  }
};

// csd_lock() acquired a csd (after any wait).
template <>
struct Typed<Kind::CsdLock> {
  static constexpr Kind kind = Kind::CsdLock;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t csd = 0;  // a: csd id

  constexpr Record to_record() const { return Record(time, kind, cpu, call, csd, 0, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .csd = r.a_};
  }
};

// csd_unlock().
template <>
struct Typed<Kind::CsdUnlock> {
  static constexpr Kind kind = Kind::CsdUnlock;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t csd = 0;         // a: csd id
  bool was_locked = false;  // b: the lock bit was set (false: the WARN case)

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, csd, was_locked ? 1 : 0, 0, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .csd = r.a_, .was_locked = r.b_ != 0};
  }
};

// LockWaitBegin: csd_lock_wait() starts; LockWaitEnd: the lock was seen released.
template <Kind K>
requires(K == Kind::LockWaitBegin || K == Kind::LockWaitEnd) struct Typed<K> {
  static constexpr Kind kind = K;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t csd = 0;     // a: csd id
  uint32_t target = 0;  // b: target cpu (node.dst if known)

  constexpr Record to_record() const { return Record(time, kind, cpu, call, csd, target, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .csd = r.a_, .target = r.b_};
  }
};

// FlushBegin: entries in the queue's snapshot; FlushEnd: entries run.
template <Kind K>
requires(K == Kind::FlushBegin || K == Kind::FlushEnd) struct Typed<K> {
  static constexpr Kind kind = K;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t entries = 0;  // a
  FlushSource source{};  // b

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, entries, static_cast<uint32_t>(source), 0, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .entries = r.a_,
            .source = static_cast<FlushSource>(r.b_)};
  }
};

// A library warning.
template <>
struct Typed<Kind::Warning> {
  static constexpr Kind kind = Kind::Warning;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  WarningCode code{};  // a
  uint32_t arg = 0;    // b: its argument (cpu id, Api, ...: xcall::Warning)
  uint32_t func = 0;   // c: func id

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, static_cast<uint32_t>(code), arg, func, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .code = static_cast<WarningCode>(r.a_),
            .arg = r.b_,
            .func = r.c_};
  }
};

// A csd lock wait timed out (csd_lock_wait_toolong).
template <>
struct Typed<Kind::StuckCall> {
  static constexpr Kind kind = Kind::StuckCall;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t csd = 0;        // a: csd id
  uint32_t target = 0;     // b: target cpu
  uint32_t func = 0;       // c: func id
  uint32_t waited_us = 0;  // d: saturated

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, csd, target, func, waited_us);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .csd = r.a_,
            .target = r.b_,
            .func = r.c_,
            .waited_us = r.d_};
  }
};

using XcallIssue = Typed<Kind::XcallIssue>;
using XcallReturn = Typed<Kind::XcallReturn>;
using XcallArgs = Typed<Kind::XcallArgs>;
using CsdQueue = Typed<Kind::CsdQueue>;
using IpiElided = Typed<Kind::IpiElided>;
using FuncEntry = Typed<Kind::FuncEntry>;
using FuncExit = Typed<Kind::FuncExit>;
using CsdLock = Typed<Kind::CsdLock>;
using CsdUnlock = Typed<Kind::CsdUnlock>;
using LockWaitBegin = Typed<Kind::LockWaitBegin>;
using LockWaitEnd = Typed<Kind::LockWaitEnd>;
using FlushBegin = Typed<Kind::FlushBegin>;
using FlushEnd = Typed<Kind::FlushEnd>;
using Warning = Typed<Kind::Warning>;
using StuckCall = Typed<Kind::StuckCall>;

}  // namespace xcallsim::trace
