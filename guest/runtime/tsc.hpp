// Time: the TSC, calibrated once against PIT channel 2. Under QEMU without
// -icount the guest TSC runs at the host TSC rate and starts at 0 at machine
// reset, so rdtsc() / tsc_khz() is "time since reset". Under -icount it is
// virtual nanoseconds (QEMU-NOTES 5.8).
// Contract: tsc_calibrate() once on the BSP (IRQs off, before SMP); the
// other functions are callable anywhere afterwards.
#pragma once

#include <stdint.h>

namespace guest {

void tsc_calibrate();
uint64_t tsc_khz();
uint64_t tsc_to_us(uint64_t cycles);
void delay_cycles(uint64_t cycles);

}  // namespace guest
