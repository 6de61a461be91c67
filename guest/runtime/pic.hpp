// The legacy 8259 PICs. Contract: pic_mask_all() once on the BSP before the
// first `sti`; afterwards only LAPIC interrupts arrive.
#pragma once

namespace guest {

// Without this, the PIT's IRQ0 arrives as vector 8 (firmware leaves the PIC
// at base 8 and LINT0 in ExtINT) and looks like a #DF (QEMU-NOTES 5.4).
void pic_mask_all();

}  // namespace guest
