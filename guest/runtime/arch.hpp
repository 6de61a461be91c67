// x86-64 instruction wrappers for the guest runtime (ring 0, no SSE).
// Contract: header-only, freestanding; every wrapper is a single instruction
// with the compiler barrier ("memory" clobber) where ordering matters.
#pragma once

#include <stdint.h>

namespace guest {

inline void outb(uint16_t port, uint8_t v) {
  asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
inline void outl(uint16_t port, uint32_t v) {
  asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
inline uint32_t inl(uint16_t port) {
  uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
  return (uint64_t{hi} << 32) | lo;
}
inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t{hi} << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
  asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(v)),
               "d"(static_cast<uint32_t>(v >> 32))
               : "memory");
}
inline uint64_t read_cr2() {
  uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}

inline void cpu_pause() {
  asm volatile("pause" ::: "memory");
}
inline void cli() {
  asm volatile("cli" ::: "memory");
}
inline void sti() {
  asm volatile("sti" ::: "memory");
}
// `sti; hlt` is atomic with respect to interrupts (the STI shadow), so an
// interrupt that arrives after the check before it still wakes the hlt.
inline void sti_hlt() {
  asm volatile("sti; hlt" ::: "memory");
}
inline void hlt() {
  asm volatile("hlt" ::: "memory");
}

inline uint64_t read_flags() {
  uint64_t f;
  asm volatile("pushfq; popq %0" : "=r"(f)::"memory");
  return f;
}
inline constexpr uint64_t kFlagsIF = 1u << 9;

// local_irq_save(): pushf; cli. local_irq_restore(): popf.
inline uint64_t irq_save() {
  uint64_t f;
  asm volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
  return f;
}
inline void irq_restore(uint64_t f) {
  asm volatile("pushq %0; popfq" ::"r"(f) : "memory", "cc");
}

[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt" ::: "memory");
}

}  // namespace guest
