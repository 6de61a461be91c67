#include "platform/guest_platform.hpp"

#include "runtime/console.hpp"
#include "runtime/lapic.hpp"
#include "runtime/tsc.hpp"
#include "xcall/platform/x86_send_policy.hpp"

namespace guest {

namespace {

constexpr int kTraceKinds = 16;  // TraceKind values

// CPU number -> APIC IDs for the send policy (physical mode only needs
// apic_id; logical ids are the xAPIC flat bitmap, unused here).
struct ApicIds {
  uint32_t apic_id(int cpu) const { return cpu_apic_id(cpu); }
  uint32_t logical_id(int cpu) const { return 1u << (cpu & 7); }
};

constexpr xc::x86::SendPolicy kPolicy{};  // xAPIC, physical, shorthands on

void write_icr(const xc::x86::IcrWrite& w) {
  lapic_send(w.lo, w.hi, w.wait_icr_idle);
}

// Static storage: value-initialized .bss, constructed by the init_array.
xc::XcallStaticStorage<GuestPlatform, kMaxCpus> g_storage;
uint64_t g_warnings;
uint64_t g_first_xcall;
uint64_t g_trace_counts[kMaxCpus][kTraceKinds];

void on_call_function_ipi(Frame&) {
  lapic_eoi();  // EOI first (SEM-33): a new IPI during the flush is not lost
  g_xcall.generic_smp_call_function_single_interrupt();
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
  xc::x86::send_ipi_single<max_cpus>(kPolicy, cpu, xc::x86::CALL_FUNCTION_SINGLE_VECTOR, ApicIds{},
                                     write_icr);
}

void GuestPlatform::arch_send_call_function_ipi_mask(const xc::cpumask<max_cpus>& mask) {
  xc::cpumask<max_cpus> online;
  for (int c = 0; c < smp_nr_cpus(); ++c)
    if (guest::cpu_online(c)) online.set(c);
  xc::x86::send_call_func_ipi(kPolicy, this_cpu(), mask, online, ApicIds{}, write_icr);
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
  const auto kind = static_cast<unsigned>(ev.kind);
  if (ev.kind == xc::TraceKind::XcallIssue &&
      __atomic_load_n(&g_first_xcall, __ATOMIC_RELAXED) == 0)
    __atomic_store_n(&g_first_xcall, rdtsc(), __ATOMIC_RELAXED);
  const int cpu = this_cpu();
  if (kind < kTraceKinds) ++g_trace_counts[cpu][kind];  // only this CPU writes its row
}

void xcall_platform_init() {
  set_irq_handler(xc::x86::CALL_FUNCTION_SINGLE_VECTOR, on_call_function_ipi);
  set_irq_handler(xc::x86::CALL_FUNCTION_VECTOR, on_call_function_ipi);
}

uint64_t xcall_warning_count() {
  return __atomic_load_n(&g_warnings, __ATOMIC_RELAXED);
}
uint64_t first_xcall_tsc() {
  return __atomic_load_n(&g_first_xcall, __ATOMIC_RELAXED);
}
uint64_t trace_event_count(int cpu, xc::TraceKind kind) {
  const auto k = static_cast<unsigned>(kind);
  return cpu >= 0 && cpu < kMaxCpus && k < kTraceKinds
             ? __atomic_load_n(&g_trace_counts[cpu][k], __ATOMIC_RELAXED)
             : 0;
}

}  // namespace guest
