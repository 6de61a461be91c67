#include "platform/devmodel_ipi.hpp"

#include "devmodel/devmodel.hpp"
#include "runtime/arch.hpp"
#include "runtime/console.hpp"
#include "runtime/exit.hpp"
#include "runtime/idt.hpp"
#include "runtime/lapic.hpp"
#include "runtime/pci.hpp"
#include "runtime/percpu.hpp"
#include "runtime/smp.hpp"
#include "runtime/tsc.hpp"

namespace guest {
namespace {

namespace dm = ::guest::devmodel;

constexpr uint16_t kVendor = 0x1af4, kDevice = 0x1110;  // ivshmem(-doorbell)
constexpr uint8_t kCapMsix = 0x11;
constexpr uint32_t kCmdMemory = 1u << 1, kCmdBusMaster = 1u << 2;
constexpr uint32_t kMsixEnable = 1u << 15, kMsixFunctionMask = 1u << 14;
// BAR0 registers (QEMU-NOTES 4): 32-bit accesses only.
constexpr uint32_t kRegIvPosition = 0x08, kRegDoorbell = 0x0C;
// Where the guest places the BARs (free on pc and q35; QEMU-NOTES 5.5).
constexpr uint64_t kBarWindow = 0xC0000000, kBarWindowEnd = 0xF0000000;
// MSI-X entry k -> IDT vector kMsixVector0 + k on CPU k.
constexpr uint8_t kMsixVector0 = 0x40;
// How many model vectors one MSI-X handler runs before it returns.
constexpr int kMaxVectorsPerSignal = 64;

bool g_enabled;
volatile uint32_t* g_bar0;
dm::Port g_port;
dm::DevmodelCpu g_cpu[kMaxCpus];
uint32_t g_model_apic_id[kMaxCpus];
uint32_t g_model_ldr[kMaxCpus];
bool g_x2apic;

uint64_t now_tsc() {
  return rdtsc();
}
void relax() {
  cpu_pause();
}
void ring_doorbell(void*) {
  g_bar0[kRegDoorbell / 4] = g_port.base != nullptr ? dm::header(g_port)->host_peer_id << 16 : 0;
}

[[noreturn]] void fail(const char* what) {
  panic(ExitCode::Panic, "devmodel: %s", what);
}

// Sizes a memory BAR (and its upper half if 64-bit); 0 if absent or I/O.
uint64_t bar_size(PciAddr a, int bar, bool& is64) {
  const uint8_t off = static_cast<uint8_t>(0x10 + 4 * bar);
  const uint32_t orig = pci_read32(a, off);
  if (orig & 1u) return 0;  // I/O BAR
  is64 = ((orig >> 1) & 3u) == 2u;
  pci_write32(a, off, 0xFFFFFFFFu);
  const uint32_t lo = pci_read32(a, off) & ~0xFu;
  pci_write32(a, off, orig);
  if (lo == 0 && !is64) return 0;  // not implemented
  uint64_t mask = lo;
  if (is64) {
    const uint8_t hi = static_cast<uint8_t>(off + 4);
    const uint32_t orig_hi = pci_read32(a, hi);
    pci_write32(a, hi, 0xFFFFFFFFu);
    mask |= uint64_t{pci_read32(a, hi)} << 32;
    pci_write32(a, hi, orig_hi);
  } else {
    mask |= 0xFFFFFFFF00000000ull;
  }
  return mask == 0xFFFFFFFF00000000ull ? 0 : ~mask + 1;
}

// Places BAR `bar` at the next address of the window aligned to its size.
uint64_t assign_bar(PciAddr a, int bar, uint64_t& next, uint64_t* size_out = nullptr) {
  bool is64 = false;
  const uint64_t size = bar_size(a, bar, is64);
  if (size_out != nullptr) *size_out = size;
  if (size == 0 || (size & (size - 1)) != 0) fail("a BAR of the ivshmem device has no valid size");
  const uint64_t base = (next + size - 1) & ~(size - 1);
  if (base + size > kBarWindowEnd) fail("the ivshmem BARs do not fit below 0xF0000000");
  const uint8_t off = static_cast<uint8_t>(0x10 + 4 * bar);
  pci_write32(a, off, static_cast<uint32_t>(base));
  if (is64) pci_write32(a, static_cast<uint8_t>(off + 4), static_cast<uint32_t>(base >> 32));
  next = base + size;
  return base;
}

void dispatch(dm::DevmodelCpu& cpu, const Frame& frame, int v) {
  const IrqHandler h = irq_handler(static_cast<uint8_t>(v));
  Frame f = frame;
  f.vector = static_cast<uint64_t>(v);
  if (h != nullptr) {
    h(f);
  } else {
    cpu.eoi();
    count_unexpected_irq(f.vector);
  }
}

void on_msix(Frame& frame) {
  lapic_eoi();  // QEMU's LAPIC: a signal raised while we run is taken after iretq
  dm::DevmodelCpu& cpu = g_cpu[this_cpu()];
  // Fast path: the host's view names the vector, no INTA round trip. One
  // vector per signal: serving the posted INTA re-arms the host's signal.
  const int posted = cpu.take_posted();
  if (posted == dm::kTimeout) fail("no room to post an INTA to the device model");
  if (posted != dm::kNoVector) {
    dispatch(cpu, frame, posted);
    return;
  }
  for (int i = 0; i < kMaxVectorsPerSignal; ++i) {
    const int v = cpu.inta();
    if (v == dm::kNoVector) return;
    if (v == dm::kTimeout) fail("no answer from the device model to INTA");
    dispatch(cpu, frame, v);
  }
}

const char* attach_error(dm::AttachStatus s) {
  switch (s) {
    case dm::AttachStatus::Ok:
      return "ok";
    case dm::AttachStatus::BadMagic:
      return "bad magic in the shared memory (not xcallsim's device model?)";
    case dm::AttachStatus::BadVersion:
      return "protocol version mismatch between guest and host";
    case dm::AttachStatus::BadLayout:
      return "the shared-memory layout is inconsistent";
    case dm::AttachStatus::TooFewCpus:
      return "the device model has fewer CPUs than the guest";
    case dm::AttachStatus::NotReady:
      return "the device model is not ready";
  }
  return "?";
}

}  // namespace

bool devmodel_enabled() {
  return g_enabled;
}

void devmodel_init(int cpus) {
  PciAddr pci;
  if (!pci_find(kVendor, kDevice, pci))
    fail("no ivshmem-doorbell PCI device (1af4:1110); launch with --ipi-path devmodel");
  // Decode off while the BARs move; then assign them ourselves (qboot leaves
  // them 0; SeaBIOS's placement is replaced as well, one code path).
  const uint32_t cmd = pci_read32(pci, 0x04);
  pci_write32(pci, 0x04, cmd & ~(kCmdMemory | kCmdBusMaster) & 0xFFFFu);
  uint64_t next = kBarWindow;
  uint64_t shm_size = 0;
  const uint64_t bar2 = assign_bar(pci, 2, next, &shm_size);  // largest first: shared memory
  const uint64_t bar1 = assign_bar(pci, 1, next);             // MSI-X table + PBA
  const uint64_t bar0 = assign_bar(pci, 0, next);             // registers
  // Memory decode and bus master (without it MSI-X writes are dropped).
  pci_write32(pci, 0x04, (cmd & 0xFFFFu & ~0x400u) | kCmdMemory | kCmdBusMaster);

  g_bar0 = reinterpret_cast<volatile uint32_t*>(bar0);
  g_port.base = reinterpret_cast<uint8_t*>(bar2);  // identity-mapped (< 4 GiB)
  g_port.size = shm_size;
  g_port.doorbell = ring_doorbell;
  g_port.now = now_tsc;
  g_port.relax = relax;
  const dm::AttachStatus st = dm::attach(g_port, static_cast<uint32_t>(cpus));
  if (st != dm::AttachStatus::Ok) fail(attach_error(st));

  // MSI-X: Enable with Function Mask, program entry k -> CPU k, unmask.
  const uint8_t cap = pci_find_cap(pci, kCapMsix);
  if (cap == 0) fail("the ivshmem device has no MSI-X capability");
  const uint32_t cap0 = pci_read32(pci, cap);
  const uint32_t table_size = ((cap0 >> 16) & 0x7FFu) + 1;
  if (table_size < static_cast<uint32_t>(cpus)) fail("fewer MSI-X vectors than CPUs");
  const uint32_t table = pci_read32(pci, static_cast<uint8_t>(cap + 4));
  if ((table & 7u) != 1u) fail("the MSI-X table is not in BAR1");
  const uint32_t mc = (cap0 >> 16) | kMsixEnable | kMsixFunctionMask;
  pci_write32(pci, cap, (cap0 & 0xFFFFu) | (mc << 16));
  volatile uint32_t* entry = reinterpret_cast<volatile uint32_t*>(bar1 + (table & ~7u));
  for (int k = 0; k < cpus; ++k) {
    set_irq_handler(static_cast<uint8_t>(kMsixVector0 + k), on_msix);
    volatile uint32_t* e = entry + 4 * k;
    e[0] = 0xFEE00000u | (cpu_apic_id(k) << 12);  // physical destination: CPU k
    e[1] = 0;
    e[2] = static_cast<uint32_t>(kMsixVector0 + k);  // fixed, edge
    e[3] = 0;                                        // unmasked
  }
  pci_write32(pci, cap, (cap0 & 0xFFFFu) | ((mc & ~kMsixFunctionMask) << 16));

  for (int k = 0; k < cpus; ++k) {
    g_cpu[k].init(&g_port, k);
    g_model_apic_id[k] = g_cpu[k].apic_id_of(k);
    g_model_ldr[k] = g_cpu[k].ldr_of(k);
    g_cpu[k].set_ready(cpu_apic_id(k));
  }
  g_x2apic = dm::header(g_port)->apic_mode == ::xcallsim::devmodel::shm::kApicModeX2Apic;
  const uint32_t ivposition = g_bar0[kRegIvPosition / 4];
  g_enabled = true;
  dm::publish_guest_ready(g_port, static_cast<uint32_t>(tsc_khz()), static_cast<uint32_t>(cpus),
                          ivposition);
  kprintf("devmodel: ivshmem at %x:%x.%x, shm %lu KiB at 0x%lx, peer %u, %d MSI-X vectors\n",
          pci.bus, pci.dev, pci.fn, shm_size >> 10, bar2, ivposition, cpus);
}

void devmodel_send(uint32_t lo, uint32_t hi) {
  const uint64_t flags = irq_save();
  const bool ok = g_cpu[this_cpu()].icr_write(lo, hi);
  irq_restore(flags);
  if (!ok) fail("the device model did not take an ICR write (timeout)");
}

void devmodel_wait_icr_idle() {
  const dm::DevmodelCpu& cpu = g_cpu[this_cpu()];
  for (uint64_t i = 0; cpu.icr_busy(); ++i) {
    if (i >= g_port.spin_limit) fail("the device model did not acknowledge an ICR write (timeout)");
    cpu_pause();
  }
}

void devmodel_eoi() {
  const uint64_t flags = irq_save();
  const bool ok = g_cpu[this_cpu()].eoi();
  irq_restore(flags);
  if (!ok) fail("the device model did not take an EOI (timeout)");
}

uint32_t devmodel_apic_id(int cpu) {
  return g_model_apic_id[cpu];
}

bool devmodel_x2apic() {
  return g_enabled && g_x2apic;
}

uint32_t devmodel_logical_id(int cpu) {
  return g_model_ldr[cpu];
}

}  // namespace guest
