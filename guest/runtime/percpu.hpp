// Per-CPU data, reached through the GS base (IA32_GS_BASE) so that
// this_cpu() is one load. CPU numbers are dense [0, nr) in MADT order with
// the BSP as CPU 0; APIC IDs are whatever the MADT says.
// Contract: percpu_install() runs once on each CPU before it enables IRQs;
// `cpu`/`apic_id` never change afterwards; irq_depth is touched only by its
// own CPU (isr_dispatch), with IRQs off.
#pragma once

#include <stdint.h>

namespace guest {

inline constexpr int kMaxCpus = 16;  // issue 5: N = 1..16

struct PerCpu {
  PerCpu* self;  // %gs:0
  int32_t cpu;   // %gs:8
  uint32_t apic_id;
  uint32_t irq_depth;  // > 0 inside isr_dispatch
  uint32_t pad;
  uint64_t stack_top;
  uint64_t boot_tsc;  // when this CPU reached C++
};

extern PerCpu g_percpu[kMaxCpus];

void percpu_install(int cpu);
inline int this_cpu() {
  int32_t c;
  asm volatile("movl %%gs:8, %0" : "=r"(c));
  return c;
}
inline PerCpu& this_percpu() {
  return g_percpu[this_cpu()];
}

}  // namespace guest
