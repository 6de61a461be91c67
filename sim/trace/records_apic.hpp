// The typed records of IPIs, interrupts and the APIC (kinds 4, 6-9, 13, 14,
// 22, 23, 38, 39). Included by records.hpp only; its Contract holds here.
#pragma once

#include "sim/trace/record_value.hpp"

namespace xcallsim::trace {

// Sender: an IPI left.
template <>
struct Typed<Kind::IpiSend> {
  static constexpr Kind kind = Kind::IpiSend;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t target = 0;          // a bits 0..30: target cpu, or a mask id if target_is_mask
  bool target_is_mask = false;  // a bit 31 (kMaskTarget)
  uint32_t vector = 0;          // b
  SendHow how{};                // c
  uint32_t icr_writes = 0;      // d

  constexpr Record to_record() const {
    const uint32_t a = (target & ~kMaskTarget) | (target_is_mask ? kMaskTarget : 0);
    return Record(time, kind, cpu, call, a, vector, static_cast<uint32_t>(how), icr_writes);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .target = r.a_ & ~kMaskTarget,
            .target_is_mask = (r.a_ & kMaskTarget) != 0,
            .vector = r.b_,
            .how = static_cast<SendHow>(r.c_),
            .icr_writes = r.d_};
  }
};

// Target: IpiDeliver, the IPI set IRR; IrrCoalesced, a pending IRR bit absorbed it.
template <Kind K>
requires(K == Kind::IpiDeliver || K == Kind::IrrCoalesced) struct Typed<K> {
  static constexpr Kind kind = K;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t vector = 0;  // a
  uint32_t sender = 0;  // b: sender cpu

  constexpr Record to_record() const { return Record(time, kind, cpu, call, vector, sender, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .vector = r.a_, .sender = r.b_};
  }
};

// IrqEntry, IrqExit, Eoi: an interrupt handler starts, returns; EOI written.
template <Kind K>
requires(K == Kind::IrqEntry || K == Kind::IrqExit || K == Kind::Eoi) struct Typed<K> {
  static constexpr Kind kind = K;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t vector = 0;  // a

  constexpr Record to_record() const { return Record(time, kind, cpu, call, vector, 0, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .vector = r.a_};
  }
};

// The APIC latched an error.
template <>
struct Typed<Kind::ApicError> {
  static constexpr Kind kind = Kind::ApicError;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t esr = 0;     // a: ESR bits
  uint32_t status = 0;  // b: apic::SendStatus

  constexpr Record to_record() const { return Record(time, kind, cpu, call, esr, status, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .esr = r.a_, .status = r.b_};
  }
};

// The sender wrote the ICR.
template <>
struct Typed<Kind::IcrWrite> {
  static constexpr Kind kind = Kind::IcrWrite;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t icr_lo = 0;      // a
  uint32_t icr_hi = 0;      // b: ICR high (xAPIC ICR2)
  uint32_t messages = 0;    // c: messages put in flight
  bool while_busy = false;  // d: written while the delivery-status bit was set

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, icr_lo, icr_hi, messages, while_busy ? 1 : 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .icr_lo = r.a_,
            .icr_hi = r.b_,
            .messages = r.c_,
            .while_busy = r.d_ != 0};
  }
};

// xAPIC sender spun on the delivery-status bit.
template <>
struct Typed<Kind::IcrBusyWait> {
  static constexpr Kind kind = Kind::IcrBusyWait;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t cycles = 0;  // a: saturated

  constexpr Record to_record() const { return Record(time, kind, cpu, call, cycles, 0, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .cycles = r.a_};
  }
};

// A vCPU left the guest (virtualized machines).
template <>
struct Typed<Kind::VmExit> {
  static constexpr Kind kind = Kind::VmExit;
  uint64_t time = 0;  // the exit starts
  uint16_t cpu = 0;
  uint32_t call = 0;
  VmExitReason reason{};  // a
  uint32_t cycles = 0;    // b: guest-visible length, saturated
  uint32_t targets = 0;   // c: vCPUs KVM delivered to inside the exit

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, static_cast<uint32_t>(reason), cycles, targets, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .reason = static_cast<VmExitReason>(r.a_),
            .cycles = r.b_,
            .targets = r.c_};
  }
};

// A halted vCPU was woken for an interrupt; it runs again at time + cycles.
template <>
struct Typed<Kind::VcpuWake> {
  static constexpr Kind kind = Kind::VcpuWake;
  uint64_t time = 0;  // the interrupt reached the halted vCPU
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t cycles = 0;  // a: wake-up + VM entry, saturated
  bool polled = false;  // b: still inside KVM's halt-polling window (no sleep)

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, cycles, polled ? 1 : 0, 0, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .cycles = r.a_, .polled = r.b_ != 0};
  }
};

using VmExit = Typed<Kind::VmExit>;
using VcpuWake = Typed<Kind::VcpuWake>;
using IpiSend = Typed<Kind::IpiSend>;
using IpiDeliver = Typed<Kind::IpiDeliver>;
using IrrCoalesced = Typed<Kind::IrrCoalesced>;
using IrqEntry = Typed<Kind::IrqEntry>;
using IrqExit = Typed<Kind::IrqExit>;
using Eoi = Typed<Kind::Eoi>;
using ApicError = Typed<Kind::ApicError>;
using IcrWrite = Typed<Kind::IcrWrite>;
using IcrBusyWait = Typed<Kind::IcrBusyWait>;

}  // namespace xcallsim::trace
