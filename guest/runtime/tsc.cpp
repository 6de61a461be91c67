#include "runtime/tsc.hpp"

#include "runtime/arch.hpp"

namespace guest {
namespace {

uint64_t g_khz = 2'000'000;  // used until calibrated

}  // namespace

namespace {

// TSC cycles in `ms` milliseconds of PIT channel 2 (mode 0, gate on,
// speaker off: OUT2, port 0x61 bit 5, goes high after the count).
uint64_t measure(uint32_t ms) {
  constexpr uint32_t kPitHz = 1193182;
  const uint32_t count = kPitHz * ms / 1000;
  outb(0x61, static_cast<uint8_t>((inb(0x61) & ~0x02) | 0x01));
  outb(0x43, 0xB0);  // channel 2, lobyte/hibyte, mode 0, binary
  outb(0x42, count & 0xFF);
  const uint64_t t0 = rdtsc();
  outb(0x42, static_cast<uint8_t>(count >> 8));  // counting starts here
  for (uint64_t spins = 0; (inb(0x61) & 0x20) == 0 && spins < 100'000'000; ++spins) {
  }
  return rdtsc() - t0;
}

}  // namespace

// The shortest of three 2 ms windows: a vCPU thread descheduled by the host
// while polling can only make a window look longer (QEMU's PIT runs on the
// host clock), never shorter.
void tsc_calibrate() {
  constexpr uint32_t kMs = 2;
  uint64_t best = ~uint64_t{0};
  for (int i = 0; i < 3; ++i) {
    const uint64_t cycles = measure(kMs);
    if (cycles < best) best = cycles;
  }
  const uint64_t khz = best / kMs;
  if (khz > 10'000) g_khz = khz;  // else keep the default (no PIT?)
}

uint64_t tsc_khz() {
  return g_khz;
}
uint64_t tsc_to_us(uint64_t cycles) {
  return cycles * 1000 / g_khz;
}

void delay_cycles(uint64_t cycles) {
  const uint64_t t0 = rdtsc();
  while (rdtsc() - t0 < cycles) cpu_pause();
}

}  // namespace guest
