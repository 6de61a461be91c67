// xcallsim: the command-line front end (CLI11). Subcommands live in their own
// files; this only wires them up and maps failures to exit statuses.
#include <fmt/core.h>

#include <exception>

#include "sim/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "xcallsim: simulate cross-CPU calls (smp_xcall) and the IPIs that carry them on a "
      "deterministic model of an SMP machine."};
  app.require_subcommand(1);
  int status = xcallsim::cli::kExitOk;
  xcallsim::cli::add_run_command(app, status);
  xcallsim::cli::add_trace_commands(app, status);
  xcallsim::cli::add_validate_command(app, status);
  xcallsim::cli::add_scaling_command(app, status);
  xcallsim::cli::add_launch_command(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : xcallsim::cli::kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "xcallsim: internal error: {}\n", e.what());
    return xcallsim::cli::kExitInternal;
  }
  return status;
}
