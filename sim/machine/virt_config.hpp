// Internal to sim/machine: the [virtualization] table's reader.
#pragma once

#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"

namespace xcallsim::machine::detail {

// Throws config::ConfigError at the offending key with the fix.
VirtConfig read_virtualization(config::Table table, ApicMode mode);  // mode: the guest's [apic]

}  // namespace xcallsim::machine::detail
