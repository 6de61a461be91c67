// Contract: runs the bare-metal guest (guest/) under stock QEMU, with IPIs
// through QEMU's own LAPIC (IpiPath::Lapic) or through xcallsim's device
// model (IpiPath::Devmodel: sim/devmodel's ivshmem server on the same loop,
// docs/devmodel-protocol.md), and hands back what happened and the guest's
// trace. One launch() owns, for its whole duration, a private 0700 run
// directory (QMP socket, console and QEMU log files), an anonymous RAM file
// (memfd: QEMU's guest RAM, read by us after QEMU ends, so even a killed
// run's trace survives) and the QEMU process (own process group); all three
// are gone when launch() returns or throws, on every path (pass, guest
// failure, triple fault, QEMU crash, timeout, SIGINT/SIGTERM/SIGHUP).
//
// Event loop (Boost.Asio, single-threaded): the QMP connection (QEMU
// connects to our listening socket at startup; the socket file is unlinked
// once accepted), QEMU's exit (pidfd, or a 10 ms waitpid poll without
// pidfd), the timeout, the signals, and a 1 ms poll of the guest's
// first-xcall timestamp (the start -> first xcall measurement). On timeout
// or signal: QMP `quit`, then SIGKILL after 1 s if QEMU is still there.
// launch() installs SIGINT/SIGTERM/SIGHUP handlers only while it runs.
// Devmodel: the server is listening before QEMU is spawned and is stopped
// (socket, runtime directory, fds gone) when QEMU ends or is being stopped;
// the device's records (model time) are merged with the guest's, whose guest
// TSC times are converted to model time (Device::convert_tsc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/devmodel/server.hpp"
#include "sim/qemu/guest_abi.hpp"
#include "sim/qemu/guest_trace.hpp"

namespace xcallsim::qemu {

// How the guest's xcall IPIs travel (the guest's kernel command line `ipi=`).
enum class IpiPath { Lapic, Devmodel };
// The interrupt controller the device model models (IpiPath::Devmodel only;
// QEMU's own LAPIC stays an xAPIC either way: TCG has no x2APIC).
enum class ModelApic { XApic, X2Apic };

struct LaunchOptions {
  int cpus = 4;  // 1..16
  IpiPath ipi_path = IpiPath::Lapic;
  ModelApic model_apic = ModelApic::XApic;  // xAPIC physical / x2APIC cluster logical
  // Devmodel only: SCHED_IDLE spinners keep host cores awake while the guest
  // runs (devmodel::ServerOptions::keep_awake): faster medians, but on a
  // shared VM host millisecond tails (docs/performance.md "IPI path").
  bool keep_awake = false;
  std::string scenario = "pingpong";
  std::uint64_t iters = 0, burst = 0;  // 0: the guest's defaults (100, 4)
  bool icount = false;                 // -icount shift=0,sleep=off,align=off
  double timeout_s = 60.0;
  std::uint32_t trace_capacity = abi::kDefaultCapacity;  // records per CPU
  std::filesystem::path guest_elf;
  std::string qemu = "qemu-system-x86_64";
  std::filesystem::path bios;            // qboot; empty: QEMU's default firmware
  std::filesystem::path runtime_parent;  // where the run directory goes
};

// Guest RAM for these options: the trace area plus room, in whole MiB.
std::uint64_t guest_ram_bytes(const LaunchOptions& options);
// The QEMU command line; `rundir` holds qmp.sock and console.log, and the
// RAM file is QEMU's fd `ram_fd`; `devmodel_socket` is the device model's
// ivshmem socket (IpiPath::Devmodel only).
std::vector<std::string> qemu_command(const LaunchOptions& options, const std::string& rundir,
                                      int ram_fd, const std::string& devmodel_socket = {});
// The guest's kernel command line (-append).
std::string guest_cmdline(const LaunchOptions& options);
// POSIX-shell quoting of an argv, for --dry-run and messages.
std::string shell_join(const std::vector<std::string>& argv);

enum class Outcome {
  Passed,          // status 33, every check passed
  CheckFailed,     // status 35
  GuestException,  // status 37
  GuestPanic,      // status 39
  TripleFault,     // status 0 under -no-reboot
  QemuFailed,      // QEMU refused to run (status 1 or another non-guest status)
  QemuCrashed,     // QEMU died of a signal we did not send
  Timeout,         // we stopped it at --timeout
  Interrupted,     // we stopped it on SIGINT/SIGTERM/SIGHUP
};
std::string_view to_string(Outcome outcome);

struct LaunchResult {
  Outcome outcome = Outcome::QemuFailed;
  std::string message;          // one line: what happened (and what to do about it)
  int exit_status = -1;         // QEMU's exit status, -1 if it died of a signal
  int term_signal = 0;          // the signal that ended QEMU, 0 if it exited
  int interrupt_signal = 0;     // Outcome::Interrupted: the signal xcallsim received
  std::string shutdown_reason;  // QMP SHUTDOWN event reason, if one came
  GuestTrace guest;
  std::string console;                   // the guest's console (debugcon), last 8 KiB
  std::string qemu_log;                  // QEMU's own output, last 4 KiB
  double wall_ms = 0;                    // QEMU spawn -> QEMU reaped
  std::optional<double> first_xcall_ms;  // QEMU spawn -> first XcallIssue (1 ms poll)
  // Trace time at which QEMU stopped (or was stopped), estimated from the
  // host clock and the first xcall's guest TSC; unset if no xcall was seen.
  std::optional<std::uint64_t> end_time;
  // IpiPath::Devmodel: trace times are model cycles (trace.ghz the model's
  // clock) and the device's records are merged in.
  std::uint64_t device_records = 0;
  // The device model's counters at the end (rejected requests, doorbells,
  // passes, posted vs round-trip INTAs).
  std::optional<devmodel::ServerStats> device_stats;
};

// Setup failures before QEMU runs (no guest image, no QEMU, no run dir).
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

LaunchResult launch(const LaunchOptions& options);

}  // namespace xcallsim::qemu
