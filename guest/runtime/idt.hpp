// Interrupts: one IDT shared by all CPUs (boot/isr.S stubs), exception
// reporting, and a table of handlers for device/IPI vectors.
// Contract: idt_init() once on the BSP before any CPU loads it; handlers are
// registered before the vector can fire and are called with IRQs off on the
// interrupted CPU's stack. A handler owns its EOI (the xcall handlers EOI
// first, SEM-33); vectors without a handler are EOId, counted and reported.
// Vectors < 32 end the run with ExitCode::Exception after printing vector,
// error code, RIP (and CR2 for #PF); 0xFF is the spurious vector (no EOI).
#pragma once

#include <stdint.h>

namespace guest {

struct Frame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error;
  uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};

using IrqHandler = void (*)(Frame&);

inline constexpr uint8_t kSpuriousVector = 0xFF;

void idt_init();
void idt_load();  // lidt on this CPU
void set_irq_handler(uint8_t vector, IrqHandler handler);
IrqHandler irq_handler(uint8_t vector);      // nullptr if none
void count_unexpected_irq(uint64_t vector);  // count and report a vector without a handler
bool in_irq();                               // this CPU is inside isr_dispatch
uint64_t unexpected_irq_count();

}  // namespace guest

extern "C" void isr_dispatch(guest::Frame* frame);
