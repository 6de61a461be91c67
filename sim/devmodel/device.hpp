// Contract: the device model's logic over one mapped shared region
// (shm_layout.hpp), with no sockets or eventfds: the server (server.hpp)
// calls process() whenever a doorbell rang and raises MSI-X vector k for
// every CPU k it returns. It hosts the simulator's own
// apic::InterruptController, unchanged: each guest request is copied once,
// decoded (request.hpp), and fed to it at the request's model time.
// - Model time: each CPU has a clock, max(previous, guest TSC converted with
//   Header::guest_tsc_khz to Header::model_khz), clamped to kMaxModelTime;
//   every ICR write is advanced to its last arrival before it is
//   acknowledged, so nothing stays in flight between passes.
// - Signalling: CPU k is returned (once) when Slot::cpu_ready says its vector
//   works and the model has a deliverable vector for it; again only after k
//   sent Op::Inta. The guest dispatches with Op::Inta (the model's INTA).
// - Hostile input never throws: a rejection is counted (stats, the slot's
//   rejects/last_reject) and reported through the Reporter, rate-limited.
//   Invalid ICR values are the APIC model's business (ESR, SendStatus).
// - Work per process() is bounded: at most kRequestEntries requests per CPU.
// - Not thread-safe: one thread (the server's io_context) drives it. The
//   region must outlive the Device; the constructor zeroes and initializes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/apic/apic.hpp"
#include "sim/devmodel/request.hpp"
#include "sim/devmodel/shm_layout.hpp"
#include "sim/machine/machine.hpp"
#include "sim/trace/record.hpp"

namespace xcallsim::devmodel {

inline constexpr std::uint64_t kMaxModelTime = std::uint64_t{1} << 62;

struct DeviceOptions {
  std::uint32_t ring_capacity = 1024;  // trace records per CPU (power of two)
  std::uint32_t host_peer_id = 0;
};

struct Stats {
  std::uint64_t passes = 0;
  std::uint64_t requests = 0;  // consumed, rejected ones included
  std::array<std::uint64_t, shm::kRejectKinds> rejected{};
  std::uint64_t signals = 0;       // CPUs returned by process()
  std::uint64_t clock_clamps = 0;  // guest TSC went backwards or past kMaxModelTime
  std::uint64_t intas = 0, inta_empty = 0;
  // Op::IntaPosted: served, and served although a higher vector had arrived
  // since the guest's view (the later one nests or waits, as it would had it
  // arrived just after the INTA cycle).
  std::uint64_t intas_posted = 0, inta_races = 0;
  // From the APIC model: IRR set / absorbed by IRR coalescing at a receiver,
  // rejected writes and receive errors (Error events), writes reaching no CPU.
  std::uint64_t delivered = 0, coalesced = 0, apic_errors = 0, unroutable_writes = 0;
  std::uint64_t trace_records = 0, trace_lost = 0;
  std::uint64_t total_rejected() const;
};

using RecordSink = std::function<void(const trace::Record&)>;
using Reporter = std::function<void(const std::string&)>;

// Bytes the region needs for `cpus` CPUs: the layout rounded up to a power of
// two (ivshmem BAR2 must be one), at least 64 KiB.
std::uint64_t required_shm_size(int cpus, std::uint32_t ring_capacity);

class Device {
 public:
  // Throws std::invalid_argument if the machine has more than shm::kMaxCpus
  // CPUs, the ring capacity is not a power of two in range, or the region is
  // too small, not a power of two, or not 64-byte aligned.
  Device(const machine::MachineConfig& config, std::span<std::byte> region,
         DeviceOptions options = {});
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  ~Device();

  int cpu_count() const { return apic_.cpu_count(); }
  const apic::InterruptController& apic() const { return apic_; }
  const Stats& stats() const { return stats_; }
  const machine::Topology& topology() const { return *topology_; }

  // Device events (IcrWrite, IpiDeliver, IrrCoalesced, Eoi, ApicError) in
  // model time; per CPU non-decreasing, across CPUs not sorted.
  void set_record_sink(RecordSink sink) { sink_ = std::move(sink); }
  // Rejections and errors, rate-limited (default: the spdlog default logger, warn).
  void set_reporter(Reporter reporter) { reporter_ = std::move(reporter); }

  // One pass over every CPU's requests. Returns the CPUs whose MSI-X vector
  // must be raised; valid until the next call.
  const std::vector<int>& process();
  // Moves the guests' trace records (time converted to model cycles, cpu =
  // the ring's CPU) to `out`; returns how many. Overflowed rings are emptied,
  // counted (stats, RingHeader::overflows/lost) and reported.
  std::size_t drain_trace_rings(std::vector<trace::Record>& out);
  // Header::host_state = kHostStopped (the guest stops posting).
  void stop();
  // A guest TSC value in model cycles (Header::guest_tsc_khz -> model_khz once
  // the guest is ready; unscaled before), clamped to kMaxModelTime. For hosts
  // that merge records the guest wrote elsewhere with the device's.
  std::uint64_t convert_tsc(std::uint64_t tsc) const;

  shm::Header* header() const;
  shm::Slot* slot(int cpu) const;
  shm::RingHeader* ring(int cpu) const;

 private:
  // serve.cpp
  void serve_all();
  void scan(int cpu);
  const Command* peek(int cpu);
  void apply(int cpu, const Command& c);
  void publish_view(int cpu);
  void reject(int cpu, shm::Reject why, std::uint32_t seq, std::uint32_t detail);
  void report(std::size_t category, const std::string& text);
  std::uint64_t model_time(int cpu, std::uint64_t tsc);
  void latch_guest_clock();
  void on_apic_event(const apic::Event& e);
  // A record (a typed one's to_record()) on `cpu` at `time`.
  void emit(std::uint64_t time, int cpu, trace::Record record);

  machine::MachineConfig config_;
  std::unique_ptr<machine::Topology> topology_;  // the controller keeps a reference
  apic::InterruptController apic_;
  std::span<std::byte> region_;
  std::uint32_t ring_capacity_;
  std::uint32_t model_khz_;
  std::uint32_t guest_tsc_khz_ = 0;  // latched when the guest declares itself ready
  bool clock_latched_ = false;

  std::vector<std::uint32_t> acked_;          // host's own copy of each slot's ack_seq
  std::vector<std::uint32_t> heads_, seen_;   // req_head at the latest / the previous scan
  std::vector<std::optional<Command>> next_;  // each CPU's next request, validated
  std::vector<std::uint32_t> served_;         // requests consumed this pass, per CPU
  std::vector<std::uint32_t> trace_tail_;
  std::vector<std::uint64_t> clock_;
  std::vector<std::uint32_t> inta_vector_, inta_seq_, rejects_, last_reject_;
  std::vector<std::uint32_t> last_icr_lo_, last_icr_hi_;
  std::vector<char> dirty_, signalled_;
  std::vector<int> signals_;
  // Rate limits by category: the Reject values, then kApicErrorReport, kUnroutableReport.
  static constexpr std::size_t kApicErrorReport = shm::kRejectKinds;
  static constexpr std::size_t kUnroutableReport = shm::kRejectKinds + 1;
  std::array<std::uint64_t, shm::kRejectKinds + 2> reported_{};
  Stats stats_;
  RecordSink sink_;
  Reporter reporter_;
};

}  // namespace xcallsim::devmodel
