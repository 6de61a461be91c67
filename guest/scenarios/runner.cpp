// The scenario runner: per-CPU programs started together, completion
// collected with hlt + wake-up IPIs (no host-CPU-burning spin while idle),
// queued ASYNC work drained, then the scenario's check.
#include "platform/guest_platform.hpp"
#include "runtime/console.hpp"
#include "runtime/exit.hpp"
#include "runtime/idt.hpp"
#include "runtime/lapic.hpp"
#include "runtime/smp.hpp"
#include "runtime/tsc.hpp"
#include "scenarios/scenario.hpp"
#include "trace/recorder.hpp"

namespace guest {
namespace {

// Releases an AP into its program and tells CPU 0 an AP finished. Not an
// xcall vector; its handler only EOIs (the loops re-check their flags).
constexpr uint8_t kWakeVector = 0xF0;

const Scenario* g_scenario;
ScenarioParams g_params;
uint32_t g_go[kMaxCpus];
uint32_t g_done[kMaxCpus];

void on_wake(Frame&) {
  lapic_eoi();
}

// Wait with IRQs on (taking xcall IPIs) until `flag` is set: `sti; hlt`
// with the check under cli, so a wake-up between check and hlt is not lost.
void wait_flag(const uint32_t& flag) {
  cli();
  while (__atomic_load_n(&flag, __ATOMIC_ACQUIRE) == 0) {
    sti_hlt();
    cli();
  }
  sti();
}

void run_program(int cpu) {
  trace_set_phase(abi::CpuPhase::Program);
  g_scenario->program(cpu, g_params);
  trace_emit(tk::ProgramEnd{}.to_record());
  trace_set_phase(abi::CpuPhase::Done);
}

}  // namespace

bool run_scenario(const Scenario& scenario, const ScenarioParams& params) {
  g_scenario = &scenario;
  g_params = params;
  set_irq_handler(kWakeVector, on_wake);
  scenario.setup(params);
  const int n = smp_nr_cpus();
  trace_area().start_tsc = rdtsc();
  trace_set_status(abi::GuestStatus::Running);
  for (int cpu = 1; cpu < n; ++cpu) {
    __atomic_store_n(&g_go[cpu], 1u, __ATOMIC_RELEASE);
    lapic_send_fixed(cpu_apic_id(cpu), kWakeVector);
  }
  run_program(0);
  for (int cpu = 1; cpu < n; ++cpu) wait_flag(g_done[cpu]);

  // Every program returned; ASYNC functions may still be queued. CPU 0
  // spins with IRQs on so that its own IPIs are still taken.
  trace_set_status(abi::GuestStatus::Draining);
  const uint64_t limit = tsc_khz() * 5000;  // 5 s
  const uint64_t t0 = rdtsc();
  while (trace_outstanding() != 0) {
    if (rdtsc() - t0 > limit) {
      kprintf("runner: %ld queued functions never ran\n", trace_outstanding());
      return false;
    }
    cpu_pause();
  }
  const bool ok = scenario.check(params);
  trace_area().end_tsc = rdtsc();
  return ok;
}

void ap_work_loop(int cpu) {
  trace_set_phase(abi::CpuPhase::Idle);
  wait_flag(g_go[cpu]);
  run_program(cpu);
  __atomic_store_n(&g_done[cpu], 1u, __ATOMIC_RELEASE);
  lapic_send_fixed(cpu_apic_id(0), kWakeVector);
  for (;;) sti_hlt();  // still taking xcall IPIs
}

}  // namespace guest
