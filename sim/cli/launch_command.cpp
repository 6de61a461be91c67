// `xcallsim launch`: run a guest scenario on real (TCG) vCPUs under QEMU,
// write its trace in the common format and print the same summary as `run`.
#include <fmt/core.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <csignal>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>

#include "sim/cli/commands.hpp"
#include "sim/cli/session.hpp"
#include "sim/qemu/launcher.hpp"
#include "sim/qemu/scenarios.hpp"
#include "sim/replay/summary.hpp"
#include "sim/trace/file.hpp"

namespace xcallsim::cli {
namespace {

constexpr int kExitInterrupted = 130;  // the shell's 128 + SIGINT

struct LaunchArgs {
  qemu::LaunchOptions options;
  std::string ipi_path = "devmodel";
  std::string model_apic = "xapic";
  std::string guest;
  std::string trace_file;
  bool dry_run = false;
  bool console = false;
};

std::string env_or(const char* var, const std::string& fallback) {
  const char* v = std::getenv(var);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// --guest, else $XCALLSIM_GUEST, else the build tree's image next to this
// binary (<build>/sim/cli/xcallsim -> <build>/guest/guest.elf).
std::filesystem::path guest_image(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* v = std::getenv("XCALLSIM_GUEST"); v != nullptr && *v != '\0') return v;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "guest.elf";
  return (exe.parent_path() / ".." / ".." / "guest" / "guest.elf").lexically_normal();
}

trace::TraceHeader launch_header(const qemu::LaunchResult& r, const std::string& scenario,
                                 qemu::IpiPath path) {
  trace::TraceHeader h;
  h.source =
      path == qemu::IpiPath::Devmodel ? trace::Source::QemuDevmodel : trace::Source::QemuLapic;
  h.flags = r.guest.incomplete ? trace::kFlagIncomplete : 0;
  h.sockets = 1;
  h.cores_per_socket = static_cast<std::uint16_t>(r.guest.trace.cpu_count);
  h.threads_per_core = 1;
  h.profile = "seed";
  h.machine = "qemu-pc-tcg";
  h.scenario = scenario;
  return h;
}

int exit_status(qemu::Outcome outcome) {
  switch (outcome) {
    case qemu::Outcome::Passed:
      return kExitOk;
    case qemu::Outcome::Interrupted:
      return kExitInterrupted;
    default:
      return kExitRunFailed;
  }
}

void print_failure_details(const qemu::LaunchResult& r) {
  if (r.outcome != qemu::Outcome::CheckFailed && r.outcome != qemu::Outcome::QemuFailed) {
    fmt::print(stderr, "what each CPU was last doing (guest {}):\n",
               qemu::to_string(r.guest.status));
    if (!r.guest.found) fmt::print(stderr, "  (no trace: the guest never opened its trace area)\n");
    for (const std::string& line : qemu::describe_cpus(r.guest, r.end_time))
      fmt::print(stderr, "  {}\n", line);
  }
  if (!r.console.empty()) fmt::print(stderr, "--- guest console (tail) ---\n{}", r.console);
  if (r.outcome == qemu::Outcome::QemuFailed && !r.qemu_log.empty())
    fmt::print(stderr, "--- QEMU output (tail) ---\n{}", r.qemu_log);
}

int launch(LaunchArgs& args) {
  args.options.ipi_path =
      args.ipi_path == "devmodel" ? qemu::IpiPath::Devmodel : qemu::IpiPath::Lapic;
  // The device model logs through spdlog: its warnings (refused requests,
  // APIC errors) go to stderr, not into the summary on stdout; its routine
  // info (QEMU disconnecting at the end of every run) is not shown.
  if (!spdlog::get("launch")) spdlog::set_default_logger(spdlog::stderr_color_mt("launch"));
  spdlog::set_level(spdlog::level::warn);
  const qemu::GuestScenario* scenario = qemu::find_guest_scenario(args.options.scenario);
  if (scenario == nullptr) {
    fmt::print(stderr, "xcallsim launch: {}\n",
               qemu::unknown_scenario_message(args.options.scenario));
    return kExitBadInput;
  }
  args.options.model_apic =
      args.model_apic == "x2apic" ? qemu::ModelApic::X2Apic : qemu::ModelApic::XApic;
  if (args.options.model_apic == qemu::ModelApic::X2Apic &&
      args.options.ipi_path != qemu::IpiPath::Devmodel) {
    fmt::print(stderr,
               "xcallsim launch: --model-apic x2apic models the device model's interrupt "
               "controller; QEMU's own LAPIC (--ipi-path lapic) has no x2APIC under TCG; fix: "
               "drop one of the two options\n");
    return kExitBadInput;
  }
  if (scenario->devmodel_only && args.options.ipi_path != qemu::IpiPath::Devmodel) {
    fmt::print(stderr,
               "xcallsim launch: scenario '{}' shows the device model's APIC behaviour and runs "
               "only with --ipi-path devmodel (the default), not --ipi-path {}\n",
               scenario->name, args.ipi_path);
    return kExitBadInput;
  }
  if (args.options.cpus < scenario->min_cpus) {
    fmt::print(stderr, "xcallsim launch: scenario '{}' needs --cpus {} or more (got {})\n",
               scenario->name, scenario->min_cpus, args.options.cpus);
    return kExitBadInput;
  }
  qemu::LaunchOptions& o = args.options;
  o.guest_elf = guest_image(args.guest);
  if (o.qemu.empty()) o.qemu = env_or("XCALLSIM_QEMU", "qemu-system-x86_64");
  if (o.bios.empty()) {
    const std::filesystem::path qboot = env_or("XCALLSIM_QBOOT", "/usr/share/qemu/qboot.rom");
    std::error_code ec;
    if (std::filesystem::exists(qboot, ec)) {
      o.bios = qboot;
    } else if (!args.dry_run) {
      fmt::print(stderr,
                 "xcallsim launch: note: {} not found, booting with QEMU's default "
                 "firmware (slower start; Debian: apt-get install qemu-system-data)\n",
                 qboot.string());
    }
  }

  if (args.dry_run) {
    fmt::print("{}\n", qemu::shell_join(qemu::qemu_command(o, "<run-dir>", 3)));
    fmt::print(
        "# <run-dir>: a private 0700 directory made per run; fd 3: the guest RAM file "
        "(memfd, {} MiB) that xcallsim reads the trace from\n",
        qemu::guest_ram_bytes(o) >> 20);
    if (o.ipi_path == qemu::IpiPath::Devmodel)
      fmt::print(
          "# <devmodel-socket>: the device model's ivshmem server socket, in its own private "
          "0700 directory made per run\n");
    return kExitOk;
  }

  qemu::LaunchResult r;
  try {
    r = qemu::launch(o);
  } catch (const qemu::LaunchError& e) {
    fmt::print(stderr, "xcallsim launch: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {  // the OS refused a resource (memfd, socket, mmap)
    fmt::print(stderr, "xcallsim launch: cannot set up the run: {}\n", e.what());
    return kExitInternal;
  }

  const trace::TraceHeader header = launch_header(r, o.scenario, o.ipi_path);
  if (!args.trace_file.empty()) {
    try {
      // An interrupted launch says so; any other unfinished guest is "guest incomplete".
      const trace::EndStatus end =
          (header.flags & trace::kFlagIncomplete) == 0 ? trace::EndStatus::Complete
          : r.outcome != qemu::Outcome::Interrupted    ? trace::EndStatus::GuestIncomplete
          : r.interrupt_signal == SIGTERM              ? trace::EndStatus::Sigterm
                                                       : trace::EndStatus::Sigint;
      trace::write_trace(args.trace_file, r.guest.trace, header, end);
    } catch (const trace::TraceError& e) {
      fmt::print(stderr, "xcallsim launch: {}\n", e.what());
      return kExitBadInput;
    }
  }
  const replay::SummaryHeader sh{
      header.machine + fmt::format(", {} vCPUs", r.guest.trace.cpu_count), o.scenario,
      header.profile};
  fmt::print("{}", replay::format_summary(replay::summarize(r.guest.trace), r.guest.trace, sh));
  fmt::print("qemu: {} in {:.0f} ms wall", qemu::to_string(r.outcome), r.wall_ms);
  if (o.ipi_path == qemu::IpiPath::Devmodel)
    fmt::print(", IPIs through the device model ({} device records, {} rejected requests)",
               r.device_records, r.device_stats ? r.device_stats->device.total_rejected() : 0);
  if (r.first_xcall_ms) fmt::print(", first xcall {:.0f} ms after QEMU start", *r.first_xcall_ms);
  fmt::print("\n");
  if (const auto& st = r.device_stats) {
    const devmodel::Stats& d = st->device;
    fmt::print(
        "devmodel: {} doorbells, {} passes, {} MSI-X signals; INTA: {} posted ({} raced a "
        "higher vector), {} round trips (docs/devmodel-protocol.md section 4)\n",
        st->doorbells, d.passes, d.signals, d.intas_posted, d.inta_races, d.intas);
  }
  if (args.console) fmt::print("--- guest console ---\n{}", r.console);

  for (const std::string& p : r.guest.problems)
    fmt::print(stderr, "xcallsim launch: trace: {}\n", p);
  if (r.outcome != qemu::Outcome::Passed) {
    fmt::print(stderr, "xcallsim launch: {}\n", r.message);
    print_failure_details(r);
    if (!args.trace_file.empty())
      fmt::print(stderr, "xcallsim launch: {} trace written to {}\n",
                 header.flags & trace::kFlagIncomplete ? "partial (incomplete)" : "complete",
                 args.trace_file);
  }
  return exit_status(r.outcome);
}

}  // namespace

void add_launch_command(CLI::App& app, int& status) {
  auto args = std::make_shared<LaunchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "launch",
      "Run a guest scenario on N vCPUs under QEMU (TCG), the real xcall library on a bare-metal "
      "x86-64 guest; write its trace and print the same summary as `run`.");
  std::string scenarios;
  for (const qemu::GuestScenario& s : qemu::guest_scenarios())
    scenarios += fmt::format("\n  {:<15} {}", s.name, s.description);
  cmd->add_option("-n,--cpus", args->options.cpus, "vCPUs (1-16)")
      ->check(CLI::Range(1, qemu::abi::kMaxCpus))
      ->required();
  cmd->add_option("-s,--scenario", args->options.scenario, "Guest scenario:" + scenarios)
      ->required();
  cmd->add_option("--iters", args->options.iters,
                  "Scenario repetitions (default: the guest's, 100)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  cmd->add_option("--burst", args->options.burst, "Calls per burst (async-burst; default 4)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}));
  cmd->add_option("--ipi-path", args->ipi_path,
                  "devmodel (default): xcall IPIs through xcallsim's device model (the APIC model "
                  "over ivshmem, docs/devmodel-protocol.md); lapic: through QEMU's own LAPIC "
                  "(the baseline)")
      ->check(CLI::IsMember({"lapic", "devmodel"}));
  cmd->add_option("--model-apic", args->model_apic,
                  "The device model's interrupt controller: xapic (default; physical "
                  "destinations) or x2apic (cluster logical destinations, one ICR write per "
                  "cluster as Linux's x2apic_cluster; QEMU 7.2's TCG has no x2APIC, the model "
                  "does)")
      ->check(CLI::IsMember({"xapic", "x2apic"}));
  cmd->add_flag("--keep-awake", args->options.keep_awake,
                "Device model: spin a SCHED_IDLE thread on each host core while the guest runs, "
                "so the wake-ups of each IPI find running cores (here: round trip p50 ~2.5x "
                "faster, but 4 ms scheduler-tick tails on a shared VM; docs/performance.md)");
  cmd->add_flag("--icount", args->options.icount,
                "Deterministic-ish instruction counting (-icount shift=0): single-threaded TCG, "
                "guest TSC in virtual ns");
  cmd->add_option("--timeout", args->options.timeout_s,
                  "Stop QEMU after SEC seconds and report what each CPU was doing (default 60)")
      ->check(Finite & CLI::PositiveNumber);
  cmd->add_option("-t,--trace", args->trace_file, "Write the binary trace to FILE");
  cmd->add_option("--trace-capacity", args->options.trace_capacity,
                  "Trace records per CPU in guest memory (default 16384); a ring that wraps "
                  "marks the trace incomplete")
      ->check(CLI::Range(1024u, qemu::abi::kMaxCapacity));
  cmd->add_option(
      "--guest", args->guest,
      "Guest image (default: $XCALLSIM_GUEST, else guest/guest.elf of this build tree)");
  cmd->add_option("--qemu", args->options.qemu,
                  "QEMU binary (default: $XCALLSIM_QEMU, else qemu-system-x86_64)");
  cmd->add_flag("--console", args->console, "Print the guest console after the summary");
  cmd->add_flag("--dry-run", args->dry_run, "Print the QEMU command and exit");
  args->options.qemu.clear();  // resolved in launch() unless --qemu is given
  cmd->callback([args, &status] { status = launch(*args); });
}

}  // namespace xcallsim::cli
