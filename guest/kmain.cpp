// The BSP's C++ entry: bring the runtime up, open the trace area, start the
// APs (each enters the scenario runner's work loop), hand the xcall library
// its platform, run the scenario named on the command line, exit through
// isa-debug-exit with a distinct code (runtime/exit.hpp).
#include "platform/devmodel_ipi.hpp"
#include "platform/guest_platform.hpp"
#include "runtime/acpi.hpp"
#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "runtime/exit.hpp"
#include "runtime/idt.hpp"
#include "runtime/lapic.hpp"
#include "runtime/percpu.hpp"
#include "runtime/pic.hpp"
#include "runtime/smp.hpp"
#include "runtime/tsc.hpp"
#include "scenarios/scenario.hpp"
#include "trace/recorder.hpp"

extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace guest {
namespace {

// struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h).
struct HvmStartInfo {
  uint32_t magic, version, flags, nr_modules;
  uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
};
constexpr uint32_t kHvmStartMagic = 0x336ec578;

CpuList g_cpus;

bool word_is(const char* s, const char* word, const char** rest) {
  while (*word && *s == *word) ++s, ++word;
  if (*word) return false;
  *rest = s;
  return true;
}

uint64_t number(const char* v) {
  uint64_t n = 0;
  for (; *v >= '0' && *v <= '9'; ++v) n = n * 10 + static_cast<uint64_t>(*v - '0');
  return n;
}

// "scenario=NAME iters=N burst=N tracecap=N ipi=lapic|devmodel", space
// separated; unknown words are ignored (the host validates what it passes).
void parse_cmdline(const char* s, const Scenario*& scenario, ScenarioParams& params,
                   uint32_t& tracecap, bool& devmodel) {
  while (s && *s) {
    while (*s == ' ') ++s;
    const char* v;
    if (word_is(s, "scenario=", &v)) {
      const char* end;
      scenario = find_scenario(v, &end);
      if (scenario == nullptr) panic(ExitCode::Panic, "unknown scenario in '%s'", s);
    } else if (word_is(s, "iters=", &v)) {
      params.iters = number(v);
    } else if (word_is(s, "burst=", &v)) {
      params.burst = number(v);
    } else if (word_is(s, "tracecap=", &v)) {
      tracecap = static_cast<uint32_t>(number(v));
    } else if (word_is(s, "ipi=", &v)) {
      const char* rest;
      devmodel = word_is(v, "devmodel", &rest) && (*rest == ' ' || *rest == '\0');
    }
    while (*s && *s != ' ') ++s;
  }
}

}  // namespace
}  // namespace guest

extern "C" [[noreturn]] void kmain(uint32_t start_info_paddr) {
  using namespace guest;
  percpu_install(0);
  console_init();
  const uint64_t kmain_tsc = rdtsc();
  const auto* info = reinterpret_cast<const HvmStartInfo*>(uint64_t{start_info_paddr});
  // eax differs between firmwares at the PVH entry; the magic does not.
  if (info == nullptr || info->magic != kHvmStartMagic)
    panic(ExitCode::Panic, "no PVH start_info (ebx=0x%x)", start_info_paddr);
  kprintf("xcallsim guest: PVH boot, start_info v%u at 0x%x\n", info->version, start_info_paddr);
  for (auto* f = __init_array_start; f != __init_array_end; ++f) (*f)();

  idt_init();
  idt_load();
  pic_mask_all();
  lapic_init();
  tsc_calibrate();

  const Scenario* scenario = kScenarios[0];
  ScenarioParams params{100, 4};
  uint32_t tracecap = 0;
  bool devmodel = false;
  if (info->cmdline_paddr != 0)
    parse_cmdline(reinterpret_cast<const char*>(info->cmdline_paddr), scenario, params, tracecap,
                  devmodel);
  trace_init(tracecap, scenario->name, params.iters, params.burst);

  if (!acpi_find_cpus(info->version >= 1 ? info->rsdp_paddr : 0, g_cpus))
    panic(ExitCode::Panic, "no CPUs found in the ACPI MADT");
  xcall_platform_init();
  kprintf("cpu 0 up (apic id %u, tsc %lu, %lu kHz)\n", lapic_id(), kmain_tsc, tsc_khz());
  smp_set_ap_loop(ap_work_loop);
  const int n = smp_boot(g_cpus);
  const uint64_t smp_tsc = rdtsc();
  for (int cpu = 0; cpu < n; ++cpu) trace_set_apic_id(cpu, cpu_apic_id(cpu));
  trace_set_cpu_count(n);
  trace_area().smp_up_tsc = smp_tsc;
  kprintf("smp: %d cpus online\n", n);
  if (devmodel) devmodel_init(n);  // before any xcall IPI (IRQs still off)
  sti();

  kprintf("scenario %s iters=%lu burst=%lu\n", scenario->name, params.iters, params.burst);
  const bool ok = run_scenario(*scenario, params);
  const uint64_t end_tsc = rdtsc();
  const uint64_t first = trace_area().first_xcall_tsc;
  kprintf(
      "timing: reset->kmain %lu us, kmain->smp-up %lu us, reset->first-xcall %lu us, "
      "scenario %lu us\n",
      tsc_to_us(kmain_tsc), tsc_to_us(smp_tsc - kmain_tsc), first ? tsc_to_us(first) : 0,
      tsc_to_us(end_tsc - smp_tsc));
  const uint64_t warnings = xcall_warning_count();
  const uint64_t stray = unexpected_irq_count();
  if (warnings != 0 || stray != 0)
    kprintf("FAIL: %lu xcall warnings, %lu unexpected interrupts\n", warnings, stray);
  if (!ok || warnings != 0 || stray != 0) {
    kprintf("RESULT: FAIL\n");
    trace_set_status(abi::GuestStatus::Failed);
    guest_exit(ExitCode::CheckFailed);
  }
  kprintf("RESULT: OK\n");
  trace_set_status(abi::GuestStatus::Passed);
  guest_exit(ExitCode::Success);
}
