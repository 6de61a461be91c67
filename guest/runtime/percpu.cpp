#include "runtime/percpu.hpp"

#include "runtime/arch.hpp"

namespace guest {

PerCpu g_percpu[kMaxCpus];

void percpu_install(int cpu) {
  PerCpu& p = g_percpu[cpu];
  p.self = &p;
  p.cpu = cpu;
  p.boot_tsc = rdtsc();
  wrmsr(0xC0000101, reinterpret_cast<uint64_t>(&p));  // IA32_GS_BASE
}

}  // namespace guest
