// Build-time proof that the xcall headers are freestanding: this TU is
// compiled with -ffreestanding -fno-exceptions -fno-rtti -nostdinc++ (see
// xcall/CMakeLists.txt) and instantiates every entry point against a
// minimal platform. It is never linked or run.
#include "xcall/c_api.hpp"
#include "xcall/platform/builtin_atomics.hpp"
#include "xcall/xcall.hpp"

namespace {

using namespace xcallsim::xcall;

struct DummyPlatform : BuiltinAtomicsOps {
  static constexpr int max_cpus = 64;
  using irq_flags = unsigned long;

  int this_cpu() { return 0; }
  int nr_cpu_ids() { return 4; }
  bool cpu_online(int cpu) { return cpu >= 0 && cpu < 4; }
  int cpu_to_node(int) { return 0; }
  bool irqs_disabled() { return irq_off; }
  bool in_task() { return true; }
  bool oops_in_progress() { return false; }
  bool early_boot_irqs_disabled() { return false; }
  irq_flags local_irq_save() {
    const irq_flags old = irq_off ? 1 : 0;
    irq_off = true;
    return old;
  }
  void local_irq_restore(irq_flags f) { irq_off = f != 0; }
  void preempt_disable() {}
  void preempt_enable() {}
  WaitResult wait_until(const shared<uint32_t>& w, uint32_t mask, uint32_t expected, CsdWait&) {
    while ((load_acquire(w) & mask) != expected) cpu_relax();
    return WaitResult::Satisfied;
  }
  void cpu_relax() { __builtin_ia32_pause(); }
  bool call_function_single_prep_ipi(int) { return true; }
  void arch_send_call_function_single_ipi(int) {}
  void arch_send_call_function_ipi_mask(const cpumask<max_cpus>&) {}
  void warn(const WarningEvent&) {}
  void csd_lock_report(const CsdLockReport&) {}
  void trace(const TraceEvent&) {}

  bool irq_off = false;
};
static_assert(Platform<DummyPlatform>);

DummyPlatform g_platform;
XcallStaticStorage<DummyPlatform, 4> g_storage;
Xcall<DummyPlatform> g_xcall(g_platform, g_storage.state);

}  // namespace

XCALLSIM_XCALL_DEFINE_C_API(DummyPlatform, g_xcall)

void noop(void*) {}
bool always(int, void*) {
  return true;
}

int freestanding_check_all() {
  call_single_data_t csd{};
  xcall_cpumask_t mask = xcall_cpumask_t::of(1);
  int r = smp_xcall(1, noop, nullptr, XCALL_TYPE_SYNC);
  r += smp_xcall_cond(XCALL_ALL, noop, nullptr, XCALL_TYPE_ASYNC, always);
  r += smp_xcall_mask(&mask, noop, nullptr, XCALL_TYPE_SYNC);
  r += smp_xcall_mask_cond(&mask, noop, nullptr, XCALL_TYPE_SYNC, always);
  r += smp_xcall_private(1, &csd, XCALL_TYPE_ASYNC);
  r += smp_xcall_any(&mask, noop, nullptr, XCALL_TYPE_SYNC);
  r += smp_call_function_single(1, noop, nullptr, 1);
  r += smp_call_function_single_async(1, &csd);
  smp_call_function_many(&mask, noop, nullptr, true);
  smp_call_function(noop, nullptr, false);
  r += smp_call_function_any(&mask, noop, nullptr, 0);
  on_each_cpu_cond_mask(always, noop, nullptr, true, &mask);
  generic_smp_call_function_single_interrupt();
  flush_smp_call_function_queue();
  g_xcall.smpcfd_dying_cpu();
  g_xcall.smp_call_single_queue(1, &csd);
  g_xcall.set_profile(Profile::Upstream);
  return r;
}
