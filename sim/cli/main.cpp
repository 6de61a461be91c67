// xcallsim: the command-line front end (CLI11). Subcommands live in their own
// files; this only wires them up and maps failures to exit statuses.
#include <fmt/core.h>

#include <exception>
#include <string>

#include "sim/cli/commands.hpp"
#include "sim/text/text.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "xcallsim: simulate cross-CPU calls (smp_xcall) and the IPIs that carry them on a "
      "deterministic model of an SMP machine."};
  app.require_subcommand(1);
#ifdef XCALLSIM_HAVE_MPI
  app.set_version_flag("--version", "xcallsim " XCALLSIM_VERSION " (sweep over MPI ranks: yes)");
#else
  app.set_version_flag("--version", "xcallsim " XCALLSIM_VERSION " (sweep over MPI ranks: no)");
#endif
  int status = xcallsim::cli::kExitOk;
  xcallsim::cli::add_run_command(app, status);
  xcallsim::cli::add_trace_commands(app, status);
  xcallsim::cli::add_validate_command(app, status);
  xcallsim::cli::add_scaling_command(app, status);
  xcallsim::cli::add_sweep_command(app, status);
  xcallsim::cli::add_launch_command(app, status);
  // CLI11 reports an unknown verb as "a subcommand is required": name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::string verbs;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == argv[1];
      verbs += (verbs.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      fmt::print(stderr, "xcallsim: unknown verb '{}'; fix: use one of {} (xcallsim --help)\n",
                 xcallsim::text::printable(argv[1]), verbs);
      return xcallsim::cli::kExitBadInput;
    }
  }
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
