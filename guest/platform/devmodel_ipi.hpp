// The guest's IPI path through xcallsim's device model (--ipi-path
// devmodel, docs/devmodel-protocol.md): the ivshmem-doorbell PCI device
// 1af4:1110 set up by the guest itself (qboot assigns no BARs; QEMU-NOTES
// 5.5), its MSI-X vector k programmed to CPU k, and one
// guest::devmodel::DevmodelCpu per CPU (guest/devmodel/devmodel.hpp).
// Contract: devmodel_init() runs once on the BSP after smp_boot() and before
// any xcall (IRQs off); it panics (ExitCode::Panic) with the reason if the
// device or the host is not usable. Afterwards, on any CPU:
// - devmodel_send() is the one ICR writer of the xcall path: it posts the
//   ICR write to the model (IRQs off around it) and rings the doorbell;
// - devmodel_wait_icr_idle() waits until the model acknowledged this CPU's
//   last ICR write (every message delivered: docs/devmodel-protocol.md section 5);
// - devmodel_eoi() EOIs the model's in-service vector (the 0xfb/0xfc
//   handlers call it first, SEM-33);
// - the MSI-X handler EOIs QEMU's LAPIC, takes the vector the model's view
//   names (a posted INTA) or asks the model for it (INTA), and runs that
//   vector's IDT handler.
// ICR destinations are the *modelled* APIC ids (devmodel_apic_id()); when the
// model is an x2APIC (launch --model-apic x2apic), the guest sends in x2APIC
// cluster mode to the modelled logical ids (devmodel_logical_id()).
#pragma once

#include <stdint.h>

namespace guest {

bool devmodel_enabled();
void devmodel_init(int cpus);
void devmodel_send(uint32_t lo, uint32_t hi);
void devmodel_wait_icr_idle();
void devmodel_eoi();
uint32_t devmodel_apic_id(int cpu);
bool devmodel_x2apic();  // the model's Header::apic_mode
uint32_t devmodel_logical_id(int cpu);

}  // namespace guest
