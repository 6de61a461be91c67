#include "runtime/exit.hpp"

#include <stdarg.h>

#include "runtime/arch.hpp"
#include "runtime/console.hpp"

namespace guest {

void guest_exit(ExitCode code) {
  outl(0xf4, static_cast<uint32_t>(code));
  halt_forever();  // not reached under QEMU with isa-debug-exit
}

void panic(ExitCode code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kprintf("PANIC: ");
  kvprintf(fmt, ap);
  kprintf("\n");
  va_end(ap);
  guest_exit(code);
}

}  // namespace guest
