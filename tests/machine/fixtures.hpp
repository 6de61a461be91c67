// Shared machine-test helpers: a small valid config and text surgery on it.
#pragma once

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"

namespace xcallsim::machine::testing {

// Line numbers matter: error tests assert exact positions in this text.
inline constexpr std::string_view kBaseToml = R"(name = "test box"
[clock]
ghz = 2.0
[topology]
sockets = 2
cores_per_socket = 4
threads_per_core = 2
[apic]
mode = "xapic"
dest_mode = "physical"
shorthand = true
[apic.cost]
icr_write = 300
entry = 400
exit = 100
eoi = 50
[apic.cost.delivery]
self = 100
smt = 600
socket = 500
cross_socket = 900
[cache]
memory = 200
[cache.transfer]
self = 4
smt = 17
socket = 100
cross_socket = 270
)";

// kBaseToml with the first `from` replaced by `to` (which may add lines).
inline std::string with(std::string_view from, std::string_view to,
                        std::string text = std::string(kBaseToml)) {
  const auto at = text.find(from);
  if (at == std::string::npos)
    throw std::logic_error("fixture text not found: " + std::string(from));
  text.replace(at, from.size(), to);
  return text;
}

inline config::ConfigError config_error_of(const std::string& text) {
  try {
    parse_machine_config(text, "m.toml");
  } catch (const config::ConfigError& error) {
    return error;
  }
  FAIL("expected a ConfigError for:\n" << text);
  throw std::logic_error("unreachable");
}

// A programmatic config with the given shape and simple costs.
inline MachineConfig shape(int sockets, int cores, int threads, int cores_per_ccx = 0,
                           ApicMode mode = ApicMode::X2Apic) {
  MachineConfig m;
  m.name = "shape";
  m.topology = {sockets, cores, threads, cores_per_ccx, {}};
  m.apic.mode = mode;
  m.cache.transfer = {1, 10, 40, 100, 300};  // Self, Smt, Ccx, Socket, Cross
  m.cache.memory = 200;
  return m;
}

}  // namespace xcallsim::machine::testing
