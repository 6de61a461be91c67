// SMP bring-up: INIT-SIPI-SIPI through the xAPIC, one AP at a time, with a
// real-mode trampoline copied to 0x8000 (boot/trampoline.S).
// Contract: smp_boot() runs once on the BSP after idt_init(), lapic_init()
// and tsc_calibrate(), with `cpus` from the MADT. The BSP becomes CPU 0; the
// others are numbered in MADT order. Each AP loads the shared IDT, installs
// its per-CPU data, enables its LAPIC, publishes itself online
// (release), prints "cpu N up", then enters the loop set with
// smp_set_ap_loop() (IRQs off on entry), or idles in `sti; hlt`.
// cpu_online()/smp_nr_cpus() are acquire reads, callable from any CPU.
#pragma once

#include <stdint.h>

#include "runtime/acpi.hpp"

namespace guest {

// Boots every AP in `cpus`; returns the number of CPUs online. Panics
// (ExitCode::Panic) if an AP does not come up within 2 s.
int smp_boot(const CpuList& cpus);
void smp_set_ap_loop(void (*loop)(int cpu));  // before smp_boot()
int smp_nr_cpus();                            // possible CPUs (MADT entries, capped at kMaxCpus)
bool cpu_online(int cpu);
uint32_t cpu_apic_id(int cpu);

}  // namespace guest

extern "C" [[noreturn]] void ap_main();
