#include "runtime/exit.hpp"

#include <stdarg.h>

#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "trace/recorder.hpp"

namespace guest {

void guest_exit(ExitCode code) {
  outl(0xf4, static_cast<uint32_t>(code));
  halt_forever();  // not reached under QEMU with isa-debug-exit
}

void panic(ExitCode code, const char* fmt, ...) {
  if (code == ExitCode::Panic) trace_set_status(abi::GuestStatus::Panic);
  va_list ap;
  va_start(ap, fmt);
  kprintf("PANIC: ");
  kvprintf(fmt, ap);
  kprintf("\n");
  va_end(ap);
  guest_exit(code);
}

}  // namespace guest
