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
  Nothing = 7,      // nothing to send (empty mask, single online CPU)
  PvHypercall = 8,  // KVM_HC_SEND_IPI: one hypercall per bitmap window (a KVM guest)
};

struct SendPolicy {
  ApicMode mode = ApicMode::XApic;
  DestMode dest_mode = DestMode::Physical;
  bool use_shorthand = true;  // the apic_use_ipi_shorthand static key (SEM-37)
  // A KVM guest that found KVM_FEATURE_PV_SEND_IPI: kvm_setup_pv_ipi()
  // replaces apic->send_IPI_mask (and _allbutself) with the hypercall; the
  // shorthands and x2APIC/physflat's own send_IPI stay native.
  bool pv_send_ipi = false;
  int pv_bitmap_bits = 128;  // KVM_IPI_CLUSTER_SIZE = 2 * BITS_PER_LONG
};

struct IcrWrite {
  uint32_t lo = 0;             // ICR low dword (xAPIC: the write that sends) / low half of the MSR
  uint32_t hi = 0;             // xAPIC: ICR2 = dest << 24; x2APIC: the destination (high half)
  bool wait_icr_idle = false;  // xAPIC: wait for delivery status idle first (SEM-40/41)
  // Not an ICR write but the KVM_HC_SEND_IPI hypercall that replaces them:
  // lo = the ICR value (fixed | vector), hi = the lowest APIC id, and bit i
  // of `bitmap` (bitmap[0] bits 0-63, bitmap[1] 64-127) names APIC id hi + i.
  bool hypercall = false;
  uint64_t bitmap[2] = {0, 0};
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

// A 128-bit bitmap as two words: set bit `i`, shift left by `n` (< 128).
constexpr void set_bit128(uint64_t (&b)[2], uint32_t i) {
  b[i / 64] |= uint64_t{1} << (i % 64);
}
constexpr void shift_left128(uint64_t (&b)[2], uint32_t n) {
  if (n >= 64) {
    b[1] = b[0] << (n - 64);
    b[0] = 0;
  } else if (n > 0) {
    b[1] = (b[1] << n) | (b[0] >> (64 - n));
    b[0] <<= n;
  }
}

// The guest's kvm_send_ipi_mask (arch/x86/kernel/kvm.c __send_ipi_mask): walk
// the mask in CPU order gathering APIC ids into a window of `bits` ids from
// the lowest seen; an id that does not fit (even by moving the base down)
// sends the window as one hypercall and starts the next.
template <int N, class Ids, class Sink>
constexpr int send_pv_mask(const SendPolicy& p, const cpumask<N>& mask, uint8_t vector,
                           const Ids& ids, Sink&& write) {
  const auto bits = static_cast<uint32_t>(p.pv_bitmap_bits);
  const uint32_t icr = prepare_icr(0, vector, APIC_DEST_PHYSICAL);
  IcrWrite window{icr, 0, false, true, {0, 0}};
  uint32_t top = 0;
  bool open = false;
  int hypercalls = 0;
  mask.for_each([&](int cpu) {
    const uint32_t id = ids.apic_id(cpu);
    if (!open) {
      window.hi = top = id;
      open = true;
    } else if (id < window.hi && top - id < bits) {
      shift_left128(window.bitmap, window.hi - id);
      window.hi = id;
    } else if (id > window.hi && id < window.hi + bits) {
      top = id > top ? id : top;
    } else {
      write(window);
      ++hypercalls;
      window = IcrWrite{icr, id, false, true, {0, 0}};
      top = id;
    }
    set_bit128(window.bitmap, id - window.hi);
  });
  if (open) {
    write(window);
    ++hypercalls;
  }
  return hypercalls;
}

}  // namespace detail

// apic->send_IPI_mask(mask, vector): self included if in the mask.
template <int N, class Ids, class Sink>
constexpr SendHow send_ipi_mask(const SendPolicy& p, const cpumask<N>& mask, uint8_t vector,
                                const Ids& ids, Sink&& write) {
  if (mask.empty()) return SendHow::Nothing;
  if (p.pv_send_ipi) {
    detail::send_pv_mask(p, mask, vector, ids, write);
    return SendHow::PvHypercall;
  }
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
// Every native driver sends to one CPU as to a one-CPU mask; under PV
// send-IPI only the xAPIC flat driver's send_IPI (default_send_IPI_single,
// which calls apic->send_IPI_mask) becomes a hypercall: x2APIC and physflat
// keep their direct ICR write.
template <int N, class Ids, class Sink>
constexpr SendHow send_ipi_single(const SendPolicy& p, int cpu, uint8_t vector, const Ids& ids,
                                  Sink&& write) {
  if (p.pv_send_ipi && p.dest_mode != DestMode::LogicalFlat) {
    SendPolicy native = p;
    native.pv_send_ipi = false;
    return send_ipi_mask(native, cpumask<N>::of(cpu), vector, ids, write);
  }
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
