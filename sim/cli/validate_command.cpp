// `xcallsim validate`: the model against Shinjuku (NSDI '19) Table 1, all four
// rows, with the error of each modelled number (docs/validation.md).
#include <fmt/core.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "sim/cli/commands.hpp"
#include "sim/cli/session.hpp"
#include "sim/cli/validate_composites.hpp"
#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"
#include "sim/study/study.hpp"

namespace xcallsim::cli {
namespace {

using machine::Cycles;

struct ValidateArgs {
  std::string machine = "configs/machines/default.toml";
  std::string sweeps = "configs/sweeps";  // validation-c3.toml, validation-c4.toml
  double sender_before_send = 0.5;
  int reps = 8;
  bool markdown = false;
};

std::string breakdown(const study::ValidationRow& r, const machine::MachineConfig& m,
                      const study::VmExitPenalties& p) {
  const machine::ApicCosts& c = m.apic.costs;
  const Cycles entry = c.entry + (r.published.receiver_exit ? p.receiver : 0);
  return fmt::format(
      "  {:<26} real ICR write at +{}, IRR set at +{}, receiver returns at +{} "
      "(entry {} + EOI {} + empty handler 0 + exit {}); sender busy {}, overlap {}\n",
      r.published.mechanism, r.send_at, r.delivered, r.total, entry, c.eoi, c.exit, r.sender,
      r.overlap);
}

int validate(const ValidateArgs& args) {
  machine::MachineConfig m;
  try {
    m = machine::load_machine_config(args.machine);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    if (!args.machine.empty() && args.machine == ValidateArgs{}.machine)
      fmt::print(stderr, "(run from the repository root, or pass --machine FILE)\n");
    return kExitBadInput;
  }
  study::VmExitPenalties penalties;
  penalties.sender_before_send = args.sender_before_send;
  std::vector<study::ValidationRow> rows;
  try {
    rows = study::validate_shinjuku(m, penalties, args.reps);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr,
               "xcallsim validate: {}: error: {}; fix: use a machine with two cores "
               "in one socket\n",
               args.machine, e.what());
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "xcallsim validate: {}\n", e.what());
    return kExitRunFailed;
  }

  fmt::print("Shinjuku (NSDI '19) Table 1, model vs published, cycles\n");
  fmt::print(
      "model: {} ({}), {:.2f} GHz; a raw fixed IPI with an empty handler, CPU 0 -> "
      "another core of its socket, receiver busy\n",
      m.name, args.machine, m.ghz);
  fmt::print(
      "published: 2x Xeon E5-2658 @ 2.3 GHz (CALIBRATION.md); sender and receiver "
      "columns restate the primitives P4, P5, P9 taken from this table, so only the "
      "total tests the model\n");
  fmt::print(
      "VM exits (CALIBRATION.md P9, validation-only overrides): sender +{} around its "
      "real ICR write ({:.0f}% before it, assumed), receiver +{} on interrupt entry\n\n",
      penalties.sender, 100.0 * penalties.sender_before_send, penalties.receiver);
  fmt::print("{}", study::format_validation(rows, args.markdown));
  fmt::print("\nhow each total arises (cycles from the start of the send):\n");
  for (const study::ValidationRow& r : rows) fmt::print("{}", breakdown(r, m, penalties));
  fmt::print(
      "\nerror = (model - published) / published; explanation of every gap over 25%: "
      "docs/validation.md\n");
  if (m.name.find("E5-2658") == std::string::npos)
    fmt::print("note: the published numbers are from 2x Xeon E5-2658; this machine is {}\n",
               m.name);
  if (args.sweeps.empty()) return kExitOk;
  try {
    print_composites(args.sweeps, args.markdown);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n(run from the repository root, or pass --sweeps DIR)\n", e.what());
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "xcallsim validate: {}\n", e.what());
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace

void add_validate_command(CLI::App& app, int& status) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Predict Shinjuku (NSDI '19) Table 1 (IPI cost with and without VM exits) from the machine's "
      "primitives and print model vs published with the error in %.");
  cmd->add_option("-m,--machine", args->machine,
                  "Machine config (TOML); default configs/machines/default.toml (the Shinjuku "
                  "testbed)");
  cmd->add_option("--sender-exit-split", args->sender_before_send,
                  "Share of the sender's VM-exit penalty spent before the hypervisor's real ICR "
                  "write (0..1; default 0.5, assumed)")
      ->check(Finite & CLI::Range(0.0, 1.0));
  cmd->add_option("--reps", args->reps, "Sends per row (default 8)")->check(CLI::Range(1, 1000));
  cmd->add_flag("--markdown", args->markdown, "Print the table as markdown");
  cmd->add_option("--sweeps", args->sweeps,
                  "Folder of the composites' sweep specs (validation-c3.toml, validation-c4.toml); "
                  "default configs/sweeps; empty: Shinjuku's table only");
  cmd->callback([args, &status] { status = validate(*args); });
}

}  // namespace xcallsim::cli
