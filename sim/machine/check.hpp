// Internal to sim/machine: the one list of "impossible machine" rules, shared
// by the TOML loader (which adds file positions) and the Topology constructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/machine/machine.hpp"

namespace xcallsim::machine::detail {

// The simulator's cpumask width (smp::kMaxCpus, tied there by static_assert):
// Linux allows NR_CPUS up to 8192, but a fixed 1024-bit mask keeps every mask
// operation's cost flat, so configs beyond it are refused at [topology].
inline constexpr int kMaxCpus = 1024;
inline constexpr std::uint32_t kMaxXApicId = 0xFE;  // 0xFF is the xAPIC broadcast id
inline constexpr int kMaxFlatCpus = 8;              // one bit per CPU in an 8-bit LDR
inline constexpr int kMaxXApicClusterCpus = 60;     // 15 clusters x 4 (cluster 15 = broadcast)

// Where a problem is: a table path ("topology"), a key in it (empty: the table
// itself) and, for arrays, element indices.
struct Problem {
  std::string table;
  std::string key;
  std::vector<std::size_t> index;
  std::string message;
  std::string fix;
};

int bits_for(int count);  // ceil(log2(count)); 0 for 1
std::uint32_t apic_id_of(const TopologyConfig& t, int socket, int core_in_socket, int thread);
// Counts, CCX and NUMA rules: checkable before any cost is read.
std::optional<Problem> find_topology_problem(const TopologyConfig& topology);
// Every rule, including the clock and the APIC addressing limits.
std::optional<Problem> find_problem(const MachineConfig& config);

}  // namespace xcallsim::machine::detail
