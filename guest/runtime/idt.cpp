#include "runtime/idt.hpp"

#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "runtime/exit.hpp"
#include "runtime/lapic.hpp"
#include "runtime/percpu.hpp"
#include "trace/recorder.hpp"

extern "C" char isr_stubs[];

namespace guest {
namespace {

struct [[gnu::packed]] Gate {
  uint16_t off0, sel;
  uint8_t ist, type;
  uint16_t off1;
  uint32_t off2, zero;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] Idtr {
  uint16_t limit;
  uint64_t base;
};

constexpr uint16_t kCodeSelector = 0x18;  // 64-bit code (boot.S GDT)
constexpr uint8_t kInterruptGate = 0x8E;  // present, DPL 0, IRQs off on entry

alignas(16) Gate g_idt[256];
IrqHandler g_handlers[256];
uint64_t g_unexpected;

const char* exception_name(uint64_t v) {
  static const char* const names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                      "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "?",
                                      "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"};
  return v < sizeof(names) / sizeof(names[0]) ? names[v] : "exception";
}

[[noreturn]] void report_exception(const Frame& f) {
  trace_set_phase(abi::CpuPhase::Fault);
  trace_set_status(abi::GuestStatus::Exception);
  kprintf("EXCEPTION %lu (%s) on cpu %d: error 0x%lx rip 0x%lx rsp 0x%lx rflags 0x%lx", f.vector,
          exception_name(f.vector), this_cpu(), f.error, f.rip, f.rsp, f.rflags);
  if (f.vector == 14) kprintf(" cr2 0x%lx", read_cr2());
  kprintf("\n");
  guest_exit(ExitCode::Exception);
}

}  // namespace

void idt_init() {
  for (int v = 0; v < 256; ++v) {
    const auto addr = reinterpret_cast<uint64_t>(isr_stubs + 16 * v);
    g_idt[v] = Gate{static_cast<uint16_t>(addr),
                    kCodeSelector,
                    0,
                    kInterruptGate,
                    static_cast<uint16_t>(addr >> 16),
                    static_cast<uint32_t>(addr >> 32),
                    0};
  }
}

void idt_load() {
  const Idtr idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
  asm volatile("lidt %0" ::"m"(idtr));
}

void set_irq_handler(uint8_t vector, IrqHandler handler) {
  __atomic_store_n(&g_handlers[vector], handler, __ATOMIC_RELEASE);
}

IrqHandler irq_handler(uint8_t vector) {
  return __atomic_load_n(&g_handlers[vector], __ATOMIC_ACQUIRE);
}

void count_unexpected_irq(uint64_t vector) {
  __atomic_fetch_add(&g_unexpected, 1, __ATOMIC_RELAXED);
  kprintf("cpu %d: unexpected interrupt vector 0x%lx\n", this_cpu(), vector);
}

bool in_irq() {
  return this_percpu().irq_depth != 0;
}
uint64_t unexpected_irq_count() {
  return __atomic_load_n(&g_unexpected, __ATOMIC_RELAXED);
}

}  // namespace guest

extern "C" void isr_dispatch(guest::Frame* frame) {
  using namespace guest;
  if (frame->vector < 32) report_exception(*frame);
  if (frame->vector == kSpuriousVector) return;
  PerCpu& pc = this_percpu();
  ++pc.irq_depth;
  const IrqHandler h = __atomic_load_n(&g_handlers[frame->vector], __ATOMIC_ACQUIRE);
  if (h != nullptr) {
    h(*frame);
  } else {
    lapic_eoi();
    count_unexpected_irq(frame->vector);
  }
  --pc.irq_depth;
}
