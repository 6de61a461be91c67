// Topology: placement, APIC IDs (firmware-style bit fields) and distances.
#include <stdexcept>

#include "sim/machine/check.hpp"
#include "sim/machine/machine.hpp"

namespace xcallsim::machine {

std::string_view to_string(Distance d) {
  switch (d) {
    case Distance::Self:
      return "self";
    case Distance::SmtSibling:
      return "smt";
    case Distance::SameCcx:
      return "ccx";
    case Distance::SameSocket:
      return "socket";
    case Distance::CrossSocket:
      return "cross_socket";
  }
  return "?";
}

namespace {

std::vector<std::vector<int>> default_numa_distance(int sockets) {
  // Linux's LOCAL_DISTANCE / REMOTE_DISTANCE when firmware gives no SLIT.
  std::vector<std::vector<int>> m(static_cast<std::size_t>(sockets));
  for (int a = 0; a < sockets; ++a) {
    for (int b = 0; b < sockets; ++b) m[static_cast<std::size_t>(a)].push_back(a == b ? 10 : 20);
  }
  return m;
}

}  // namespace

Topology::Topology(const MachineConfig& config) : apic_mode_(config.apic.mode) {
  if (auto problem = detail::find_problem(config)) {
    throw std::invalid_argument(problem->message + "; fix: " + problem->fix);
  }
  const TopologyConfig& t = config.topology;
  has_ccx_level_ = t.cores_per_ccx > 0;
  const int cores_per_ccx = has_ccx_level_ ? t.cores_per_ccx : t.cores_per_socket;
  const int ccx_per_socket = t.cores_per_socket / cores_per_ccx;
  const int cores = t.sockets * t.cores_per_socket;
  const auto cpus = static_cast<std::size_t>(cores * t.threads_per_core);

  places_.reserve(cpus);
  apic_ids_.reserve(cpus);
  // Linux enumerates thread 0 of every core first, then the siblings.
  for (int thread = 0; thread < t.threads_per_core; ++thread) {
    for (int core = 0; core < cores; ++core) {
      const int socket = core / t.cores_per_socket;
      const int core_in_socket = core % t.cores_per_socket;
      const int ccx = socket * ccx_per_socket + core_in_socket / cores_per_ccx;
      places_.push_back(CpuPlace{socket, ccx, core, thread, socket});
      apic_ids_.push_back(detail::apic_id_of(t, socket, core_in_socket, thread));
    }
  }
  const std::uint32_t max_id =
      detail::apic_id_of(t, t.sockets - 1, t.cores_per_socket - 1, t.threads_per_core - 1);
  cpu_by_apic_id_.assign(std::size_t{max_id} + 1, -1);
  for (std::size_t cpu = 0; cpu < cpus; ++cpu)
    cpu_by_apic_id_[apic_ids_[cpu]] = static_cast<int>(cpu);

  numa_distance_ = t.numa_distance.empty() ? default_numa_distance(t.sockets) : t.numa_distance;
}

std::uint32_t Topology::x2apic_logical_id(int cpu) const {
  const std::uint32_t id = apic_id(cpu);
  return ((id >> 4) << 16) | (1U << (id & 0xF));
}

std::optional<int> Topology::cpu_of_apic_id(std::uint32_t apic_id) const {
  if (apic_id >= cpu_by_apic_id_.size()) return std::nullopt;
  const int cpu = cpu_by_apic_id_[apic_id];
  if (cpu < 0) return std::nullopt;
  return cpu;
}

Distance Topology::distance(int a, int b) const {
  if (a == b) return Distance::Self;
  const CpuPlace& pa = place(a);
  const CpuPlace& pb = place(b);
  if (pa.core == pb.core) return Distance::SmtSibling;
  if (has_ccx_level_ && pa.ccx == pb.ccx) return Distance::SameCcx;
  if (pa.socket == pb.socket) return Distance::SameSocket;
  return Distance::CrossSocket;
}

int Topology::node_count() const {
  return static_cast<int>(numa_distance_.size());
}

int Topology::numa_distance(int node_a, int node_b) const {
  return numa_distance_.at(static_cast<std::size_t>(node_a)).at(static_cast<std::size_t>(node_b));
}

}  // namespace xcallsim::machine
