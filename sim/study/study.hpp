// Contract: model studies run on the simulator, as pure functions of a machine
// config and their parameters (each builds and runs its own Simulations on the
// calling thread; same inputs, same numbers). Two studies:
// - validate_shinjuku(): the composite of Shinjuku (NSDI '19) Table 1, a raw
//   fixed IPI with an empty handler between two cores of one socket, in the
//   four VM-exit configurations, predicted from the machine's primitives plus
//   the VM-exit penalties (CALIBRATION.md P9) given as validation-only
//   overrides; nothing is fitted to the table (docs/validation.md).
// - fanout_sweep(): SYNC smp_xcall_mask from CPU 0 to CPUs 1..n, latency on
//   the caller, for a machine re-addressed in one IPI sending mode
//   (docs/scaling.md).
// Throws std::invalid_argument for parameters the machine cannot take (e.g.
// an xAPIC mode on a machine whose APIC IDs exceed 0xFE, too few CPUs).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/machine/machine.hpp"

namespace xcallsim::study {

using machine::Cycles;

// ---- Shinjuku Table 1 -------------------------------------------------------

// One published row (2x Xeon E5-2658 @ 2.3 GHz, cycles; CALIBRATION.md).
struct PublishedRow {
  std::string_view mechanism;
  bool sender_exit = false;
  bool receiver_exit = false;
  Cycles sender = 0, receiver = 0, total = 0;
};
const std::array<PublishedRow, 4>& shinjuku_table1();

// The VM-exit penalties, entered as primitives (CALIBRATION.md P9), and where
// the sender's exit sits around its real ICR write: the hypervisor takes the
// exit, emulates the write (the message leaves then) and re-enters the guest.
// P9 gives only the sum; sender_before_send is the share before the write.
struct VmExitPenalties {
  Cycles sender = 1780;             // P9 sender
  Cycles receiver = 1450;           // P9 receiver: added to the interrupt entry cost
  double sender_before_send = 0.5;  // assumed: exit and re-entry halves alike
};

struct ValidationRow {
  PublishedRow published;
  // Modelled, in cycles: the sender's cost (start of the send to its return),
  // the receiver's (interrupt acknowledged to handler return, exit included)
  // and the one-way total (start of the send to the receiver's return).
  Cycles sender = 0, receiver = 0, total = 0;
  Cycles send_at = 0;    // start of the send -> the real ICR write
  Cycles delivered = 0;  // start of the send -> IRR set at the receiver
  Cycles overlap = 0;    // sender + receiver - total, when positive
};

// Sender CPU 0, receiver: the first CPU of CPU 0's socket on another core.
// Each row runs `reps` spaced sends and reports the mean (the model is
// deterministic, so the mean equals every sample unless caches change).
std::vector<ValidationRow> validate_shinjuku(const machine::MachineConfig& machine,
                                             const VmExitPenalties& penalties = {}, int reps = 8);

double error_percent(Cycles model, Cycles published);

// The table as aligned text (markdown = a GitHub table).
std::string format_validation(const std::vector<ValidationRow>& rows, bool markdown);

// ---- fan-out scaling --------------------------------------------------------

enum class SendMode : std::uint8_t { XApicPhysical, X2ApicCluster, X2ApicPhysical };
std::string_view to_string(SendMode mode);
// The machine re-addressed in `mode` (costs unchanged), with or without the
// all / all-but-self shorthands. Throws std::invalid_argument if the mode is
// impossible on the machine (xAPIC needs APIC IDs <= 0xFE).
machine::MachineConfig with_send_mode(machine::MachineConfig machine, SendMode mode,
                                      bool shorthand);

struct FanoutPoint {
  int targets = 0;
  Cycles latency = 0;  // issue -> return of the SYNC smp_xcall_mask on CPU 0 (warm, median)
  std::uint64_t icr_writes = 0;  // per call
  Cycles icr_busy = 0;           // per call: CPU 0 spinning on the xAPIC busy bit
};

// One SYNC smp_xcall_mask (empty callback) from CPU 0 to CPUs 1..n for each n
// in `targets` (each 1..cpus-1), the other CPUs idle with IRQs on; one
// Simulation per n, a cold call then `reps` warm ones (median reported).
std::vector<FanoutPoint> fanout_sweep(const machine::MachineConfig& machine,
                                      const std::vector<int>& targets, int reps = 3);

}  // namespace xcallsim::study
