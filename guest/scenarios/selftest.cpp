// Self-tests of the harness, so that the [qemu] tier can prove that each
// failure path reaches the host distinctly:
//   fault:        ud2 on CPU 0 -> exception report, status 37;
//   fail:         a failed check -> status 35;
//   hang:         CPU 1 spins with IRQs off forever while CPU 0 waits in a
//                 SYNC smp_xcall to it: a stuck call, for the launcher's
//                 timeout path (the partial trace shows who waits on whom);
//   triple-fault: a few SYNC calls, then an IDT with no entries and int3:
//                 #GP, #DF, triple fault -> QEMU exits 0 under -no-reboot.
#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "runtime/smp.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"

namespace guest {
namespace {

void setup_one(const ScenarioParams&) {
  static const char* const kNames[] = {"selftest_fn"};
  sc::reset(kNames, 1);
}
bool check_ok(const ScenarioParams&) {
  return true;
}
void no_program(int, const ScenarioParams&) {}

void fault_program(int cpu, const ScenarioParams&) {
  if (cpu != 0) return;
  kprintf("selftest: executing ud2\n");
  asm volatile("ud2");
}

bool fail_check(const ScenarioParams&) {
  kprintf("selftest: reporting a failed check\n");
  return false;
}

uint32_t g_irqs_off;  // CPU 1 has IRQs off for good

void hang_program(int cpu, const ScenarioParams&) {
  if (cpu == 1 || smp_nr_cpus() == 1) {
    cli();
    __atomic_store_n(&g_irqs_off, 1u, __ATOMIC_RELEASE);
    kprintf("selftest: cpu %d spinning with IRQs off\n", cpu);
    for (;;) cpu_pause();
  }
  if (cpu == 0) {
    // Only once CPU 1 cannot take the IPI any more: the call must get stuck.
    while (__atomic_load_n(&g_irqs_off, __ATOMIC_ACQUIRE) == 0) cpu_pause();
    smp_xcall(1, sc::counted<0>, nullptr, XCALL_TYPE_SYNC);
  }
}

void triple_program(int cpu, const ScenarioParams&) {
  if (cpu != 0) return;
  for (int t = 0; t < smp_nr_cpus(); ++t) smp_xcall(t, sc::counted<0>, nullptr, XCALL_TYPE_SYNC);
  kprintf("selftest: loading an empty IDT and raising #BP\n");
  struct [[gnu::packed]] {
    uint16_t limit;
    uint64_t base;
  } empty{0, 0};
  asm volatile("lidt %0; int3" ::"m"(empty));
}

}  // namespace

extern const Scenario kFault{"fault", setup_one, fault_program, check_ok};
extern const Scenario kFail{"fail", setup_one, no_program, fail_check};
extern const Scenario kHang{"hang", setup_one, hang_program, check_ok};
extern const Scenario kTripleFault{"triple-fault", setup_one, triple_program, check_ok};

}  // namespace guest
