#include "runtime/smp.hpp"

#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "runtime/exit.hpp"
#include "runtime/idt.hpp"
#include "runtime/lapic.hpp"
#include "runtime/percpu.hpp"
#include "runtime/tsc.hpp"

extern "C" char ap_tramp_start[], ap_tramp_end[];
extern "C" uint64_t ap_stack_top;

namespace guest {
namespace {

constexpr uint64_t kTrampoline = 0x8000;  // SIPI vector 0x08
constexpr uint64_t kStackSize = 16384;

alignas(16) uint8_t g_stacks[kMaxCpus][kStackSize];
int g_nr_cpus = 1;
uint32_t g_online[kMaxCpus];
int g_booting_cpu;  // the AP being started; read by ap_main
void (*g_ap_loop)(int cpu);

}  // namespace

void smp_set_ap_loop(void (*loop)(int cpu)) {
  g_ap_loop = loop;
}

int smp_nr_cpus() {
  return __atomic_load_n(&g_nr_cpus, __ATOMIC_ACQUIRE);
}
bool cpu_online(int cpu) {
  return cpu >= 0 && cpu < kMaxCpus && __atomic_load_n(&g_online[cpu], __ATOMIC_ACQUIRE) != 0;
}
uint32_t cpu_apic_id(int cpu) {
  return g_percpu[cpu].apic_id;
}

int smp_boot(const CpuList& cpus) {
  const uint32_t bsp_id = lapic_id();
  g_percpu[0].apic_id = bsp_id;
  __atomic_store_n(&g_online[0], 1u, __ATOMIC_RELEASE);
  int n = 1;
  for (int i = 0; i < cpus.count && n < kMaxCpus; ++i)
    if (cpus.apic_id[i] != bsp_id) g_percpu[n++].apic_id = cpus.apic_id[i];
  if (cpus.count > kMaxCpus) kprintf("smp: %d CPUs, using %d\n", cpus.count, kMaxCpus);
  __atomic_store_n(&g_nr_cpus, n, __ATOMIC_RELEASE);

  // volatile: a plain copy to a fixed low address trips GCC's bounds checks.
  auto* dst = reinterpret_cast<volatile uint8_t*>(kTrampoline);
  for (const char* s = ap_tramp_start; s != ap_tramp_end; ++s) *dst++ = static_cast<uint8_t>(*s);

  const uint64_t us = tsc_khz() / 1000;
  for (int cpu = 1; cpu < n; ++cpu) {
    const uint32_t dest = g_percpu[cpu].apic_id << 24;
    g_booting_cpu = cpu;
    __atomic_store_n(&ap_stack_top, reinterpret_cast<uint64_t>(g_stacks[cpu] + kStackSize),
                     __ATOMIC_RELEASE);
    lapic_send(kIcrInit, dest);
    lapic_wait_idle();
    delay_cycles(100 * us);  // QEMU needs no 10 ms INIT delay
    for (int sipi = 0; sipi < 2 && !cpu_online(cpu); ++sipi) {
      lapic_send(kIcrStartup | (kTrampoline >> 12), dest);
      lapic_wait_idle();
      // The second SIPI is ignored by an AP that already left wait-for-SIPI.
      const uint64_t t0 = rdtsc();
      while (!cpu_online(cpu) && rdtsc() - t0 < 200 * us) cpu_pause();
    }
    const uint64_t t0 = rdtsc();
    while (!cpu_online(cpu)) {
      if (rdtsc() - t0 > 2'000'000 * us)
        panic(ExitCode::Panic, "cpu %d (apic id %u) did not come up (esr 0x%x)", cpu,
              g_percpu[cpu].apic_id, lapic_esr());
      cpu_pause();
    }
  }
  return n;
}

}  // namespace guest

extern "C" void ap_main() {
  using namespace guest;
  const int cpu = __atomic_load_n(&g_booting_cpu, __ATOMIC_ACQUIRE);
  idt_load();
  percpu_install(cpu);
  lapic_init();
  if (lapic_id() != g_percpu[cpu].apic_id)
    panic(ExitCode::Panic, "cpu %d: apic id %u, MADT said %u", cpu, lapic_id(),
          g_percpu[cpu].apic_id);
  kprintf("cpu %d up (apic id %u, tsc %lu)\n", cpu, g_percpu[cpu].apic_id, g_percpu[cpu].boot_tsc);
  __atomic_store_n(&g_online[cpu], 1u, __ATOMIC_RELEASE);
  if (g_ap_loop != nullptr) g_ap_loop(cpu);
  for (;;) sti_hlt();  // every xcall arrives as an IPI; the handler flushes
}
