// The xcall library's Platform on the bare-metal guest (xcall/platform/
// contract.hpp): real __atomic builtins on plain_shared<T>, IPIs as xAPIC
// ICR writes chosen by Linux's x86 send policy (physical destinations,
// ALL-BUT-SELF shorthand when every other online CPU is targeted), pause
// spinning for csd_lock_wait, pushf/cli/popf IRQ flags.
// Contract: one GuestPlatform and one Xcall (g_xcall) for the whole guest;
// xcall_platform_init() runs on the BSP after the runtime is up and before
// any xcall, and installs the 0xfb/0xfc handlers (EOI first, then the
// library's flush, SEM-33). There is no scheduler: preempt_* are no-ops and
// in_task() is "not inside an interrupt handler". Library warnings are
// printed and counted (xcall_warning_count()); scenarios fail on any.
// Every library event goes to the recorder (trace/recorder.hpp); IPI sends
// add IpiSend + IcrWrite records, the 0xfb/0xfc handlers IrqEntry, Eoi and
// IrqExit. The IPI path is chosen at boot (kernel command line `ipi=`):
// QEMU's LAPIC, or xcallsim's device model (platform/devmodel_ipi.hpp),
// where the ICR writes and EOIs go to the model, which records the IcrWrite
// and Eoi events itself (the host merges them into the trace).
#pragma once

#include <stdint.h>

#include "runtime/arch.hpp"
#include "runtime/idt.hpp"
#include "runtime/percpu.hpp"
#include "runtime/smp.hpp"
#include "xcall/c_api.hpp"
#include "xcall/platform/builtin_atomics.hpp"
#include "xcall/xcall.hpp"

namespace guest {

namespace xc = ::xcallsim::xcall;

struct GuestPlatform : xc::BuiltinAtomicsOps {
  static constexpr int max_cpus = kMaxCpus;
  using irq_flags = uint64_t;

  int this_cpu() { return guest::this_cpu(); }
  int nr_cpu_ids() { return smp_nr_cpus(); }
  bool cpu_online(int cpu) { return guest::cpu_online(cpu); }
  int cpu_to_node(int) { return 0; }
  bool irqs_disabled() { return (read_flags() & kFlagsIF) == 0; }
  bool in_task() { return !in_irq(); }
  bool oops_in_progress() { return false; }
  bool early_boot_irqs_disabled() { return false; }
  irq_flags local_irq_save() { return irq_save(); }
  void local_irq_restore(irq_flags f) { irq_restore(f); }
  void preempt_disable() {}
  void preempt_enable() {}

  xc::WaitResult wait_until(const shared<uint32_t>& word, uint32_t mask, uint32_t expected,
                            xc::CsdWait& wait);
  void cpu_relax() { cpu_pause(); }

  // No polling idle: the APs sleep in hlt, so every IPI is sent.
  bool call_function_single_prep_ipi(int) { return true; }
  void arch_send_call_function_single_ipi(int cpu);
  void arch_send_call_function_ipi_mask(const xc::cpumask<max_cpus>& mask);

  void warn(const xc::WarningEvent& w);
  void csd_lock_report(const xc::CsdLockReport& r);
  void trace(const xc::TraceEvent& ev);
};

extern GuestPlatform g_platform;
extern xc::Xcall<GuestPlatform> g_xcall;

XCALLSIM_XCALL_DEFINE_C_API(GuestPlatform, g_xcall)

void xcall_platform_init();
uint64_t xcall_warning_count();
// The preallocated csds of smp_xcall_private: slot < abi::kPrivateSlots
// (sim/qemu/guest_abi.hpp) of each CPU, as the simulator's private slots.
call_single_data_t* private_csd(int cpu, int slot);

}  // namespace guest
