// apic-coalesce: the device model's APIC semantics, visible in the trace
// (devmodel path only; `launch --ipi-path lapic` refuses it, and the guest
// fails its check without the device model). CPU 1 disables IRQs; CPU 0
// sends fixed vector kLowVector to CPU 1 three times through the model, then
// kHighVector (a higher priority class) once, and waits until the model
// acknowledged every ICR write; then CPU 1 re-enables IRQs. The model sets
// IRR[low] once and absorbs the two repeats (IrrCoalesced, SEMANTICS 48);
// when CPU 1 takes the interrupt, INTA hands it the highest class first, so
// the high handler runs before the low one, each exactly once. Other CPUs
// idle. No xcalls and no simulator twin: the host test
// (tests/qemu/test_launch.cpp) checks the device's records.
#include "platform/devmodel_ipi.hpp"
#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "runtime/idt.hpp"
#include "runtime/smp.hpp"
#include "runtime/tsc.hpp"
#include "scenarios/common.hpp"
#include "scenarios/scenario.hpp"
#include "trace/recorder.hpp"
#include "xcall/platform/x86_send_policy.hpp"

namespace guest {
namespace {

namespace x86 = ::xcallsim::xcall::x86;

// Scenario vectors, not xcall ones (0xfb/0xfc), MSI-X (0x40 + k) or the
// runner's wake-up (0xF0): classes 6 and 9.
constexpr uint8_t kLowVector = 0x61;
constexpr uint8_t kHighVector = 0x91;
constexpr int kLowRepeats = 3;
constexpr int kTarget = 1;

uint32_t g_irqs_off;  // CPU 1 has IRQs off
uint32_t g_sent;      // CPU 0's ICR writes are all acknowledged by the model
uint32_t g_failed;    // a program gave up (message printed)
uint32_t g_low_runs, g_high_runs;
uint32_t g_order;              // handler runs so far
uint32_t g_low_at, g_high_at;  // g_order when each handler (last) ran

void on_vector(Frame& frame) {
  const auto vector = static_cast<uint32_t>(frame.vector);
  trace_emit(tk::IrqEntry{.vector = vector}.to_record());
  devmodel_eoi();  // the model's EOI (recorded by the device)
  const uint32_t at = __atomic_fetch_add(&g_order, 1u, __ATOMIC_RELAXED);
  if (vector == kLowVector) {
    __atomic_fetch_add(&g_low_runs, 1u, __ATOMIC_RELAXED);
    __atomic_store_n(&g_low_at, at, __ATOMIC_RELAXED);
  } else {
    __atomic_fetch_add(&g_high_runs, 1u, __ATOMIC_RELAXED);
    __atomic_store_n(&g_high_at, at, __ATOMIC_RELAXED);
  }
  trace_emit(tk::IrqExit{.vector = vector}.to_record());
}

// Spins (pause) until `flag` is set or 5 s passed; false on timeout.
bool wait_set(const uint32_t& flag, const char* what) {
  const uint64_t limit = tsc_khz() * 5000;
  const uint64_t t0 = rdtsc();
  while (__atomic_load_n(&flag, __ATOMIC_ACQUIRE) == 0) {
    if (rdtsc() - t0 > limit || __atomic_load_n(&g_failed, __ATOMIC_ACQUIRE) != 0) {
      kprintf("apic-coalesce: cpu %d gave up waiting for %s\n", this_cpu(), what);
      __atomic_store_n(&g_failed, 1u, __ATOMIC_RELEASE);
      return false;
    }
    cpu_pause();
  }
  return true;
}

void send(uint8_t vector) {
  const x86::IcrWrite w = x86::dest_write(x86::ApicMode::XApic, devmodel_apic_id(kTarget), vector,
                                          x86::APIC_DEST_PHYSICAL);
  trace_emit(tk::RawIpi{.target = kTarget, .vector = vector}.to_record());
  devmodel_send(w.lo, w.hi);
}

void setup(const ScenarioParams&) {
  sc::reset(nullptr, 0);
  g_irqs_off = g_sent = g_failed = 0;
  g_low_runs = g_high_runs = g_order = 0;
  g_low_at = g_high_at = 0;
  set_irq_handler(kLowVector, on_vector);
  set_irq_handler(kHighVector, on_vector);
}

void program(int cpu, const ScenarioParams&) {
  if (smp_nr_cpus() < 2 || !devmodel_enabled()) return;  // check() says why
  if (cpu == kTarget) {
    cli();
    trace_emit(tk::IrqDisable{}.to_record());
    __atomic_store_n(&g_irqs_off, 1u, __ATOMIC_RELEASE);
    const bool sent = wait_set(g_sent, "cpu 0's IPIs");
    trace_emit(tk::IrqEnable{}.to_record());
    sti();  // the pending MSI-X is taken here: high, then low
    if (sent) {
      const uint64_t limit = tsc_khz() * 5000;
      const uint64_t t0 = rdtsc();
      while (__atomic_load_n(&g_order, __ATOMIC_ACQUIRE) < 2 && rdtsc() - t0 <= limit) cpu_pause();
    }
    return;
  }
  if (cpu != 0) return;
  if (!wait_set(g_irqs_off, "cpu 1 to disable IRQs")) return;
  for (int i = 0; i < kLowRepeats; ++i) send(kLowVector);
  send(kHighVector);
  devmodel_wait_icr_idle();  // every message is in CPU 1's modelled IRR
  __atomic_store_n(&g_sent, 1u, __ATOMIC_RELEASE);
}

bool check(const ScenarioParams&) {
  if (smp_nr_cpus() < 2) {
    kprintf("apic-coalesce: needs at least 2 CPUs\n");
    return false;
  }
  if (!devmodel_enabled()) {
    kprintf("apic-coalesce: needs the device model (ipi=devmodel; launch --ipi-path devmodel)\n");
    return false;
  }
  const uint32_t low = __atomic_load_n(&g_low_runs, __ATOMIC_ACQUIRE);
  const uint32_t high = __atomic_load_n(&g_high_runs, __ATOMIC_ACQUIRE);
  const uint32_t low_at = __atomic_load_n(&g_low_at, __ATOMIC_ACQUIRE);
  const uint32_t high_at = __atomic_load_n(&g_high_at, __ATOMIC_ACQUIRE);
  kprintf("apic-coalesce: vector 0x%x ran %u times (sent %d), 0x%x ran %u times, %s first\n",
          kLowVector, low, kLowRepeats, kHighVector, high,
          low == 1 && high == 1 ? (high_at < low_at ? "high" : "low") : "-");
  bool ok = __atomic_load_n(&g_failed, __ATOMIC_ACQUIRE) == 0;
  if (low != 1) {
    kprintf("apic-coalesce: the low vector should run once (%d sends coalesced in IRR)\n",
            kLowRepeats);
    ok = false;
  }
  if (high != 1) {
    kprintf("apic-coalesce: the high vector should run once\n");
    ok = false;
  }
  if (low == 1 && high == 1 && high_at > low_at) {
    kprintf("apic-coalesce: the higher-class vector should be taken first\n");
    ok = false;
  }
  return ok;
}

}  // namespace

extern const Scenario kApicCoalesce{"apic-coalesce", setup, program, check};

}  // namespace guest
