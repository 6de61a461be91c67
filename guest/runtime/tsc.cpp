#include "runtime/tsc.hpp"

#include "runtime/arch.hpp"

namespace guest {
namespace {

uint64_t g_khz = 2'000'000;  // used until calibrated

}  // namespace

void tsc_calibrate() {
  // PIT channel 2, mode 0, gate on, speaker off: OUT2 (port 0x61 bit 5)
  // goes high after `count` ticks of 1.193182 MHz (5 ms here).
  constexpr uint32_t kPitHz = 1193182;
  constexpr uint32_t kMs = 5;
  constexpr uint32_t count = kPitHz * kMs / 1000;
  outb(0x61, static_cast<uint8_t>((inb(0x61) & ~0x02) | 0x01));
  outb(0x43, 0xB0);  // channel 2, lobyte/hibyte, mode 0, binary
  outb(0x42, count & 0xFF);
  const uint64_t t0 = rdtsc();
  outb(0x42, static_cast<uint8_t>(count >> 8));  // counting starts here
  uint64_t t1 = t0;
  for (uint64_t spins = 0; (inb(0x61) & 0x20) == 0 && spins < 100'000'000; ++spins) t1 = rdtsc();
  t1 = rdtsc();
  const uint64_t khz = (t1 - t0) / kMs;
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
