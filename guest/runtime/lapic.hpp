// The local xAPIC through its MMIO page (base from IA32_APIC_BASE; x2APIC
// is not available under TCG in QEMU 7.2).
// Contract: lapic_init() on each CPU before it enables IRQs (SVR enable,
// spurious 0xFF, TPR 0, LINT0/LINT1/error LVTs masked). lapic_send() is the
// one ICR writer: it waits for delivery-status idle, writes ICR2 then ICR
// with IRQs off (so a handler on this CPU cannot interleave its own pair).
#pragma once

#include <stdint.h>

namespace guest {

inline constexpr uint32_t kIcrInit = 0x00004500;     // INIT, level assert
inline constexpr uint32_t kIcrStartup = 0x00004600;  // STARTUP | vector
inline constexpr uint32_t kIcrBusy = 0x00001000;     // delivery status

void lapic_init();
uint32_t lapic_id();  // this CPU's APIC ID (bits 31:24 of the ID register)
void lapic_eoi();
uint32_t lapic_esr();  // write-then-read the error status register
// One ICR write: `hi` is ICR2 (destination << 24), `lo` the command.
// wait_idle_before: xAPIC senders poll the busy bit first (Linux does).
void lapic_send(uint32_t lo, uint32_t hi, bool wait_idle_before = true);
// Physical fixed IPI to one APIC ID.
inline void lapic_send_fixed(uint32_t apic_id, uint8_t vector) {
  lapic_send(vector, apic_id << 24);
}
void lapic_wait_idle();

}  // namespace guest
