#include "runtime/lapic.hpp"

#include "runtime/arch.hpp"

namespace guest {
namespace {

constexpr uint32_t kApicBaseMsr = 0x1B;
constexpr uint32_t kRegId = 0x20, kRegTpr = 0x80, kRegEoi = 0xB0, kRegSvr = 0xF0;
constexpr uint32_t kRegEsr = 0x280, kRegIcrLo = 0x300, kRegIcrHi = 0x310;
constexpr uint32_t kRegLvtLint0 = 0x350, kRegLvtLint1 = 0x360, kRegLvtError = 0x370;
constexpr uint32_t kLvtMasked = 1u << 16;

volatile uint32_t* g_base = nullptr;  // identity-mapped MMIO page

volatile uint32_t& reg(uint32_t off) {
  return g_base[off / 4];
}

}  // namespace

void lapic_init() {
  // Every CPU reads the MSR: the base is per-CPU architecturally, even if
  // QEMU gives all the same 0xFEE00000.
  const uint64_t msr = rdmsr(kApicBaseMsr);
  wrmsr(kApicBaseMsr, msr | (1u << 11));  // global enable
  g_base = reinterpret_cast<volatile uint32_t*>(msr & ~uint64_t{0xFFF});
  reg(kRegLvtLint0) = kLvtMasked;
  reg(kRegLvtLint1) = kLvtMasked;
  reg(kRegLvtError) = kLvtMasked;
  reg(kRegTpr) = 0;
  reg(kRegSvr) = 0x100 | 0xFF;  // APIC software enable, spurious vector 0xFF
  lapic_esr();
}

uint32_t lapic_id() {
  return reg(kRegId) >> 24;
}

void lapic_eoi() {
  reg(kRegEoi) = 0;
}

uint32_t lapic_esr() {
  reg(kRegEsr) = 0;
  return reg(kRegEsr);
}

void lapic_wait_idle() {
  while (reg(kRegIcrLo) & kIcrBusy) cpu_pause();
}

void lapic_send(uint32_t lo, uint32_t hi, bool wait_idle_before) {
  const uint64_t flags = irq_save();
  if (wait_idle_before) lapic_wait_idle();
  reg(kRegIcrHi) = hi;
  reg(kRegIcrLo) = lo;
  irq_restore(flags);
}

}  // namespace guest
