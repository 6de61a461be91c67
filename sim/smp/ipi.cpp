// Core, IPIs: idle-poll elision (SEM-11), the x86 sending policy
// (xcall/platform/x86_send_policy.hpp, SEM-35..45) fed into the APIC model,
// and the APIC's events (deliveries wake CPUs, records).
#include <algorithm>
#include <limits>

#include "sim/smp/core.hpp"
#include "sim/trace/xcall_map.hpp"  // send_how_of

namespace xcallsim::smp::detail {

namespace x86 = xcall::x86;

namespace {

// Thread-info flags of a CPU's idle task (arch/x86 thread_info.h bit values
// do not matter here, only that they are distinct).
constexpr std::uint32_t kTifNeedResched = 1u << 3;
constexpr std::uint32_t kTifPollingNrflag = 1u << 21;

struct PolicyIds {
  const Core* core;
  std::uint32_t apic_id(int cpu) const { return core->topology().apic_id(cpu); }
  std::uint32_t logical_id(int cpu) const { return core->logical_id(cpu); }
};

std::uint32_t saturate(Cycles v) {
  return static_cast<std::uint32_t>(std::min<Cycles>(v, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

std::uint32_t Core::logical_id(int cpu) const {
  if (topology_.apic_mode() == machine::ApicMode::X2Apic) return topology_.x2apic_logical_id(cpu);
  if (config_.apic.dest_mode == machine::IpiDestMode::LogicalCluster)
    return static_cast<std::uint32_t>(((cpu / 4) << 4) | (1 << (cpu % 4)));  // 4 CPUs per cluster
  return cpu < 8 ? 1u << cpu : 0u;  // flat: Linux's default_init_apic_ldr()
}

// set_nr_if_polling(rq->idle) (SEM-11): read the idle task's flags; if it
// polls, set NEED_RESCHED with a cmpxchg instead of sending the IPI.
bool Core::prep_single_ipi(int target) {
  if (!options_.poll_idle) return true;
  Word32& flags = idle_flags(target);
  std::uint32_t seen = platform_.load_relaxed(flags);
  for (;;) {
    if ((seen & kTifPollingNrflag) == 0) return true;
    if ((seen & kTifNeedResched) != 0) break;
    if (platform_.cmpxchg(flags, seen, seen | kTifNeedResched)) break;
  }
  ++running().counters.ipis_elided;
  return false;
}

// The polling idle loop (do_idle with TIF_POLLING_NRFLAG): sleep on the
// flags line until NEED_RESCHED, then clear and flush (SEM-22). Setting and
// clearing the flag are locked bit operations in Linux (set_bit/clear_bit:
// lock bts/btr), so each drains the store buffer and is visible at once.
void Core::poll_idle_once(CpuState& c) {
  Word32& flags = idle_flags(c.id);
  platform_.fetch_or(flags, kTifPollingNrflag);
  while ((platform_.load_relaxed(flags) & kTifNeedResched) == 0)
    park_on_line(c, line_of(&flags), std::nullopt);
  platform_.xchg(flags, 0u);
  xcall_->flush_smp_call_function_queue();
}

void Core::send_single_ipi(int target, std::uint8_t vector) {
  CpuState& c = running();
  boundary(c);  // the send runs with IRQs saved/disabled: one interrupt point before it
  std::vector<x86::IcrWrite> writes;
  const auto how =
      x86::send_ipi_single<kMaxCpus>(policy_, target, vector, PolicyIds{this},
                                     [&](const x86::IcrWrite& w) { writes.push_back(w); });
  perform_writes(c, vector, trace::IpiSend{.target = static_cast<std::uint32_t>(target)}, how,
                 writes);
}

void Core::send_mask_ipi(const Mask& mask) {
  CpuState& c = running();
  boundary(c);
  std::vector<x86::IcrWrite> writes;
  const auto how = x86::send_call_func_ipi(policy_, c.id, mask, online_, PolicyIds{this},
                                           [&](const x86::IcrWrite& w) { writes.push_back(w); });
  const std::uint32_t id = recorder_.mask_id(mask.words(), static_cast<std::size_t>(cpu_count()));
  perform_writes(c, x86::CALL_FUNCTION_VECTOR, trace::IpiSend{.target = id, .target_is_mask = true},
                 how, writes);
}

// xAPIC: wait for the delivery-status bit to clear BEFORE each write (SEM-41),
// charging the spin; x2APIC: no busy bit (SEM-43).
void Core::perform_writes(CpuState& c, std::uint8_t vector, trace::IpiSend send, x86::SendHow how,
                          const std::vector<x86::IcrWrite>& writes) {
  send.call = current_call(c);
  send.vector = vector;
  send.how = trace::send_how_of(how);
  send.icr_writes = static_cast<std::uint32_t>(writes.size());
  emit(c, send.to_record());
  ++c.counters.ipis_sent;
  for (const x86::IcrWrite& w : writes) {
    // The IPI must not overtake the sender's older stores (the queued csd):
    // x2APIC's WRMSR is not serializing, so Linux puts weak_wrmsr_fence()
    // (MFENCE; LFENCE) before it (SDM vol. 3A §10.12.3); the xAPIC ICR is
    // strong-uncacheable MMIO, which the processor does not reorder with
    // older stores (§8.2.5, §11.3; docs/apic-model.md has the 2023+ numbers).
    // Either way the write waits
    // for the store buffer to drain; the fence's own cost is inside the
    // measured send cost (icr_write).
    drain(c);
    sync(c);
    // A virtual APIC never shows the delivery-status bit busy (KVM clears
    // it on emulation; APICv/AVIC complete the write at once).
    if (config_.virt) {
      send_virtualized(c, w);
      continue;
    }
    if (w.wait_icr_idle) {
      const Cycles idle = apic_.icr_idle_at(c.id);
      if (idle > c.now) {
        emit(c, trace::IcrBusyWait{.call = current_call(c), .cycles = saturate(idle - c.now)}
                    .to_record());
        c.counters.icr_busy_cycles += idle - c.now;
        c.now = idle;
        sync(c);
      }
    }
    c.now += apic_.write_icr(c.id, c.now, w.lo, w.hi).cost;
  }
}

void Core::on_apic_event(const apic::Event& e) {
  using apic::EventKind;
  switch (e.kind) {
    case EventKind::IcrWrite:
      if (hypervisor_writes_) break;  // a PV hypercall's deliveries: its VmExit record says it
      emit_at(e.cpu, e.time,
              trace::IcrWrite{.call = current_call(cpu(e.cpu)),
                              .icr_lo = e.icr_lo,
                              .icr_hi = e.icr_hi,
                              .messages = static_cast<std::uint32_t>(e.messages),
                              .while_busy = e.while_busy}
                  .to_record());
      break;
    case EventKind::MessageSent:
      // One engine event per distinct arrival time applies every message due.
      if (arrival_events_.insert(e.arrival).second) {
        engine_.at(
            e.arrival,
            [this, t = e.arrival] {
              now_ = t;
              arrival_events_.erase(t);
              apic_.advance_to(t);
            },
            kPrioArrival);
      }
      break;
    case EventKind::Accepted:
      emit_at(e.cpu, e.time,
              trace::IpiDeliver{.vector = static_cast<std::uint32_t>(e.vector),
                                .sender = static_cast<std::uint32_t>(e.peer)}
                  .to_record());
      wake_for_irq(e.cpu, e.time);
      break;
    case EventKind::Coalesced:
      emit_at(e.cpu, e.time,
              trace::IrrCoalesced{.vector = static_cast<std::uint32_t>(e.vector),
                                  .sender = static_cast<std::uint32_t>(e.peer)}
                  .to_record());
      break;
    case EventKind::Error:
      emit_at(e.cpu, e.time,
              trace::ApicError{.esr = e.esr_bits, .status = static_cast<std::uint32_t>(e.status)}
                  .to_record());
      break;
    default:
      break;  // dispatch and EOI are recorded by the CPU; NMI/INIT/SIPI are unused
  }
}

}  // namespace xcallsim::smp::detail
