#include "runtime/pci.hpp"

#include "runtime/arch.hpp"

namespace guest {
namespace {

constexpr uint16_t kConfigAddress = 0xCF8, kConfigData = 0xCFC;

uint32_t address(PciAddr a, uint8_t off) {
  return 0x80000000u | (uint32_t{a.bus} << 16) | (uint32_t{a.dev} << 11) | (uint32_t{a.fn} << 8) |
         (off & 0xFCu);
}

}  // namespace

uint32_t pci_read32(PciAddr a, uint8_t off) {
  outl(kConfigAddress, address(a, off));
  return inl(kConfigData);
}

void pci_write32(PciAddr a, uint8_t off, uint32_t v) {
  outl(kConfigAddress, address(a, off));
  outl(kConfigData, v);
}

bool pci_find(uint16_t vendor, uint16_t device, PciAddr& out) {
  const uint32_t want = (uint32_t{device} << 16) | vendor;
  for (uint8_t dev = 0; dev < 32; ++dev) {
    for (uint8_t fn = 0; fn < 8; ++fn) {
      const PciAddr a{0, dev, fn};
      const uint32_t id = pci_read32(a, 0x00);
      if ((id & 0xFFFF) == 0xFFFF) {
        if (fn == 0) break;  // no device here
        continue;
      }
      if (id == want) {
        out = a;
        return true;
      }
      if (fn == 0 && (pci_read32(a, 0x0C) & 0x00800000u) == 0) break;  // single-function
    }
  }
  return false;
}

uint8_t pci_find_cap(PciAddr a, uint8_t id) {
  if ((pci_read32(a, 0x04) & (1u << 20)) == 0) return 0;  // status: no capability list
  uint8_t ptr = static_cast<uint8_t>(pci_read32(a, 0x34) & 0xFC);
  for (int guard = 0; ptr != 0 && guard < 48; ++guard) {
    const uint32_t w = pci_read32(a, ptr);
    if ((w & 0xFF) == id) return ptr;
    ptr = static_cast<uint8_t>((w >> 8) & 0xFC);
  }
  return 0;
}

}  // namespace guest
