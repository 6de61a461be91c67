// `xcallsim run`: one scenario on one machine model, summary on stdout.
#include <fmt/core.h>

#include <csignal>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim/cli/commands.hpp"
#include "sim/cli/session.hpp"
#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"
#include "sim/replay/retime.hpp"
#include "sim/replay/summary.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/smp/smp.hpp"
#include "sim/trace/file.hpp"
#include "sim/trace/sink.hpp"

namespace xcallsim::cli {
namespace {

struct RunArgs {
  std::string machine;
  std::string scenario;
  std::string profile;
  std::string trace_file;
  double stuck_timeout_ms = 5000.0;
  std::uint64_t time_limit = 0;
  std::uint64_t stall_steps = 100'000'000;
  bool quiet = false;
};

// Counts what the progress line shows as the records stream past.
class ProgressSink final : public trace::RecordSink {
 public:
  void function(std::string_view) override {}
  void mask(std::span<const std::uint64_t>) override {}
  void record(const trace::Record& r) override { calls += r.kind == trace::Kind::XcallIssue; }
  std::uint64_t calls = 0;
};

int run(const RunArgs& args) {
  if (refuse_overwrite("run: --trace", args.trace_file, {args.machine, args.scenario}))
    return kExitBadInput;
  machine::MachineConfig machine_config;
  scenario::Scenario scenario;
  try {
    machine_config = machine::load_machine_config(args.machine);
    scenario = scenario::load_scenario(args.scenario);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }

  Interruption interruption;
  Progress progress("run", args.quiet);
  ProgressSink counter;
  smp::Options options;
  options.profile = scenario.profile.value_or(smp::Profile::Seed);
  if (args.profile == "seed") options.profile = smp::Profile::Seed;
  if (args.profile == "upstream") options.profile = smp::Profile::Upstream;
  options.stuck_timeout_ns = args.stuck_timeout_ms * 1e6;
  options.time_limit = args.time_limit;
  options.stall_steps = args.stall_steps;
  const double ghz = machine_config.ghz;
  options.monitor = [&](const smp::RunProgress& p) {
    progress.update(fmt::format("{:.1f} us simulated, {} calls",
                                static_cast<double>(p.time) / ghz / 1e3, counter.calls),
                    p.time, args.time_limit);
    return !interruption.requested();
  };

  smp::Simulation sim(machine_config, options);
  try {
    scenario::bind(scenario, sim);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  // Records stream to the summary (and the trace file) as the run makes them.
  replay::SummaryBuilder summary;
  trace::TeeSink counted(summary, counter);
  std::unique_ptr<trace::Writer> writer;
  std::unique_ptr<trace::WriterSink> file_sink;
  std::unique_ptr<trace::TeeSink> both;
  try {
    if (!args.trace_file.empty()) {
      trace::TraceHeader th =
          replay::sim_trace_header(machine_config, scenario.name, options.profile);
      th.cpu_count = static_cast<std::uint32_t>(sim.cpu_count());
      th.ghz = machine_config.ghz;
      writer = std::make_unique<trace::Writer>(args.trace_file, th);
      file_sink = std::make_unique<trace::WriterSink>(*writer);
      both = std::make_unique<trace::TeeSink>(*file_sink, counted);
    }
    sim.set_trace_sink(both ? static_cast<trace::RecordSink&>(*both) : counted);
  } catch (const trace::TraceError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  smp::Outcome outcome;
  try {
    outcome = sim.run();
  } catch (const trace::TraceError& e) {  // the trace file could not take a record
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  progress.finish();
  if (writer) {
    try {
      writer->finish(end_status(outcome, interruption.signal()));
    } catch (const trace::TraceError& e) {
      fmt::print(stderr, "{}\n", e.what());
      return kExitBadInput;
    }
  }

  replay::SummaryHeader header{machine_config.name, scenario.name,
                               std::string(smp::to_string(options.profile))};
  fmt::print("{}", replay::format_summary(summary.finish(), sim.trace(), header));
  const std::string kept =
      writer ? fmt::format("; the trace so far is in {} (marked incomplete)", args.trace_file) : "";
  if (outcome.interrupted) {
    fmt::print(stderr, "xcallsim run: {}{}\n", interruption.describe(), kept);
    return interruption.exit_status();
  }
  if (outcome.stalled) {
    fmt::print(stderr, "{}{}\n", outcome.stall_report, kept);
    return kExitRunFailed;
  }
  if (outcome.stuck) {
    fmt::print(stderr, "{}", outcome.stuck_report);
    return kExitRunFailed;
  }
  if (!outcome.completed) {
    fmt::print(stderr, "xcallsim: run stopped at the time limit ({} cycles) before completing\n",
               outcome.end_time);
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& status) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a scenario on a machine model and print the per-call-kind summary.");
  cmd->add_option("-m,--machine", args->machine,
                  "Machine config (TOML), e.g. configs/machines/default.toml")
      ->required()
      ->check(RegularFile);
  cmd->add_option("-s,--scenario", args->scenario,
                  "Scenario file (TOML), e.g. configs/scenarios/default.toml")
      ->required()
      ->check(RegularFile);
  cmd->add_option("-p,--profile", args->profile,
                  "Semantic profile: seed (the 2022 smp_xcall patches) or upstream (Linux v5.18 "
                  "smp_call_function_*); default: the scenario's, else seed")
      ->check(CLI::IsMember({"seed", "upstream"}));
  cmd->add_option("-t,--trace", args->trace_file, "Write the binary trace to FILE");
  cmd->add_option("--stuck-timeout-ms", args->stuck_timeout_ms,
                  "Report a csd lock wait longer than this much simulated time and fail the run "
                  "(CONFIG_CSD_LOCK_WAIT_DEBUG; default 5000)")
      ->check(Finite & CLI::Range(1e-6, 1e9));
  cmd->add_option("--time-limit", args->time_limit,
                  "Stop after this many simulated cycles (0: no limit)");
  cmd->add_option("--stall-steps", args->stall_steps,
                  "Stop a run (exit 3) after this many platform operations in a row without "
                  "simulated time advancing, e.g. a loop of `compute 0` (0: never; default "
                  "100000000)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress line on stderr");
  cmd->callback([args, &status] { status = run(*args); });
}

}  // namespace xcallsim::cli
