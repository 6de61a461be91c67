// Contract: model studies run on the simulator, as pure functions of a machine
// config and their parameters (each builds and runs its own Simulations on the
// calling thread; same inputs, same numbers). Two studies:
// - measure_shinjuku(): one row of Shinjuku (NSDI '19) Table 1, a raw fixed
//   IPI with an empty handler between two cores of one socket, run from a
//   scenario file on the preset of the row's VM-exit configuration (every
//   cost lives in the preset; nothing is fitted to the table,
//   docs/validation.md).
// - fanout_sweep(): SYNC smp_xcall_mask from CPU 0 to CPUs 1..n, latency on
//   the caller, for a machine re-addressed in one IPI sending mode
//   (docs/scaling.md).
// Throws std::invalid_argument for parameters the machine cannot take (e.g.
// an xAPIC mode on a machine whose APIC IDs exceed 0xFE, too few CPUs).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/machine/machine.hpp"

namespace xcallsim::study {

using machine::Cycles;

// ---- Shinjuku Table 1 -------------------------------------------------------

// One published row (2x Xeon E5-2658 @ 2.3 GHz, cycles; CALIBRATION.md),
// and the machine preset that models its configuration
// (configs/machines/, relative to the presets folder).
struct PublishedRow {
  std::string_view mechanism;
  std::string_view preset;
  Cycles sender = 0, receiver = 0, total = 0;
};
const std::array<PublishedRow, 4>& shinjuku_table1();

struct ValidationRow {
  PublishedRow published;
  // Modelled, in cycles, from the run's trace: the sender's cost (start of
  // the send to its return), the receiver's (interrupt acknowledged to
  // handler return, exits included) and the one-way total (start of the
  // send to the receiver's return).
  Cycles sender = 0, receiver = 0, total = 0;
  Cycles send_at = 0;    // start of the send -> the (real or emulated) ICR write
  Cycles delivered = 0;  // start of the send -> IRR set at the receiver
  Cycles overlap = 0;    // sender + receiver - total, when positive
  Cycles vm_exits = 0;   // guest-visible exit cycles per send, both sides
};

// Runs `scenario` (a raw fixed IPI between two CPUs, spaced sends: see
// configs/scenarios/validation/shinjuku-table1.toml) on `machine` and
// measures one row from the trace, as the mean over the sends. Throws
// std::invalid_argument if the scenario sends no raw IPI, std::runtime_error
// if the run does not complete or loses an interrupt.
ValidationRow measure_shinjuku(const PublishedRow& published, const machine::MachineConfig& machine,
                               const std::filesystem::path& scenario);

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
