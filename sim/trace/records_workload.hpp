// The typed records of CPU programs and workload definitions (kinds 24-36;
// docs/trace-format.md "Workload records"). Included by records.hpp only;
// its Contract holds here.
#pragma once

#include "sim/trace/record_value.hpp"

namespace xcallsim::trace {

// No payload: ProgramEnd (the CPU's program returned), CpuOffline (this CPU
// stays offline for the run), IrqDisable / IrqEnable (the program's
// local_irq_disable() / local_irq_enable()).
template <Kind K>
requires(K == Kind::ProgramEnd || K == Kind::CpuOffline || K == Kind::IrqDisable ||
         K == Kind::IrqEnable) struct Typed<K> {
  static constexpr Kind kind = K;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;

  constexpr Record to_record() const { return Record(time, kind, cpu, call, 0, 0, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call};
  }
};

// One value: Mark (a program's marker), SetTpr (the program wrote the TPR).
template <Kind K>
requires(K == Kind::Mark || K == Kind::SetTpr) struct Typed<K> {
  static constexpr Kind kind = K;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t value = 0;  // a

  constexpr Record to_record() const { return Record(time, kind, cpu, call, value, 0, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .value = r.a_};
  }
};

// cpu 0, time 0, once: the run options.
template <>
struct Typed<Kind::WorkloadInfo> {
  static constexpr Kind kind = Kind::WorkloadInfo;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  bool poll_idle = false;            // a bit 0 (SEM-11)
  bool csd_lock_wait_debug = false;  // a bit 1
  bool stop_when_stuck = false;      // a bit 2
  uint32_t private_slots = 0;        // b: private csd slots per CPU
  uint32_t relax_cycles = 0;         // c: cpu_relax cycles (saturated)
  uint32_t stuck_timeout_us = 0;     // d: csd lock stuck timeout (rounded, saturated)

  constexpr Record to_record() const {
    const uint32_t bits =
        (poll_idle ? 1u : 0u) | (csd_lock_wait_debug ? 2u : 0u) | (stop_when_stuck ? 4u : 0u);
    return Record(time, kind, cpu, call, bits, private_slots, relax_cycles, stuck_timeout_us);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .poll_idle = (r.a_ & 1u) != 0,
            .csd_lock_wait_debug = (r.a_ & 2u) != 0,
            .stop_when_stuck = (r.a_ & 4u) != 0,
            .private_slots = r.b_,
            .relax_cycles = r.c_,
            .stuck_timeout_us = r.d_};
  }
};

// cpu 0, time 0, one per function in id order: its cycles on the CPU that runs it.
template <>
struct Typed<Kind::FuncCost> {
  static constexpr Kind kind = Kind::FuncCost;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t func = 0;    // a: func id
  uint64_t cycles = 0;  // b, c

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, func, Record::lo32(cycles), Record::hi32(cycles), 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .func = r.a_,
            .cycles = Record::wide(r.b_, r.c_)};
  }
};

// cpu 0, time 0, ascending vector: a scenario vector's handler.
template <>
struct Typed<Kind::VectorDef> {
  static constexpr Kind kind = Kind::VectorDef;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t vector = 0;   // a: 32..255, not 0xfb/0xfc
  uint64_t cycles = 0;   // b, c: handler cycles
  bool irqs_on = false;  // d bit 0: the handler runs with IRQs on

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, vector, Record::lo32(cycles), Record::hi32(cycles),
                  irqs_on ? 1 : 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time,
            .cpu = r.cpu,
            .call = r.call,
            .vector = r.a_,
            .cycles = Record::wide(r.b_, r.c_),
            .irqs_on = (r.d_ & 1u) != 0};
  }
};

// The program's compute phase (random scenario computes resolved).
template <>
struct Typed<Kind::Compute> {
  static constexpr Kind kind = Kind::Compute;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint64_t cycles = 0;  // a, b

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, Record::lo32(cycles), Record::hi32(cycles), 0, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .cycles = Record::wide(r.a_, r.b_)};
  }
};

// The program halted until a deadline.
template <>
struct Typed<Kind::IdleUntil> {
  static constexpr Kind kind = Kind::IdleUntil;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint64_t until = 0;  // a, b: the deadline (cycles)

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, Record::lo32(until), Record::hi32(until), 0, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .until = Record::wide(r.a_, r.b_)};
  }
};

// The program sent a fixed IPI (a scenario vector, not an xcall).
template <>
struct Typed<Kind::RawIpi> {
  static constexpr Kind kind = Kind::RawIpi;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t target = 0;  // a: target cpu
  uint32_t vector = 0;  // b

  constexpr Record to_record() const { return Record(time, kind, cpu, call, target, vector, 0, 0); }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .target = r.a_, .vector = r.b_};
  }
};

// The program asked whether its private csd slot is locked (after the query).
template <>
struct Typed<Kind::PrivateBusy> {
  static constexpr Kind kind = Kind::PrivateBusy;
  uint64_t time = 0;
  uint16_t cpu = 0;
  uint32_t call = 0;
  uint32_t slot = 0;  // a: csd slot
  bool busy = false;  // b: the answer

  constexpr Record to_record() const {
    return Record(time, kind, cpu, call, slot, busy ? 1 : 0, 0, 0);
  }
  static constexpr Typed from(const Record& r) {
    return {.time = r.time, .cpu = r.cpu, .call = r.call, .slot = r.a_, .busy = r.b_ != 0};
  }
};

using ProgramEnd = Typed<Kind::ProgramEnd>;
using CpuOffline = Typed<Kind::CpuOffline>;
using IrqDisable = Typed<Kind::IrqDisable>;
using IrqEnable = Typed<Kind::IrqEnable>;
using Mark = Typed<Kind::Mark>;
using SetTpr = Typed<Kind::SetTpr>;
using WorkloadInfo = Typed<Kind::WorkloadInfo>;
using FuncCost = Typed<Kind::FuncCost>;
using VectorDef = Typed<Kind::VectorDef>;
using Compute = Typed<Kind::Compute>;
using IdleUntil = Typed<Kind::IdleUntil>;
using RawIpi = Typed<Kind::RawIpi>;
using PrivateBusy = Typed<Kind::PrivateBusy>;

}  // namespace xcallsim::trace
