#include "platform/guest_platform.hpp"

#include "platform/devmodel_ipi.hpp"
#include "runtime/console.hpp"
#include "runtime/lapic.hpp"
#include "runtime/tsc.hpp"
#include "sim/trace/xcall_map.hpp"  // send_how_of
#include "trace/recorder.hpp"
#include "xcall/platform/x86_send_policy.hpp"

namespace guest {

namespace {

// CPU number -> APIC IDs for the send policy. Through the device model, ICR
// destinations are the modelled ids (its x2APIC: cluster logical ids).
struct ApicIds {
  uint32_t apic_id(int cpu) const {
    return devmodel_enabled() ? devmodel_apic_id(cpu) : cpu_apic_id(cpu);
  }
  uint32_t logical_id(int cpu) const {
    return devmodel_x2apic() ? devmodel_logical_id(cpu) : 1u << (cpu & 7);
  }
};

// QEMU's LAPIC and the xAPIC model: physical destinations; the x2APIC model:
// Linux's x2apic_cluster. Shorthands on (SEM-37).
constexpr xc::x86::SendPolicy kXApicPolicy{};
constexpr xc::x86::SendPolicy kX2ApicClusterPolicy{xc::x86::ApicMode::X2Apic,
                                                   xc::x86::DestMode::LogicalCluster, true};
const xc::x86::SendPolicy& policy() {
  return devmodel_x2apic() ? kX2ApicClusterPolicy : kXApicPolicy;
}

// One IPI send: the policy's ICR writes are collected first so that the
// IpiSend record (how, how many writes) precedes them, as in the simulator.
struct IcrBatch {
  xc::x86::IcrWrite writes[kMaxCpus];
  int count = 0;
  void operator()(const xc::x86::IcrWrite& w) {
    if (count < kMaxCpus) writes[count++] = w;
  }
};

// Destinations one ICR write reaches (for the IcrWrite record's `messages`).
uint32_t messages_of(uint32_t lo) {
  const auto n = static_cast<uint32_t>(smp_nr_cpus());
  switch (lo & xc::x86::APIC_DEST_ALLBUT) {
    case xc::x86::APIC_DEST_ALLBUT:
      return n - 1;
    case xc::x86::APIC_DEST_ALLINC:
      return n;
    default:
      return 1;
  }
}

// `send` has the target (cpu, or the mask's bitmap); perform fills in the rest.
void perform(tk::IpiSend send, uint8_t vector, xc::x86::SendHow how, const IcrBatch& batch) {
  send.vector = vector;
  send.how = tk::send_how_of(how);
  send.icr_writes = static_cast<uint32_t>(batch.count);
  trace_emit(send.to_record());
  const bool model = devmodel_enabled();
  for (int i = 0; i < batch.count; ++i) {
    const xc::x86::IcrWrite& w = batch.writes[i];
    if (model) {  // the device model records the IcrWrite (model time, delivery status)
      devmodel_send(w.lo, w.hi);
      continue;
    }
    trace_emit(
        tk::IcrWrite{.icr_lo = w.lo, .icr_hi = w.hi, .messages = messages_of(w.lo)}.to_record());
    lapic_send(w.lo, w.hi, w.wait_icr_idle);
  }
}

// Static storage: value-initialized .bss, constructed by the init_array.
xc::XcallStaticStorage<GuestPlatform, kMaxCpus> g_storage;
uint64_t g_warnings;
call_single_data_t g_private[kMaxCpus][abi::kPrivateSlots];

void on_call_function_ipi(Frame& frame) {
  const auto vector = static_cast<uint32_t>(frame.vector);
  trace_emit(tk::IrqEntry{.vector = vector}.to_record());
  // EOI first (SEM-33): a new IPI during the flush is not lost. Through the
  // device model it is the model's EOI (the model records it).
  if (devmodel_enabled()) {
    devmodel_eoi();
  } else {
    lapic_eoi();
    trace_emit(tk::Eoi{.vector = vector}.to_record());
  }
  g_xcall.generic_smp_call_function_single_interrupt();
  trace_emit(tk::IrqExit{.vector = vector}.to_record());
}

}  // namespace

GuestPlatform g_platform;
xc::Xcall<GuestPlatform> g_xcall(g_platform, g_storage.state);

xc::WaitResult GuestPlatform::wait_until(const shared<uint32_t>& word, uint32_t mask,
                                         uint32_t expected, xc::CsdWait& wait) {
  // Spin with pause (QEMU-NOTES 3.1: spinning without pause wrecks the tail
  // under MTTCG). IRQs stay as the caller left them, so a waiter with IRQs
  // on keeps taking IPIs. Diagnosis: report every 5 s (csd_lock_timeout).
  const uint64_t limit = tsc_khz() * 5000;
  const uint64_t start = rdtsc();
  if (wait.diagnose && wait.ts0 == 0) wait.ts0 = start;
  while ((load_acquire(word) & mask) != expected) {
    cpu_pause();
    if (wait.diagnose && rdtsc() - start > limit) {
      wait.ts1 = rdtsc();
      return xc::WaitResult::TimedOut;
    }
  }
  return xc::WaitResult::Satisfied;
}

void GuestPlatform::arch_send_call_function_single_ipi(int cpu) {
  IcrBatch batch;
  const auto how = xc::x86::send_ipi_single<max_cpus>(
      policy(), cpu, xc::x86::CALL_FUNCTION_SINGLE_VECTOR, ApicIds{}, batch);
  perform(tk::IpiSend{.target = static_cast<uint32_t>(cpu)}, xc::x86::CALL_FUNCTION_SINGLE_VECTOR,
          how, batch);
}

void GuestPlatform::arch_send_call_function_ipi_mask(const xc::cpumask<max_cpus>& mask) {
  xc::cpumask<max_cpus> online;
  for (int c = 0; c < smp_nr_cpus(); ++c)
    if (guest::cpu_online(c)) online.set(c);
  IcrBatch batch;
  const auto how =
      xc::x86::send_call_func_ipi(policy(), this_cpu(), mask, online, ApicIds{}, batch);
  // At most 16 CPUs: the mask travels as its bitmap (the host assigns ids).
  const auto bits = static_cast<uint32_t>(mask.words()[0]) & ~tk::kMaskTarget;
  perform(tk::IpiSend{.target = bits, .target_is_mask = true}, xc::x86::CALL_FUNCTION_VECTOR, how,
          batch);
}

void GuestPlatform::warn(const xc::WarningEvent& w) {
  __atomic_fetch_add(&g_warnings, 1, __ATOMIC_RELAXED);
  kprintf("xcall warning on cpu %d: %s (arg %d)\n", w.cpu, xc::warning_name(w.what), w.arg);
}

void GuestPlatform::csd_lock_report(const xc::CsdLockReport& r) {
  kprintf("csd lock %s: waiter cpu %d target cpu %d flags 0x%x waited %lu us\n",
          r.phase == xc::CsdLockPhase::Stuck ? "stuck" : "unstuck", r.waiter_cpu, r.target_cpu,
          r.csd_flags, tsc_to_us(r.ts1 - r.ts0));
}

void GuestPlatform::trace(const xc::TraceEvent& ev) {
  trace_xcall_event(ev);
}

void xcall_platform_init() {
  set_irq_handler(xc::x86::CALL_FUNCTION_SINGLE_VECTOR, on_call_function_ipi);
  set_irq_handler(xc::x86::CALL_FUNCTION_VECTOR, on_call_function_ipi);
}

uint64_t xcall_warning_count() {
  return __atomic_load_n(&g_warnings, __ATOMIC_RELAXED);
}
call_single_data_t* private_csd(int cpu, int slot) {
  return &g_private[cpu][slot];
}

}  // namespace guest
