// `xcallsim validate`'s composites (internal to sim/cli).
// Contract: print_composites() runs the sweep specs validation-c3.toml and
// validation-c4.toml in `sweeps` on the calling thread and prints each
// CALIBRATION.md composite, model vs published with the error (markdown if
// asked). Throws config::ConfigError for a bad or missing spec file and
// std::runtime_error for a point that fails.
#pragma once

#include <filesystem>

namespace xcallsim::cli {

void print_composites(const std::filesystem::path& sweeps, bool markdown);

}  // namespace xcallsim::cli
