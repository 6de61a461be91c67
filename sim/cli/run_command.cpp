// `xcallsim run`: one scenario on one machine model, summary on stdout.
#include <fmt/core.h>

#include <optional>
#include <string>

#include "sim/cli/commands.hpp"
#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"
#include "sim/replay/retime.hpp"
#include "sim/replay/summary.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/smp/smp.hpp"
#include "sim/trace/file.hpp"

namespace xcallsim::cli {
namespace {

struct RunArgs {
  std::string machine;
  std::string scenario;
  std::string profile;
  std::string trace_file;
  double stuck_timeout_ms = 5000.0;
  std::uint64_t time_limit = 0;
};

int run(const RunArgs& args) {
  machine::MachineConfig machine_config;
  scenario::Scenario scenario;
  try {
    machine_config = machine::load_machine_config(args.machine);
    scenario = scenario::load_scenario(args.scenario);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }

  smp::Options options;
  options.profile = scenario.profile.value_or(smp::Profile::Seed);
  if (args.profile == "seed") options.profile = smp::Profile::Seed;
  if (args.profile == "upstream") options.profile = smp::Profile::Upstream;
  options.stuck_timeout_ns = args.stuck_timeout_ms * 1e6;
  options.time_limit = args.time_limit;

  smp::Simulation sim(machine_config, options);
  try {
    scenario::bind(scenario, sim);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  smp::Outcome outcome = sim.run();
  if (!args.trace_file.empty()) {
    trace::TraceHeader th =
        replay::sim_trace_header(machine_config, scenario.name, options.profile);
    if (!outcome.completed) th.flags |= trace::kFlagIncomplete;
    try {
      trace::write_trace(args.trace_file, sim.trace(), th);
    } catch (const trace::TraceError& e) {
      fmt::print(stderr, "{}\n", e.what());
      return kExitBadInput;
    }
  }

  replay::SummaryHeader header{machine_config.name, scenario.name,
                               std::string(smp::to_string(options.profile))};
  fmt::print("{}", replay::format_summary(replay::summarize(sim.trace()), sim.trace(), header));
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
      ->check(CLI::ExistingFile);
  cmd->add_option("-s,--scenario", args->scenario,
                  "Scenario file (TOML), e.g. configs/scenarios/default.toml")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-p,--profile", args->profile,
                  "Semantic profile: seed (the 2022 smp_xcall patches) or upstream (Linux v5.18 "
                  "smp_call_function_*); default: the scenario's, else seed")
      ->check(CLI::IsMember({"seed", "upstream"}));
  cmd->add_option("-t,--trace", args->trace_file, "Write the binary trace to FILE");
  cmd->add_option("--stuck-timeout-ms", args->stuck_timeout_ms,
                  "Report a csd lock wait longer than this much simulated time and fail the run "
                  "(CONFIG_CSD_LOCK_WAIT_DEBUG; default 5000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--time-limit", args->time_limit,
                  "Stop after this many simulated cycles (0: no limit)");
  cmd->callback([args, &status] { status = run(*args); });
}

}  // namespace xcallsim::cli
