// ACPI: find the MADT and list the enabled local APICs. APIC IDs are not
// assumed to be 0..n-1 (e.g. -smp 4,sockets=2,cores=3 gives 0,1,2,4).
// Contract: read-only walk of firmware tables below 4 GiB (identity
// mapped); every table's checksum and length is checked before use.
// `rsdp_hint` is the PVH start_info rsdp_paddr (0: search EBDA and BIOS ROM).
#pragma once

#include <stdint.h>

namespace guest {

struct CpuList {
  int count;
  uint32_t apic_id[256];
};

// False (with a console message) if no valid RSDP/MADT was found.
bool acpi_find_cpus(uint64_t rsdp_hint, CpuList& out);

}  // namespace guest
