#include "runtime/acpi.hpp"

#include "runtime/console.hpp"

namespace guest {
namespace {

struct [[gnu::packed]] Rsdp {
  char signature[8];
  uint8_t checksum;
  char oem[6];
  uint8_t revision;
  uint32_t rsdt;
  uint32_t length;  // revision >= 2
  uint64_t xsdt;
};

struct [[gnu::packed]] SdtHeader {
  char signature[4];
  uint32_t length;
  uint8_t revision, checksum;
  char oem[6], oem_table[8];
  uint32_t oem_rev, creator, creator_rev;
};

const uint8_t* phys(uint64_t addr) {
  return reinterpret_cast<const uint8_t*>(addr);
}

bool sum_ok(const uint8_t* p, uint32_t len) {
  uint8_t s = 0;
  for (uint32_t i = 0; i < len; ++i) s = static_cast<uint8_t>(s + p[i]);
  return s == 0;
}

bool sig_is(const char* have, const char* want, int n) {
  for (int i = 0; i < n; ++i)
    if (have[i] != want[i]) return false;
  return true;
}

const Rsdp* rsdp_at(uint64_t addr) {
  const auto* r = reinterpret_cast<const Rsdp*>(phys(addr));
  return sig_is(r->signature, "RSD PTR ", 8) && sum_ok(phys(addr), 20) ? r : nullptr;
}

const Rsdp* scan(uint64_t from, uint64_t to) {
  for (uint64_t a = from; a + sizeof(Rsdp) <= to; a += 16)
    if (const Rsdp* r = rsdp_at(a)) return r;
  return nullptr;
}

const Rsdp* find_rsdp(uint64_t hint) {
  if (hint != 0 && hint < (uint64_t{1} << 32))
    if (const Rsdp* r = rsdp_at(hint)) return r;
  const uint64_t ebda = uint64_t{*reinterpret_cast<const volatile uint16_t*>(0x40E)} << 4;
  if (ebda >= 0x80000 && ebda < 0xA0000)
    if (const Rsdp* r = scan(ebda, ebda + 1024)) return r;
  return scan(0xE0000, 0x100000);
}

const SdtHeader* table_at(uint64_t addr) {
  if (addr == 0 || addr >= (uint64_t{1} << 32)) return nullptr;
  const auto* h = reinterpret_cast<const SdtHeader*>(phys(addr));
  if (h->length < sizeof(SdtHeader) || h->length > (1u << 20)) return nullptr;
  return sum_ok(phys(addr), h->length) ? h : nullptr;
}

// Iterate the RSDT (32-bit entries) or XSDT (64-bit) for `sig`.
const SdtHeader* find_table(const Rsdp& rsdp, const char* sig) {
  const bool x = rsdp.revision >= 2 && rsdp.xsdt != 0;
  const SdtHeader* root = table_at(x ? rsdp.xsdt : rsdp.rsdt);
  if (root == nullptr) return nullptr;
  const uint32_t entry = x ? 8 : 4;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(root) + sizeof(SdtHeader);
  const uint32_t n = (root->length - sizeof(SdtHeader)) / entry;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t addr = 0;
    for (uint32_t b = 0; b < entry; ++b) addr |= uint64_t{p[i * entry + b]} << (8 * b);
    const SdtHeader* t = table_at(addr);
    if (t != nullptr && sig_is(t->signature, sig, 4)) return t;
  }
  return nullptr;
}

}  // namespace

bool acpi_find_cpus(uint64_t rsdp_hint, CpuList& out) {
  out.count = 0;
  const Rsdp* rsdp = find_rsdp(rsdp_hint);
  if (rsdp == nullptr) {
    kprintf("acpi: no RSDP found\n");
    return false;
  }
  const SdtHeader* madt = find_table(*rsdp, "APIC");
  if (madt == nullptr) {
    kprintf("acpi: no valid MADT\n");
    return false;
  }
  // MADT: header, local APIC address (4), flags (4), then type/length entries.
  const uint8_t* p = reinterpret_cast<const uint8_t*>(madt) + sizeof(SdtHeader) + 8;
  const uint8_t* end = reinterpret_cast<const uint8_t*>(madt) + madt->length;
  while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
    // Type 0: processor local APIC (uid, apic id, flags; bit 0 = enabled).
    if (p[0] == 0 && p[1] >= 8 && (p[4] & 1) != 0 && out.count < 256)
      out.apic_id[out.count++] = p[3];
    p += p[1];
  }
  return out.count > 0;
}

}  // namespace guest
