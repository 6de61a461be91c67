// Contract: turns the guest's trace area (sim/qemu/guest_abi.hpp), read from
// a snapshot of the guest's RAM, into a trace in the common format, and
// says what each CPU was last doing. Pure functions of the bytes; the guest
// is untrusted: every count is clamped, malformed records are dropped and
// counted, nothing here throws on any input. The trace is "incomplete"
// whenever anything was lost (ring overwritten, records dropped, the guest
// did not reach a verdict); `problems` says what, one line each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/qemu/guest_abi.hpp"
#include "sim/qemu/repair.hpp"
#include "sim/trace/record.hpp"

namespace xcallsim::qemu {

struct GuestCpu {
  int cpu = 0;
  std::uint32_t apic_id = 0;
  abi::CpuPhase phase = abi::CpuPhase::Offline;
  std::uint64_t written = 0;      // records the CPU wrote
  std::uint64_t overwritten = 0;  // oldest records lost to ring wrap
  std::uint32_t lost = 0;         // records the guest could not write
};

struct GuestTrace {
  bool found = false;  // the area's magic was there (the guest reached kmain)
  abi::GuestStatus status = abi::GuestStatus::Booting;
  std::string scenario;
  std::uint64_t iters = 0, burst = 0;
  std::uint64_t tsc_khz = 0;  // the guest's PIT calibration (launch() refines it)
  // Guest TSC (cycles since machine reset), 0 = never reached.
  std::uint64_t smp_up_tsc = 0, start_tsc = 0, first_xcall_tsc = 0, end_tsc = 0;
  std::uint64_t time_base = 0;  // guest TSC of trace time 0
  std::vector<GuestCpu> cpus;
  trace::Trace trace;   // time = guest TSC - time_base; ghz from tsc_khz
  RepairStats repairs;  // concurrent-queue fixes applied (repair.hpp)
  bool incomplete = false;
  std::vector<std::string> problems;
};

// `ram` is the guest's RAM from guest-physical address 0.
GuestTrace decode_guest_trace(std::span<const std::byte> ram);

// One line per CPU: its phase, the call it is inside (api, flags, target,
// since when), whether it is in an interrupt handler, a callback or a csd
// lock wait (on which csd, for which CPU), and its last record. Ages are
// measured back from `end_time` (trace time) if given, else from the last
// record of any CPU.
std::vector<std::string> describe_cpus(const GuestTrace& guest,
                                       std::optional<std::uint64_t> end_time = std::nullopt);

std::string_view to_string(abi::GuestStatus status);
std::string_view to_string(abi::CpuPhase phase);

}  // namespace xcallsim::qemu
