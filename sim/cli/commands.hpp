// Contract: one function per xcallsim subcommand. Each registers its options
// on the CLI11 app and returns the callback's exit status through `status`:
// 0 success, 1 a replayed trace violates an invariant, 2 bad input (config, scenario, trace,
// usage), 3 the simulated run failed (stuck call), 4 internal error.
#pragma once

#include <CLI/CLI.hpp>

namespace xcallsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolations = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitRunFailed = 3;
inline constexpr int kExitInternal = 4;

void add_run_command(CLI::App& app, int& status);
void add_trace_commands(CLI::App& app, int& status);  // replay, export, import-ftrace
void add_validate_command(CLI::App& app, int& status);
void add_scaling_command(CLI::App& app, int& status);
void add_sweep_command(CLI::App& app, int& status);   // grids of simulations
void add_launch_command(CLI::App& app, int& status);  // the guest under QEMU

}  // namespace xcallsim::cli
