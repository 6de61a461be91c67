// PCI configuration space through the legacy 0xCF8/0xCFC mechanism (bus 0
// is enough for the machines `launch` builds: pc and q35 with -nodefaults).
// Contract: 32-bit, dword-aligned accesses only (callers merge 16-bit
// fields themselves); not thread-safe (the BSP uses it during bring-up).
#pragma once

#include <stdint.h>

namespace guest {

struct PciAddr {
  uint8_t bus = 0, dev = 0, fn = 0;
};

uint32_t pci_read32(PciAddr a, uint8_t off);
void pci_write32(PciAddr a, uint8_t off, uint32_t v);
// The first function on bus 0 with this vendor:device id.
bool pci_find(uint16_t vendor, uint16_t device, PciAddr& out);
// Offset of capability `id` in the capability list, 0 if absent.
uint8_t pci_find_cap(PciAddr a, uint8_t id);

}  // namespace guest
