// Linux's x86 IPI sending policy as pure functions: which ICR writes carry a
// call-function IPI to a CPU or a mask (SEMANTICS 35-45).
//
// Contract: freestanding (no C++ library headers), no side effects: each
// function calls `write(IcrWrite)` once per ICR write, in the order Linux
// issues them, and returns how the IPI left. The caller performs the writes
// (simulator: InterruptController::write_icr; guest: the real ICR/MSR) and,
// for xAPIC writes marked wait_icr_idle, first spins until the delivery-status
// bit is clear (Linux waits BEFORE each write, SEM-41). `Ids` answers
// per-CPU addressing: `uint32_t apic_id(int cpu)` and `uint32_t
// logical_id(int cpu)` (xAPIC flat: 8-bit bitmap; xAPIC cluster:
// cluster << 4 | bit; x2APIC: the derived LDR, SDM 10.12.10).
#pragma once

#include <stdint.h>

#include "xcall/cpumask.hpp"

namespace xcallsim::xcall::x86 {

// arch/x86/include/asm/irq_vectors.h (SEM-32).
inline constexpr uint8_t NMI_VECTOR = 0x02;
inline constexpr uint8_t CALL_FUNCTION_SINGLE_VECTOR = 0xfb;
inline constexpr uint8_t CALL_FUNCTION_VECTOR = 0xfc;
inline constexpr uint8_t RESCHEDULE_VECTOR = 0xfd;

// arch/x86/include/asm/apicdef.h (SEM-42).
inline constexpr uint32_t APIC_DEST_SELF = 0x40000;
inline constexpr uint32_t APIC_DEST_ALLINC = 0x80000;
inline constexpr uint32_t APIC_DEST_ALLBUT = 0xC0000;
inline constexpr uint32_t APIC_DEST_LOGICAL = 0x00800;
inline constexpr uint32_t APIC_DEST_PHYSICAL = 0;
inline constexpr uint32_t APIC_DM_FIXED = 0;
inline constexpr uint32_t APIC_DM_NMI = 0x400;
inline constexpr uint32_t APIC_ICR_BUSY = 0x01000;

enum class ApicMode : uint8_t { XApic, X2Apic };
enum class DestMode : uint8_t { Physical, LogicalFlat, LogicalCluster };

// How an IPI left the sender. Trace records store these values
// (trace::SendHow is this enum): wire format, never renumber.
enum class SendHow : uint8_t {
  Unicast = 1,
  ShorthandAllButSelf = 2,
  ShorthandAll = 3,
  ClusterMulticast = 4,
  PerCpuLoop = 5,
  LogicalFlat = 6,
  Nothing = 7,  // nothing to send (empty mask, single online CPU)
};

struct SendPolicy {
  ApicMode mode = ApicMode::XApic;
  DestMode dest_mode = DestMode::Physical;
  bool use_shorthand = true;  // the apic_use_ipi_shorthand static key (SEM-37)
};

struct IcrWrite {
  uint32_t lo = 0;             // ICR low dword (xAPIC: the write that sends) / low half of the MSR
  uint32_t hi = 0;             // xAPIC: ICR2 = dest << 24; x2APIC: the destination (high half)
  bool wait_icr_idle = false;  // xAPIC: wait for delivery status idle first (SEM-40/41)
};

// __prepare_ICR(shortcut, vector, dest_mode) (SEM-39).
constexpr uint32_t prepare_icr(uint32_t shortcut, uint8_t vector, uint32_t dest_mode) {
  return shortcut | dest_mode | (vector == NMI_VECTOR ? APIC_DM_NMI : APIC_DM_FIXED | vector);
}

// One destination-field write: __default_send_IPI_dest_field (xAPIC) or
// __x2apic_send_IPI_dest (x2APIC).
constexpr IcrWrite dest_write(ApicMode mode, uint32_t dest, uint8_t vector, uint32_t dest_mode) {
  if (mode == ApicMode::XApic) return {prepare_icr(0, vector, dest_mode), dest << 24, true};
  return {prepare_icr(0, vector, dest_mode), dest, false};
}

// A shorthand write: __default_send_IPI_shortcut / __x2apic_send_IPI_shorthand.
constexpr IcrWrite shorthand_write(ApicMode mode, uint32_t shortcut, uint8_t vector) {
  return {prepare_icr(shortcut, vector, APIC_DEST_PHYSICAL), 0, mode == ApicMode::XApic};
}

namespace detail {

// The cluster a logical id belongs to (x2APIC: LDR[31:16]; xAPIC: MDA[7:4]).
constexpr uint32_t cluster_of(ApicMode mode, uint32_t logical_id) {
  return mode == ApicMode::X2Apic ? logical_id >> 16 : logical_id >> 4;
}

// x2apic_cluster's __x2apic_send_IPI_mask: one logical write per cluster,
// bit-ORing the logical ids of the mask's CPUs in it (SEM-45), clusters in
// the order of their lowest CPU.
template <int N, class Ids, class Sink>
constexpr int send_per_cluster(ApicMode mode, cpumask<N> todo, uint8_t vector, const Ids& ids,
                               Sink&& write) {
  int writes = 0;
  for (int cpu = todo.first(); cpu >= 0; cpu = todo.first()) {
    const uint32_t cluster = cluster_of(mode, ids.logical_id(cpu));
    uint32_t dest = 0;
    for (int other = cpu; other >= 0; other = todo.next(other)) {
      const uint32_t id = ids.logical_id(other);
      if (cluster_of(mode, id) != cluster) continue;
      dest |= id;
      todo.clear(other);
    }
    write(dest_write(mode, dest, vector, APIC_DEST_LOGICAL));
    ++writes;
  }
  return writes;
}

}  // namespace detail

// apic->send_IPI_mask(mask, vector): self included if in the mask.
template <int N, class Ids, class Sink>
constexpr SendHow send_ipi_mask(const SendPolicy& p, const cpumask<N>& mask, uint8_t vector,
                                const Ids& ids, Sink&& write) {
  if (mask.empty()) return SendHow::Nothing;
  switch (p.dest_mode) {
    case DestMode::Physical:
      // default_send_IPI_mask_sequence_phys / x2apic_phys: one write per CPU (SEM-41/44).
      mask.for_each([&](int cpu) {
        write(dest_write(p.mode, ids.apic_id(cpu), vector, APIC_DEST_PHYSICAL));
      });
      return mask.weight() == 1 ? SendHow::Unicast : SendHow::PerCpuLoop;
    case DestMode::LogicalFlat: {
      // default_send_IPI_mask_logical: one write, the 8-bit bitmap (SEM-41).
      uint32_t dest = 0;
      mask.for_each([&](int cpu) { dest |= ids.logical_id(cpu); });
      write(dest_write(p.mode, dest & 0xFF, vector, APIC_DEST_LOGICAL));
      return mask.weight() == 1 ? SendHow::Unicast : SendHow::LogicalFlat;
    }
    case DestMode::LogicalCluster: {
      const int writes = detail::send_per_cluster(p.mode, mask, vector, ids, write);
      return mask.weight() == 1 && writes == 1 ? SendHow::Unicast : SendHow::ClusterMulticast;
    }
  }
  return SendHow::Nothing;
}

// apic->send_IPI(cpu, vector): native_send_call_func_single_ipi (SEM-35).
template <int N, class Ids, class Sink>
constexpr SendHow send_ipi_single(const SendPolicy& p, int cpu, uint8_t vector, const Ids& ids,
                                  Sink&& write) {
  return send_ipi_mask(p, cpumask<N>::of(cpu), vector, ids, write);
}

// native_send_call_func_ipi(mask) (SEM-36): the ALL/ALL-BUT-SELF shorthand
// when shorthands are on and mask | self == online, else send_IPI_mask.
template <int N, class Ids, class Sink>
constexpr SendHow send_call_func_ipi(const SendPolicy& p, int self, const cpumask<N>& mask,
                                     const cpumask<N>& online, const Ids& ids, Sink&& write) {
  if (p.use_shorthand && (mask | cpumask<N>::of(self)) == online) {
    if (mask.test(self)) {
      write(shorthand_write(p.mode, APIC_DEST_ALLINC, CALL_FUNCTION_VECTOR));
      return SendHow::ShorthandAll;
    }
    if (online.weight() > 1) {  // apic_send_IPI_allbutself: nothing to do alone (SEM-38)
      write(shorthand_write(p.mode, APIC_DEST_ALLBUT, CALL_FUNCTION_VECTOR));
      return SendHow::ShorthandAllButSelf;
    }
    return SendHow::Nothing;
  }
  return send_ipi_mask(p, mask, CALL_FUNCTION_VECTOR, ids, write);
}

}  // namespace xcallsim::xcall::x86
