// Core, virtualization: a KVM guest's exits and wake-ups (MachineConfig::virt;
// docs/architecture.md "Virtualized machines"). The APIC model still decides
// who gets which interrupt; this file decides what leaving the guest costs:
// - sender: an ICR write runs natively when the hardware virtualizes it
//   (IPIv: fixed physical unicast, SDM vol. 3C "IPI virtualization"; AVIC:
//   every target running, AMD APM vol. 2 §15.29; a passed-through APIC),
//   else it exits and KVM delivers one target after another; PV send-IPI is
//   one hypercall exit per bitmap window;
// - receiver: without posted interrupts an IPI to a running vCPU forces an
//   external-interrupt exit, injected at re-entry; without virtual-interrupt
//   delivery the EOI write exits; a vCPU halted in KVM must be woken (cheaper
//   inside the halt-polling window) and takes the interrupt at VM entry.
#include <algorithm>
#include <limits>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

namespace x86 = xcall::x86;

namespace {

constexpr std::uint32_t kShorthandBits = 0xC0000;
constexpr std::uint32_t kDeliveryModeBits = 0x700;

std::uint32_t saturate(Cycles v) {
  return static_cast<std::uint32_t>(std::min<Cycles>(v, std::numeric_limits<std::uint32_t>::max()));
}

// Fixed, physical destination, no shorthand, not the broadcast id: the
// writes IPIv virtualizes and KVM's x2APIC fastpath takes.
bool physical_unicast(machine::ApicMode mode, const x86::IcrWrite& w) {
  if ((w.lo & (kShorthandBits | x86::APIC_DEST_LOGICAL | kDeliveryModeBits)) != 0) return false;
  return mode == machine::ApicMode::X2Apic ? w.hi != 0xFFFFFFFFu : (w.hi >> 24) != 0xFF;
}

}  // namespace

// AVIC's IsRunning: a vCPU halted in KVM stops counting as running when it
// blocks: after the halt-polling window (KVM 5.16+), or as it halts (before:
// avic_running_while_polling = false).
bool Core::vcpu_running(int cpu, Cycles now) const {
  const CpuState& c = cpus_[static_cast<std::size_t>(cpu)];
  const machine::VirtConfig& v = *config_.virt;
  if (c.halted_since == engine::kForever || now < c.halted_since) return true;
  return v.avic_running_while_polling && v.halt_poll > 0 && now - c.halted_since <= v.halt_poll;
}

void Core::vm_exit(CpuState& c, trace::VmExitReason reason, Cycles cycles, std::uint32_t targets) {
  emit(
      c,
      trace::VmExit{
          .call = current_call(c), .reason = reason, .cycles = saturate(cycles), .targets = targets}
          .to_record());
  if (reason == trace::VmExitReason::Hlt) return;
  ++c.counters.vm_exits;
  c.counters.vm_exit_cycles += cycles;
}

// One ICR write (or PV hypercall) of the running vCPU, its store buffer
// drained: performs it and advances the vCPU's clock by what it costs.
void Core::send_virtualized(CpuState& c, const x86::IcrWrite& w) {
  const machine::VirtConfig& v = *config_.virt;
  const machine::VirtCosts& k = v.costs;
  if (w.hypercall) {  // KVM_HC_SEND_IPI: KVM sets the IRR of each id in the window in turn
    std::vector<std::uint32_t> ids;
    for (std::uint32_t i = 0; i < 128; ++i)
      if ((w.bitmap[i / 64] >> (i % 64)) & 1U) ids.push_back(w.hi + i);
    const Cycles cost = k.hypercall_exit + (ids.empty() ? 0 : (ids.size() - 1) * k.per_target);
    vm_exit(c, trace::VmExitReason::Hypercall, cost, static_cast<std::uint32_t>(ids.size()));
    // KVM's kvm_pv_send_ipi: the hypercall's ICR value (vector and delivery
    // mode) to each id, one after another, from icr_exit_write_at on.
    const Cycles at = std::min(k.icr_exit_write_at, k.hypercall_exit);
    hypervisor_writes_ = true;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::uint32_t hi = policy_.mode == x86::ApicMode::XApic ? ids[i] << 24 : ids[i];
      apic_.write_icr(c.id, c.now, w.lo, hi, 0, at + static_cast<Cycles>(i) * k.per_target);
    }
    hypervisor_writes_ = false;
    c.hypervisor_writes += ids.size();
    c.now += cost;
    return;
  }
  if (v.icr_passthrough) {  // the guest's own APIC: a bare-metal write
    c.now += apic_.write_icr(c.id, c.now, w.lo, w.hi).cost;
    return;
  }
  const machine::ApicMode mode = topology_.apic_mode();
  const bool unicast = physical_unicast(mode, w);
  // Who the write reaches: AVIC's condition, and KVM's work if it exits.
  const std::vector<int> targets =
      v.ipiv && unicast ? std::vector<int>{} : apic_.destinations(c.id, w.lo, w.hi);
  const bool all_running =
      std::all_of(targets.begin(), targets.end(), [&](int t) { return vcpu_running(t, c.now); });
  if ((v.ipiv && unicast) || (v.avic && all_running)) {  // virtualized by the CPU: no exit
    apic_.write_icr(c.id, c.now, w.lo, w.hi);
    c.now += k.accelerated_icr_write;
    return;
  }
  trace::VmExitReason reason = trace::VmExitReason::IcrWrite;
  Cycles exit = k.icr_exit;
  if (v.avic) {
    reason = trace::VmExitReason::AvicIncompleteIpi;
    exit = k.avic_incomplete_exit;
  } else if (v.x2apic_fastpath && unicast && mode == machine::ApicMode::X2Apic) {
    reason = trace::VmExitReason::IcrFastpath;
    exit = k.icr_fastpath_exit;
  }
  const std::size_t n = targets.size();
  const Cycles cost = apic_.costs().icr_write + exit + (n == 0 ? 0 : (n - 1) * k.per_target);
  vm_exit(c, reason, cost, static_cast<std::uint32_t>(n));
  const Cycles start = c.now;
  c.now += std::min(k.icr_exit_write_at, exit);
  sync(c);  // KVM's write happens now: its IcrWrite record stays in time order
  apic_.write_icr(c.id, c.now, w.lo, w.hi, k.per_target);
  c.now = start + cost;
}

// HLT: the vCPU leaves the guest until an interrupt (KVM's kvm_vcpu_halt).
void Core::begin_halt(CpuState& c) {
  if (!config_.virt || config_.virt->halt != machine::HaltMode::Exit) return;
  c.halted_since = c.now;
  vm_exit(c, trace::VmExitReason::Hlt, 0, 0);
}

// The halted vCPU runs again. Woken for an interrupt, it is back when that
// wake-up completes (a deadline that came first does not cut it short);
// woken by its own deadline (a host timer), it pays a wake-up too.
void Core::end_halt(CpuState& c) {
  if (c.halted_since != engine::kForever) {
    if (c.wake_done != engine::kForever)
      c.now = std::max(c.now, c.wake_done);
    else
      c.now = vcpu_wake_at(c, c.now);
    // An interrupt pending at VM entry is injected then: no exit of its own.
    c.injected_at_entry = !c.irqs_off && apic_.highest_deliverable(c.id) >= 0;
  }
  c.halted_since = engine::kForever;
  c.wake_done = engine::kForever;
}

// An interrupt reached a vCPU halted in KVM at t: when it runs again. Inside
// the halt-polling window KVM is still spinning and only re-enters.
Cycles Core::vcpu_wake_at(CpuState& c, Cycles t) {
  const machine::VirtConfig& v = *config_.virt;
  const bool polled = t >= c.halted_since && t - c.halted_since <= v.halt_poll && v.halt_poll > 0;
  const Cycles delay = polled ? v.costs.poll_wakeup : v.costs.wakeup;
  c.wake_done = t + delay;
  ++c.counters.vcpu_wakes;
  c.counters.vcpu_wake_cycles += delay;
  emit_at(c.id, t,
          trace::VcpuWake{.call = current_call(c), .cycles = saturate(delay), .polled = polled}
              .to_record());
  return t + delay;
}

// Interrupt entry on a vCPU: the external-interrupt exit without posted
// interrupts, unless the interrupt was injected at the VM entry of a wake-up.
void Core::receiver_exit(CpuState& c) {
  if (!config_.virt) return;
  const bool injected = c.injected_at_entry;
  c.injected_at_entry = false;
  if (config_.virt->posted_interrupts() || injected) return;
  const Cycles cost = config_.virt->costs.receiver_exit;
  vm_exit(c, trace::VmExitReason::ExternalInterrupt, cost, 0);
  c.now += cost;
}

void Core::eoi_exit(CpuState& c) {
  if (!config_.virt || config_.virt->virtual_eoi()) return;
  const Cycles cost = config_.virt->costs.eoi_exit;
  vm_exit(c, trace::VmExitReason::Eoi, cost, 0);
  c.now += cost;
}

}  // namespace xcallsim::smp::detail
