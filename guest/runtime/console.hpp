// Console: every byte goes to isa-debugcon (port 0xE9) and, if present,
// COM1 (0x3F8, polled). kprintf supports %s %c %d %u %x %p with an optional
// `l` (64-bit) and a field width/zero pad (e.g. %08lx).
// Contract: callable from any CPU and from interrupt handlers; whole calls
// are serialized by a spinlock taken with IRQs off. The lock is bounded so
// that an exception while printing still reaches the console.
#pragma once

#include <stdarg.h>

namespace guest {

void console_init();
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char* fmt, va_list ap);

}  // namespace guest
