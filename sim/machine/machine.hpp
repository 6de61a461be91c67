// Contract: the simulated machine's static description: bare metal, or a
// KVM guest (VirtConfig). A MachineConfig is parsed once from TOML, laid over
// its `base` preset and any sweep overrides (errors -> config::ConfigError
// with file:line:col);
// Topology is immutable after construction and answers placement, APIC-id and
// distance queries in O(1). Logical CPU numbering is Linux-like: first the
// thread-0 of every core (socket-major), then the thread-1 siblings, etc.
// APIC IDs follow x86 firmware: socket | core | thread bit fields, each
// ceil(log2(count)) bits wide, so IDs have holes when counts aren't powers of 2.
// CacheModel is the only mutable piece; it is single-threaded, borrows the
// Topology (which must outlive it), and its state depends only on the order of
// calls, never on host addresses.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcallsim::machine {

using Cycles = std::uint64_t;

// How far apart two logical CPUs are; indexes every per-distance cost table.
enum class Distance : std::uint8_t { Self, SmtSibling, SameCcx, SameSocket, CrossSocket };
inline constexpr int kDistanceCount = 5;
std::string_view to_string(Distance d);

enum class ApicMode : std::uint8_t { XApic, X2Apic };
// How the OS addresses multi-CPU IPIs (x86 sending policy, SEMANTICS 41/44/45).
enum class IpiDestMode : std::uint8_t { Physical, LogicalFlat, LogicalCluster };

struct TopologyConfig {
  int sockets = 1;
  int cores_per_socket = 1;
  int threads_per_core = 1;
  // 0: no CCX level (Intel-style: the LLC spans the socket); place().ccx is
  // then the socket and same-socket pairs are SameSocket, never SameCcx.
  int cores_per_ccx = 0;
  // NUMA node == socket; numa_distance[a][b] as in ACPI SLIT (10 = local).
  std::vector<std::vector<int>> numa_distance;
};

struct ApicCosts {
  Cycles icr_write = 0;                           // sender cost of one ICR write
  std::array<Cycles, kDistanceCount> delivery{};  // ICR write -> IRR set at target
  Cycles entry = 0;                               // dispatch -> first handler instruction
  Cycles exit = 0;                                // handler return (iret) cost
  Cycles eoi = 0;                                 // EOI register write
};

struct ApicConfig {
  ApicMode mode = ApicMode::XApic;
  IpiDestMode dest_mode = IpiDestMode::Physical;
  bool use_shorthand = true;  // Linux apic_use_ipi_shorthand (SEMANTICS 36-37)
  ApicCosts costs;
};

struct CacheCosts {
  // Latency to obtain a line held elsewhere, by distance to the nearest holder;
  // [Self] is the hit latency.
  std::array<Cycles, kDistanceCount> transfer{};
  Cycles memory = 0;  // line held by nobody
  // The core's x86-TSO store buffer (docs/architecture.md "Memory model"):
  // entries a CPU may have in flight; 0 = none, every store waits for its line.
  int store_buffer = 0;
  // Outstanding L1 misses a core can overlap (fill buffers / miss address
  // buffers); bounds the RFOs of buffered stores in flight. 0 with no store buffer.
  int fill_buffers = 0;
};

// A KVM guest (docs/config-reference.md "[virtualization]"): the CPUs are
// vCPUs pinned 1:1 to the host CPUs the topology describes; these say which
// of an xcall's APIC accesses leave the guest and what each exit costs.
enum class CpuVendor : std::uint8_t { Intel, Amd };
enum class HaltMode : std::uint8_t {
  Exit,
  Guest
};  // HLT exits (KVM's default) or stays in the guest

struct VirtCosts {
  Cycles accelerated_icr_write = 0;  // IPIv / AVIC: the sender's cost of a virtualized ICR write
  Cycles icr_exit = 0;               // a trapped ICR write (MSR or MMIO): exit + emulation + entry
  Cycles icr_exit_write_at = 0;      // cycles into that exit at which KVM delivers the first target
  Cycles icr_fastpath_exit = 0;      // the same through KVM's x2APIC single-target fastpath
  Cycles hypercall_exit = 0;         // KVM_HC_SEND_IPI (PV send-IPI), one bitmap
  Cycles per_target = 0;             // inside an exit: each destination vCPU after the first
  Cycles receiver_exit = 0;  // without posted interrupts: external-interrupt exit + injection
  Cycles eoi_exit = 0;       // without virtual-interrupt delivery: the EOI write traps
  Cycles wakeup = 0;         // a halted vCPU asleep in the host: wake-up + VM entry
  Cycles poll_wakeup = 0;    // a halted vCPU still halt-polling: VM entry only
  Cycles avic_incomplete_exit = 0;  // AVIC: the sender exits when a target is not running
};

struct VirtConfig {
  CpuVendor vendor = CpuVendor::Intel;
  bool apicv = false;  // Intel: posted interrupts + virtual-interrupt delivery
  bool ipiv = false;   // Intel (Sapphire Rapids+): unicast ICR writes do not exit
  bool avic = false;   // AMD: posted (doorbell) delivery, virtual EOI, ICR writes
  // KVM 5.16+ clears AVIC's IsRunning only when a halted vCPU stops polling
  // and blocks; before, on entering the halt (polling counted as not running).
  bool avic_running_while_polling = true;
  bool pv_send_ipi = false;      // KVM_FEATURE_PV_SEND_IPI: send_IPI_mask is a hypercall
  int pv_ipi_bitmap_bits = 128;  // KVM_IPI_CLUSTER_SIZE: 2 x BITS_PER_LONG (64-bit guest)
  bool x2apic_fastpath = false;  // handle_fastpath_set_msr_irqoff (KVM 5.8+)
  bool icr_passthrough = false;  // the guest owns the APIC (Dune/Shinjuku): ICR writes never exit
  HaltMode halt = HaltMode::Exit;
  Cycles halt_poll = 0;  // cycles a halted vCPU polls in the host before sleeping (halt_poll_ns)
  VirtCosts costs;
  bool posted_interrupts() const { return apicv || avic; }
  bool virtual_eoi() const { return apicv || avic; }
};

struct MachineConfig {
  std::string name;
  std::string source;  // file the config came from (for messages)
  double ghz = 1.0;    // core clock: cycles per ns
  TopologyConfig topology;
  ApicConfig apic;
  CacheCosts cache;
  std::optional<VirtConfig> virt;  // set: a KVM guest
  // Keys a sweep may set per point (`overridable = [...]`, dotted paths).
  std::vector<std::string> overridable;
};

// One key of a machine config set from outside (a sweep's [[vary]]): the
// dotted key and its value as TOML text ("14", "true", "\"x2apic\"").
struct Override {
  std::string key;
  std::string value;
};

// Throws config::ConfigError naming file:line:col and the fix.
// Schema and defaults: docs/config-reference.md.
MachineConfig load_machine_config(const std::filesystem::path& file);
MachineConfig parse_machine_config(std::string_view toml_text, std::string_view source_name);
// The file with `overrides` laid over it (after its `base` chain). Every key
// must be in the config's `overridable` list (ConfigError naming the key
// and the file otherwise); the result is checked like any config.
MachineConfig load_machine_config(const std::filesystem::path& file,
                                  const std::vector<Override>& overrides);

struct CpuPlace {
  int socket = 0;
  int ccx = 0;   // global CCX index
  int core = 0;  // global physical core index
  int thread = 0;
  int node = 0;
};

class Topology {
 public:
  // Throws std::invalid_argument for an impossible topology (the loader reports
  // the same problems with file positions first).
  explicit Topology(const MachineConfig& config);

  int cpu_count() const { return static_cast<int>(places_.size()); }
  const CpuPlace& place(int cpu) const { return places_[static_cast<std::size_t>(cpu)]; }
  ApicMode apic_mode() const { return apic_mode_; }
  std::uint32_t apic_id(int cpu) const { return apic_ids_[static_cast<std::size_t>(cpu)]; }
  // x2APIC logical id: (id[19:4] << 16) | 1 << id[3:0] (SDM 10.12.10).
  std::uint32_t x2apic_logical_id(int cpu) const;
  std::optional<int> cpu_of_apic_id(std::uint32_t apic_id) const;
  std::uint32_t max_apic_id() const {
    return static_cast<std::uint32_t>(cpu_by_apic_id_.size() - 1);
  }
  Distance distance(int a, int b) const;
  int node(int cpu) const { return place(cpu).node; }
  int node_count() const;
  int numa_distance(int node_a, int node_b) const;

 private:
  ApicMode apic_mode_;
  std::vector<CpuPlace> places_;
  std::vector<std::uint32_t> apic_ids_;
  std::vector<int> cpu_by_apic_id_;  // dense reverse map, -1 = none
  std::vector<std::vector<int>> numa_distance_;
  bool has_ccx_level_ = false;
};

enum class Access : std::uint8_t { Read, Write, Atomic };
using LineId = std::uint32_t;  // dense small integers chosen by the caller

// Per-line owner/sharers with a "busy until" time so transfers serialize.
class CacheModel {
 public:
  static constexpr LineId kMaxLines = LineId{1} << 24;  // guards against stray ids

  CacheModel(const Topology& topology, const CacheCosts& costs);
  // CPU `cpu` accesses `line` at time `now`; returns the completion time.
  // Requests that need the line's owner queue behind one another at the line
  // (served in order, each after the previous completes):
  // Read: hit if held; else from the nearest holder, which if it held the line
  //   exclusively is downgraded first (queued); the line becomes shared.
  // Write/Atomic: hit if held exclusively; else invalidates every holder
  //   (queued) and the line becomes exclusive to `cpu`. The invalidations
  //   land when the RFO completes: until then the old holders still hit on
  //   reads (they see the old value, as on hardware).
  // Throws std::out_of_range for a bad cpu or line >= kMaxLines.
  struct Served {
    Cycles start;  // the request is served (a load's value binds here)
    Cycles done;   // the data is at the requester
  };
  Served serve(int cpu, LineId line, Access kind, Cycles now);
  Cycles access(int cpu, LineId line, Access kind, Cycles now) {
    return serve(cpu, line, kind, now).done;
  }
  // Whether an access at `now` would hit (no state changes).
  bool hits(int cpu, LineId line, Access kind, Cycles now) const;

  std::uint64_t transfers() const { return transfers_; }            // misses: cache or memory
  std::uint64_t memory_fetches() const { return memory_fetches_; }  // misses nobody held
  std::uint64_t hits() const { return hits_; }
  // Holders of `line`, ascending CPU numbers (empty if never touched).
  std::vector<int> holders(LineId line) const;

 private:
  struct Line {
    std::vector<std::uint16_t> holders;  // sorted; sparse because CPUs can be 1000s
    Cycles ready_at = 0;                 // completion of the last queued (owner) request
    bool exclusive = false;              // the one holder may have written it (M/E)
    std::vector<std::uint16_t> leaving;  // invalidated by the RFO completing at ready_at
  };
  static bool leaving(const Line& line, std::uint16_t cpu, Cycles now);
  Line& line_at(LineId line);

  const Topology& topology_;
  CacheCosts costs_;
  std::vector<Line> lines_;
  std::uint64_t transfers_ = 0;
  std::uint64_t memory_fetches_ = 0;
  std::uint64_t hits_ = 0;
};

}  // namespace xcallsim::machine
