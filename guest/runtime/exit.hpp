// Ending a guest run through isa-debug-exit (iobase 0xf4): QEMU exits with
// status (value << 1) | 1. Every code is non-zero so that status 1 (QEMU's
// own error exit) and 0 (triple fault under -no-reboot) mean failure.
// Contract: guest_exit() never returns; callable from any CPU, any context.
#pragma once

#include <stdint.h>

namespace guest {

enum class ExitCode : uint32_t {
  Success = 0x10,      // status 33
  CheckFailed = 0x11,  // status 35: a scenario check or a library warning
  Exception = 0x12,    // status 37: CPU exception (vector < 32)
  Panic = 0x13,        // status 39: runtime failure (no MADT, AP timeout, ...)
};

[[noreturn]] void guest_exit(ExitCode code);
// Print "PANIC: ..." and exit with `code`.
[[noreturn]] void panic(ExitCode code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace guest
