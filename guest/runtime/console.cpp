#include "runtime/console.hpp"

#include <stdint.h>

#include "runtime/arch.hpp"

namespace guest {
namespace {

constexpr uint16_t kDebugcon = 0xE9;
constexpr uint16_t kCom1 = 0x3F8;

bool g_com1 = false;
uint32_t g_lock = 0;

void putc_raw(char c) {
  outb(kDebugcon, static_cast<uint8_t>(c));
  if (!g_com1) return;
  // LSR bit 5: transmit holding register empty. Bounded: never hang on a
  // port that stopped answering.
  for (int i = 0; i < 100000 && (inb(kCom1 + 5) & 0x20) == 0; ++i) cpu_pause();
  outb(kCom1, static_cast<uint8_t>(c));
}

void puts_raw(const char* s) {
  while (*s) putc_raw(*s++);
}

void put_number(uint64_t v, unsigned base, int width, bool zero, bool negative) {
  char buf[24];
  int n = 0;
  do {
    const unsigned d = static_cast<unsigned>(v % base);
    buf[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v != 0);
  if (negative) {
    if (zero)
      putc_raw('-');
    else
      buf[n++] = '-';
  }
  for (int pad = width - n - (negative && zero ? 1 : 0); pad > 0; --pad) putc_raw(zero ? '0' : ' ');
  while (n > 0) putc_raw(buf[--n]);
}

void format(const char* fmt, va_list ap) {
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      putc_raw(*fmt);
      continue;
    }
    ++fmt;
    bool zero = false;
    int width = 0;
    bool is_long = false;
    if (*fmt == '0') zero = true;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') {
      is_long = true;
      ++fmt;
    }
    switch (*fmt) {
      case 's': {
        const char* s = va_arg(ap, const char*);
        puts_raw(s ? s : "(null)");
        break;
      }
      case 'c':
        putc_raw(static_cast<char>(va_arg(ap, int)));
        break;
      case 'd': {
        const int64_t v = is_long ? va_arg(ap, long) : va_arg(ap, int);
        const uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        put_number(mag, 10, width, zero, v < 0);
        break;
      }
      case 'u':
        put_number(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, zero,
                   false);
        break;
      case 'x':
        put_number(is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, width, zero,
                   false);
        break;
      case 'p':
        puts_raw("0x");
        put_number(reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16, 0, false, false);
        break;
      case '%':
        putc_raw('%');
        break;
      case '\0':
        return;
      default:
        putc_raw('%');
        putc_raw(*fmt);
    }
  }
}

}  // namespace

void console_init() {
  // COM1 exists only if -serial was given: probe the scratch register.
  outb(kCom1 + 7, 0x5A);
  g_com1 = inb(kCom1 + 7) == 0x5A;
  if (!g_com1) return;
  outb(kCom1 + 1, 0x00);  // no UART interrupts
  outb(kCom1 + 3, 0x80);  // DLAB
  outb(kCom1 + 0, 0x01);  // 115200 baud
  outb(kCom1 + 1, 0x00);
  outb(kCom1 + 3, 0x03);  // 8N1
  outb(kCom1 + 2, 0xC7);  // FIFO on
}

void kvprintf(const char* fmt, va_list ap) {
  format(fmt, ap);
}

void kprintf(const char* fmt, ...) {
  const uint64_t flags = irq_save();
  for (int spin = 0; __atomic_exchange_n(&g_lock, 1u, __ATOMIC_ACQUIRE) != 0; ++spin) {
    if (spin > 50000000) break;  // a CPU died holding it: print anyway
    cpu_pause();
  }
  va_list ap;
  va_start(ap, fmt);
  format(fmt, ap);
  va_end(ap);
  __atomic_store_n(&g_lock, 0u, __ATOMIC_RELEASE);
  irq_restore(flags);
}

}  // namespace guest
