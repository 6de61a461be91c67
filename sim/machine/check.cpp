// The impossible-machine rules (see check.hpp).
#include "sim/machine/check.hpp"

#include <cmath>

#include <fmt/format.h>

namespace xcallsim::machine::detail {

int bits_for(int count) {
  int bits = 0;
  while ((1 << bits) < count) ++bits;
  return bits;
}

std::uint32_t apic_id_of(const TopologyConfig& t, int socket, int core_in_socket, int thread) {
  const int thread_bits = bits_for(t.threads_per_core);
  const int core_bits = bits_for(t.cores_per_socket);
  return (static_cast<std::uint32_t>(socket) << (core_bits + thread_bits)) |
         (static_cast<std::uint32_t>(core_in_socket) << thread_bits) |
         static_cast<std::uint32_t>(thread);
}

namespace {

std::optional<Problem> count_problem(const TopologyConfig& t) {
  const std::pair<const char*, int> counts[] = {{"sockets", t.sockets},
                                                {"cores_per_socket", t.cores_per_socket},
                                                {"threads_per_core", t.threads_per_core}};
  for (const auto& [key, value] : counts) {
    if (value < 1) {
      return Problem{"topology",
                     key,
                     {},
                     fmt::format("`topology.{}` = {} is not a count", key, value),
                     "use a positive integer"};
    }
  }
  const long long cpus = 1LL * t.sockets * t.cores_per_socket * t.threads_per_core;
  if (cpus > kMaxCpus) {
    return Problem{"topology",
                   "",
                   {},
                   fmt::format("the topology has {} logical CPUs, more than the simulator's {}",
                               cpus, kMaxCpus),
                   "reduce sockets, cores_per_socket or threads_per_core"};
  }
  if (t.cores_per_ccx < 0 || (t.cores_per_ccx > 0 && t.cores_per_socket % t.cores_per_ccx != 0)) {
    return Problem{
        "topology",
        "cores_per_ccx",
        {},
        fmt::format("`topology.cores_per_ccx` = {} does not divide cores_per_socket = {}",
                    t.cores_per_ccx, t.cores_per_socket),
        "use a divisor of cores_per_socket, or remove the key for no CCX level"};
  }
  return std::nullopt;
}

std::optional<Problem> numa_problem(const TopologyConfig& t) {
  const auto& m = t.numa_distance;
  if (m.empty()) return std::nullopt;
  const auto n = static_cast<std::size_t>(t.sockets);
  const char* const key = "numa_distance";
  if (m.size() != n) {
    return Problem{
        "topology",
        key,
        {},
        fmt::format("`topology.numa_distance` has {} rows, needs one per socket ({})", m.size(), n),
        fmt::format("write a {0} x {0} matrix", n)};
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (m[i].size() != n) {
      return Problem{
          "topology",
          key,
          {i},
          fmt::format("`topology.numa_distance[{}]` has {} entries, needs {}", i, m[i].size(), n),
          fmt::format("give each row {} distances, one per socket", n)};
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const int d = m[i][j];
      const std::string at = fmt::format("`topology.numa_distance[{}][{}]` = {}", i, j, d);
      if (i == j && d != 10) {
        return Problem{"topology",
                       key,
                       {i, j},
                       at + " but a node's distance to itself is 10",
                       "set the diagonal to 10 (ACPI SLIT local distance)"};
      }
      if (i != j && (d <= 10 || d > 255)) {
        return Problem{"topology",
                       key,
                       {i, j},
                       at + " is not a remote distance",
                       "use 11..255 off the diagonal (ACPI SLIT; 10 means local)"};
      }
      if (j < i && d != m[j][i]) {
        return Problem{
            "topology",
            key,
            {i, j},
            fmt::format("{} but [{}][{}] = {}: the matrix must be symmetric", at, j, i, m[j][i]),
            fmt::format("set both to the same distance")};
      }
    }
  }
  return std::nullopt;
}

std::optional<Problem> apic_problem(const MachineConfig& config) {
  const TopologyConfig& t = config.topology;
  const ApicConfig& apic = config.apic;
  const int cpus = t.sockets * t.cores_per_socket * t.threads_per_core;
  const std::uint32_t max_id =
      apic_id_of(t, t.sockets - 1, t.cores_per_socket - 1, t.threads_per_core - 1);
  if (apic.mode == ApicMode::XApic && max_id > kMaxXApicId) {
    return Problem{
        "apic",
        "mode",
        {},
        fmt::format("xAPIC IDs are 8 bits but this topology needs APIC ID {:#x}", max_id),
        "set `mode = \"x2apic\"` (IDs above 0xFE need x2APIC)"};
  }
  if (apic.dest_mode == IpiDestMode::LogicalFlat && apic.mode == ApicMode::X2Apic) {
    return Problem{"apic",
                   "dest_mode",
                   {},
                   "x2APIC has no flat logical mode (SDM 10.12.10.2)",
                   "use `dest_mode = \"cluster\"` or \"physical\""};
  }
  if (apic.dest_mode == IpiDestMode::LogicalFlat && cpus > kMaxFlatCpus) {
    return Problem{"apic",
                   "dest_mode",
                   {},
                   fmt::format("flat logical mode addresses at most {} CPUs, the topology has {}",
                               kMaxFlatCpus, cpus),
                   "use `dest_mode = \"cluster\"` or \"physical\""};
  }
  if (apic.dest_mode == IpiDestMode::LogicalCluster && apic.mode == ApicMode::XApic &&
      cpus > kMaxXApicClusterCpus) {
    return Problem{"apic",
                   "dest_mode",
                   {},
                   fmt::format("xAPIC cluster mode addresses at most {} CPUs (15 clusters x 4), "
                               "the topology has {}",
                               kMaxXApicClusterCpus, cpus),
                   "use `dest_mode = \"physical\"`, or `mode = \"x2apic\"`"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Problem> find_topology_problem(const TopologyConfig& topology) {
  if (auto problem = count_problem(topology)) return problem;
  return numa_problem(topology);
}

std::optional<Problem> find_problem(const MachineConfig& config) {
  if (!(config.ghz > 0 && std::isfinite(config.ghz))) {
    return Problem{"clock",
                   "ghz",
                   {},
                   fmt::format("`clock.ghz` = {} is not a clock rate", config.ghz),
                   "use a positive frequency in GHz, e.g. 2.3"};
  }
  if (auto problem = find_topology_problem(config.topology)) return problem;
  return apic_problem(config);
}

}  // namespace xcallsim::machine::detail
