// The BSP's C++ entry: bring the runtime up, start the APs, hand the xcall
// library its platform, run the scenario named on the command line, exit
// through isa-debug-exit with a distinct code (runtime/exit.hpp).
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

// "scenario=NAME iters=N", space separated; unknown words are ignored.
void parse_cmdline(const char* s, const Scenario*& scenario, ScenarioParams& params) {
  while (s && *s) {
    while (*s == ' ') ++s;
    const char* v;
    if (word_is(s, "scenario=", &v)) {
      scenario = nullptr;
      for (const Scenario& sc : kScenarios) {
        const char* end;
        if (word_is(v, sc.name, &end) && (*end == ' ' || *end == '\0')) scenario = &sc;
      }
      if (scenario == nullptr) panic(ExitCode::Panic, "unknown scenario in '%s'", s);
    } else if (word_is(s, "iters=", &v)) {
      params.iters = 0;
      for (; *v >= '0' && *v <= '9'; ++v) params.iters = params.iters * 10 + (*v - '0');
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

  const Scenario* scenario = &kScenarios[0];
  ScenarioParams params{1000};
  if (info->cmdline_paddr != 0)
    parse_cmdline(reinterpret_cast<const char*>(info->cmdline_paddr), scenario, params);

  if (!acpi_find_cpus(info->version >= 1 ? info->rsdp_paddr : 0, g_cpus))
    panic(ExitCode::Panic, "no CPUs found in the ACPI MADT");
  xcall_platform_init();
  kprintf("cpu 0 up (apic id %u, tsc %lu, %lu kHz)\n", lapic_id(), kmain_tsc, tsc_khz());
  const int n = smp_boot(g_cpus);
  const uint64_t smp_tsc = rdtsc();
  kprintf("smp: %d cpus online\n", n);
  sti();

  kprintf("scenario %s iters=%lu\n", scenario->name, params.iters);
  const bool ok = scenario->run(params);
  const uint64_t end_tsc = rdtsc();
  const uint64_t first = first_xcall_tsc();
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
    guest_exit(ExitCode::CheckFailed);
  }
  kprintf("RESULT: OK\n");
  guest_exit(ExitCode::Success);
}
