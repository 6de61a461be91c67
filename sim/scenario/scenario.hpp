// Contract: a scenario is a workload: a function table (name -> cycles), a
// seed, and one program per CPU made of ops (xcalls, compute, IRQs-off
// sections, loops). load_scenario() checks the file on its own (syntax, keys,
// types, names); bind() checks it against a machine (CPU ids in range) and
// installs the programs. Every error is a config::ConfigError naming
// file:line:col and the fix. Scenario values are immutable after loading and
// hold no host state, so one Scenario can be bound to many Simulations; a
// bound Scenario must outlive the Simulation's run() (programs read its ops).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/config/config.hpp"
#include "sim/smp/smp.hpp"

namespace xcallsim::scenario {

// A set of CPUs written as "all", "others" (all but the running CPU), "self",
// or a list of ids and ranges ("0-3,8"). Resolved per running CPU.
struct CpuList {
  enum class Base : std::uint8_t { Explicit, All, Others, Self };
  Base base = Base::Explicit;
  std::vector<int> ids;  // Explicit: ascending, unique
  std::string text;      // as written, for messages and summaries
};
// Parses a CPU list; throws std::invalid_argument with a reason.
CpuList parse_cpu_list(std::string_view text);

enum class OpKind : std::uint8_t {
  Compute,       // cycles, or uniform in [min, max] from the scenario seed
  IrqOff,        // body runs with IRQs disabled (local_irq_save/restore)
  Repeat,        // body runs `count` times
  Xcall,         // smp_xcall / smp_xcall_cond (target may be XCALL_ALL)
  XcallMask,     // smp_xcall_mask / smp_xcall_mask_cond
  XcallPrivate,  // smp_xcall_private(target, csd slot)
  XcallAny,      // smp_xcall_any
  Ipi,           // a raw fixed IPI of a scenario vector (not an xcall)
  SetTpr,        // write the task-priority register
};

// Op::target for "self": the CPU running the op (XCALL_ALL is -1).
inline constexpr int kSelfTarget = -2;

struct Op {
  OpKind kind{};
  config::Position where;
  std::uint64_t cycles = 0, min_cycles = 0, max_cycles = 0;
  std::uint64_t count = 0;
  int target = 0;           // Xcall/XcallPrivate; or XCALL_ALL, or kSelfTarget
  CpuList mask;             // XcallMask/XcallAny
  std::uint32_t func = 0;   // index into Scenario::functions
  std::uint32_t flags = 0;  // XCALL_TYPE_*
  std::optional<std::string> cond;
  int slot = 0;             // XcallPrivate csd slot
  std::uint8_t vector = 0;  // Ipi vector / SetTpr value
  std::vector<Op> body;
};

struct CpuProgram {
  CpuList cpus;
  config::Position where;
  std::vector<Op> ops;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source;
  std::uint64_t seed = 1;
  std::optional<smp::Profile> profile;
  std::vector<smp::FuncSpec> functions;
  std::vector<std::pair<std::uint8_t, smp::VectorHandler>> vectors;  // scenario vectors
  std::vector<CpuProgram> programs;
};

Scenario load_scenario(const std::filesystem::path& file);
Scenario parse_scenario(std::string_view toml_text, std::string_view source_name);

// Registers the functions and installs one program per CPU on `sim`.
// Throws ConfigError if an op names a CPU the machine does not have.
void bind(const Scenario& scenario, smp::Simulation& sim);

}  // namespace xcallsim::scenario
