// Contract: InterruptController models the local APICs of every CPU of one
// machine plus the messages in flight between them (SEMANTICS 46-56). It knows
// nothing about fibers, engines or QEMU: a host (the simulator, the QEMU device
// model) calls it with "CPU c did X at time t" and learns what happened from
// return values and from the listener.
// - Time is the host's cycle count. Calls need not be time-monotonic; an
//   arrival is applied by the first advance_to(t) with t >= its arrival time.
// - Ordering: in-flight messages are applied in (arrival time, sequence
//   number) order; sequence numbers are assigned in call order and, within one
//   ICR write, in ascending target CPU order. No hash order, no host pointers.
// - The Topology passed in must outlive the controller; costs are copied.
// - Not thread-safe: one host thread drives it. The listener runs
//   synchronously inside the call that caused the event; it may call const
//   members only (mutating calls throw std::logic_error) and must not throw.
// - CPU arguments out of [0, cpu_count()) throw std::out_of_range; any ICR
//   bit pattern is accepted (guest input), invalid ones are reported.
// - The controller reports receiver costs (costs().entry/exit/eoi) but never
//   charges them: the host does, as it does for SendResult::cost.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "sim/apic/icr.hpp"
#include "sim/apic/in_flight.hpp"
#include "sim/apic/vector_set.hpp"
#include "sim/machine/machine.hpp"

namespace xcallsim::apic {

using Time = machine::Cycles;

// ESR bits this model can set (SDM 10.5.3).
inline constexpr std::uint32_t kEsrRedirectableIpi = 0x10;
inline constexpr std::uint32_t kEsrSendIllegalVector = 0x20;
inline constexpr std::uint32_t kEsrReceiveIllegalVector = 0x40;

// xAPIC logical destination models (DFR[31:28]).
inline constexpr std::uint32_t kDfrFlat = 0xFFFFFFFF;
inline constexpr std::uint32_t kDfrCluster = 0x0FFFFFFF;

enum class SendStatus : std::uint8_t {
  Sent,                // accepted; messages (possibly zero) are in flight
  IllegalVector,       // fixed/lowest-priority with vector 0-15: ESR 0x20 (SEM-46)
  RedirectableIpi,     // lowest priority in x2APIC: reserved, ESR 0x10 (SEM-51)
  InvalidCombination,  // SDM Table 10-3 "invalid": e.g. NMI to self, lowest-priority broadcast
  ReservedMode,        // delivery mode 011 (remote read) or 111 (ExtINT)
  Unsupported,         // register absent in this mode (SELF IPI in xAPIC): hardware #GPs
};

struct SendResult {
  SendStatus status = SendStatus::Sent;
  Time cost = 0;            // cycles the sender pays (ApicCosts::icr_write)
  int messages = 0;         // messages put in flight
  Time last_arrival = 0;    // arrival of the last message; the write time if none
  bool while_busy = false;  // xAPIC: written while the delivery-status bit was set
};

enum class EventKind : std::uint8_t {
  IcrWrite,     // cpu wrote the ICR (or SELF IPI): icr_lo/hi, messages, status, while_busy
  MessageSent,  // one message cpu -> peer, `arrival` = when it reaches peer
  Accepted,     // fixed/lowest-priority message set IRR[vector] at cpu; peer = sender
  Coalesced,    // message absorbed: IRR[vector] was already set at cpu (SEM-48)
  Dispatched,   // acknowledge(): IRR[vector] -> ISR[vector] at cpu
  Eoi,          // ISR[vector] cleared at cpu; level = an EOI message goes out (TMR set)
  Error,        // esr_bits set at cpu and/or a write rejected with `status`
  Nmi,          // bypass messages accepted at cpu (SEM-48); Sipi: vector = start page
  Smi,
  Init,
  Sipi,
};

struct Event {
  EventKind kind = EventKind::IcrWrite;
  Time time = 0;  // when it happens (MessageSent: the write time)
  int cpu = -1;   // where it happens: the sender for IcrWrite/MessageSent, else the receiver
  int peer = -1;  // the other CPU: receiver for MessageSent, sender otherwise (-1: external)
  int vector = -1;
  DeliveryMode mode = DeliveryMode::Fixed;
  std::uint64_t seq = 0;  // message sequence number (MessageSent, Accepted, Coalesced, bypass)
  Time arrival = 0;       // MessageSent
  std::uint32_t icr_lo = 0, icr_hi = 0;  // IcrWrite
  int messages = 0;                      // IcrWrite
  SendStatus status = SendStatus::Sent;  // IcrWrite, Error
  std::uint32_t esr_bits = 0;            // Error
  bool while_busy = false;               // IcrWrite
  bool level = false;                    // Accepted (TMR set), Eoi (EOI message sent)
};
using Listener = std::function<void(const Event&)>;

struct Counters {
  // Sender side.
  std::uint64_t icr_writes = 0;  // every ICR / SELF IPI write, rejected ones included
  std::uint64_t messages_sent = 0;
  std::uint64_t writes_while_busy = 0;  // xAPIC: write while delivery status busy (SEM-41)
  std::uint64_t unroutable_writes = 0;  // accepted writes whose destination matched no CPU
  std::uint64_t send_errors = 0;        // rejected writes (see SendStatus)
  // Receiver side.
  std::uint64_t accepted = 0;   // fixed/lowest-priority arrivals that set an IRR bit
  std::uint64_t coalesced = 0;  // arrivals lost to IRR coalescing (SEM-48)
  std::uint64_t dispatched = 0;
  std::uint64_t eois = 0;
  std::uint64_t eoi_messages = 0;  // EOIs of level-triggered vectors (TMR set)
  std::uint64_t eoi_ignored = 0;   // EOI with an empty ISR
  std::uint64_t receive_errors = 0;
  std::uint64_t nmis = 0, smis = 0, inits = 0, sipis = 0;
};

class InterruptController {
 public:
  // Mode from topology.apic_mode(). Throws std::invalid_argument if an APIC id
  // cannot be addressed in that mode (xAPIC ids must be < 0xFF).
  InterruptController(const machine::Topology& topology, const machine::ApicCosts& costs);

  machine::ApicMode mode() const { return mode_; }
  int cpu_count() const { return static_cast<int>(cpus_.size()); }
  const machine::ApicCosts& costs() const { return costs_; }
  void set_listener(Listener listener) {
    check_not_notifying();  // replacing the running listener would destroy it mid-call
    listener_ = std::move(listener);
  }

  // --- Sender side -------------------------------------------------------
  // xAPIC: `hi` is ICR2 (dest in [31:24]); the low-dword write triggers the
  // send. x2APIC: the 64-bit MSR value split in halves, dest = hi.
  // `spacing`: message i (targets in ascending CPU order) leaves at
  // t + i x spacing, as when a hypervisor delivers one vCPU after another.
  // `delay`: every message leaves that much later (a hypervisor's delivery
  // inside an exit that began at t).
  SendResult write_icr(int cpu, Time t, std::uint32_t lo, std::uint32_t hi, Time spacing = 0,
                       Time delay = 0);
  // The CPUs a write would reach now, ascending (empty if it would be
  // rejected); no state changes, no events.
  std::vector<int> destinations(int cpu, std::uint32_t lo, std::uint32_t hi) const;
  // x2APIC SELF IPI MSR (SEM-55): fixed, edge, shorthand self.
  SendResult write_self_ipi(int cpu, Time t, std::uint8_t vector);
  // xAPIC delivery status: busy from a write until the last message of every
  // write so far has arrived (t < icr_idle_at). x2APIC: never busy (SEM-51).
  bool icr_busy(int cpu, Time t) const;
  Time icr_idle_at(int cpu) const;
  // A virtual APIC (a KVM guest's): every ICR write completes at once, the
  // delivery-status bit is never seen set (KVM clears it on emulation).
  void set_virtual_icr(bool on) { virtual_icr_ = on; }

  // A non-IPI interrupt (MSI, IOAPIC, LVT) reaching cpu's APIC at time t.
  // Vectors 0-15 set receive-illegal-vector (ESR 0x40); level sets TMR.
  void raise_external(int cpu, Time t, std::uint8_t vector, Trigger trigger = Trigger::Edge);

  // --- Messages in flight ------------------------------------------------
  std::optional<Time> next_arrival() const { return in_flight_.next_time(); }
  std::size_t in_flight() const { return in_flight_.size(); }
  void advance_to(Time t);  // applies every arrival <= t in (time, seq) order

  // --- Receiver side -----------------------------------------------------
  // Highest IRR vector whose class exceeds the PPR class, or -1 (SEM-47).
  // RFLAGS.IF is the host's business.
  int highest_deliverable(int cpu) const;
  int acknowledge(int cpu, Time t);  // INTA: IRR -> ISR for that vector; returns it or -1
  // INTA of a vector the CPU chose earlier (a paravirtual dispatch from a
  // published view): IRR -> ISR if `vector` is pending and its class exceeds
  // the PPR class, even if a higher one arrived since; false (nothing
  // changes) otherwise.
  bool acknowledge_vector(int cpu, Time t, std::uint8_t vector);
  void write_eoi(int cpu, Time t);  // clears the highest ISR bit (SEM-49)
  void write_tpr(int cpu, std::uint8_t tpr);
  std::uint8_t tpr(int cpu) const { return state(cpu).tpr; }
  std::uint8_t ppr(int cpu) const;
  // Bypass deliveries (SEM-48): pending latches, taken (and cleared) by the host.
  bool take_nmi(int cpu);
  bool take_smi(int cpu);
  bool take_init(int cpu);
  std::optional<std::uint8_t> take_sipi(int cpu);  // the latest start-up vector

  // ESR: errors accumulate internally; write_esr() latches them into the
  // readable value and clears the accumulator (SDM 10.5.3).
  std::uint32_t read_esr(int cpu) const { return state(cpu).esr_read; }
  void write_esr(int cpu);

  // xAPIC logical destination registers; return false (hardware: #GP) in
  // x2APIC, where LDR is derived and read-only and DFR does not exist.
  bool write_ldr(int cpu, std::uint32_t value);
  bool write_dfr(int cpu, std::uint32_t value);
  std::uint32_t ldr(int cpu) const;
  std::uint32_t dfr(int cpu) const;  // x2APIC: 0

  const VectorSet& irr(int cpu) const { return state(cpu).irr; }
  const VectorSet& isr(int cpu) const { return state(cpu).isr; }
  const VectorSet& tmr(int cpu) const { return state(cpu).tmr; }
  const Counters& counters(int cpu) const { return state(cpu).counters; }
  // Arrivals of `vector` at cpu absorbed by IRR coalescing.
  std::uint64_t coalesced(int cpu, std::uint8_t vector) const;

 private:
  struct CpuState {
    VectorSet irr, isr, tmr;
    std::uint8_t tpr = 0;
    std::uint32_t ldr = 0;  // xAPIC only
    std::uint32_t dfr = kDfrFlat;
    std::uint32_t esr_pending = 0, esr_read = 0;
    Time idle_at = 0;  // xAPIC delivery status clears at this time
    bool nmi = false, smi = false, init = false;
    std::optional<std::uint8_t> sipi;
    Counters counters;
  };
  struct ClusterMembers {  // x2APIC logical cluster: CPU by bitmap bit, -1 none
    std::uint32_t cluster = 0;
    std::array<int, 16> cpu_by_bit{};
  };

  // Inline: every public call goes through one of these.
  void check_cpu(int cpu) const {
    if (static_cast<std::size_t>(cpu) >= cpus_.size()) [[unlikely]]
      throw_bad_cpu(cpu);
  }
  const CpuState& state(int cpu) const {
    check_cpu(cpu);
    return cpus_[static_cast<std::size_t>(cpu)];
  }
  CpuState& mutable_state(int cpu) {
    check_not_notifying();
    check_cpu(cpu);
    return cpus_[static_cast<std::size_t>(cpu)];
  }
  void dispatch(int cpu, std::uint8_t vector, Time t);  // IRR -> ISR, counted and emitted
  void check_not_notifying() const {
    if (notifying_) [[unlikely]]
      throw_notifying();
  }
  [[noreturn]] void throw_bad_cpu(int cpu) const;
  [[noreturn]] static void throw_notifying();
  SendResult send(int cpu, Time t, const Icr& icr, IcrWords raw, Time spacing = 0, Time delay = 0);
  SendStatus validate(const Icr& icr) const;
  void resolve_targets(int sender, const Icr& icr, std::vector<int>& targets) const;
  void add_all_cpus(int except, std::vector<int>& targets) const;
  void add_x2apic_cluster(std::uint32_t dest, std::vector<int>& targets) const;
  bool xapic_logical_match(int cpu, std::uint8_t mda) const;
  void keep_lowest_priority(std::vector<int>& targets) const;
  void apply(Time t, const detail::Message& m);
  void record_error(int cpu, Time t, std::uint32_t esr_bits, SendStatus status);
  void emit(const Event& e);
  bool listening() const { return static_cast<bool>(listener_); }

  const machine::Topology& topology_;
  machine::ApicCosts costs_;
  machine::ApicMode mode_;
  std::vector<CpuState> cpus_;
  std::vector<std::array<std::uint64_t, 256>> coalesced_by_vector_;  // cold: apart from CpuState
  std::vector<ClusterMembers> clusters_;                             // sorted by cluster (x2APIC)
  detail::InFlightQueue in_flight_;
  std::vector<int> targets_;  // scratch for resolve_targets, reused across writes
  std::uint64_t next_seq_ = 0;
  Listener listener_;
  bool notifying_ = false;
  bool virtual_icr_ = false;
};

}  // namespace xcallsim::apic
