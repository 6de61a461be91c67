// `xcallsim validate`: the model against Shinjuku (NSDI '19) Table 1, all four
// rows, each from its preset and the Table 1 scenario file, with the error of
// each modelled number, then the composites (docs/validation.md).
#include <fmt/core.h>

#include <filesystem>
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

struct ValidateArgs {
  std::string presets = "configs/machines";  // the four rows' presets (study::shinjuku_table1)
  std::string scenario = "configs/scenarios/validation/shinjuku-table1.toml";
  std::string sweeps = "configs/sweeps";  // validation-c*.toml
  bool markdown = false;
};

std::string breakdown(const study::ValidationRow& r) {
  return fmt::format(
      "  {:<26} ICR write at +{}, IRR set at +{}, receiver returns at +{}; VM exits {} "
      "cycles; sender busy {}, overlap {} ({})\n",
      r.published.mechanism, r.send_at, r.delivered, r.total, r.vm_exits, r.sender, r.overlap,
      r.published.preset);
}

int validate(const ValidateArgs& args) {
  std::vector<study::ValidationRow> rows;
  std::string machine_name;
  try {
    for (const study::PublishedRow& published : study::shinjuku_table1()) {
      const machine::MachineConfig m =
          machine::load_machine_config(std::filesystem::path(args.presets) / published.preset);
      if (machine_name.empty()) machine_name = fmt::format("{}, {:.2f} GHz", m.name, m.ghz);
      rows.push_back(study::measure_shinjuku(published, m, args.scenario));
    }
  } catch (const config::ConfigError& e) {
    fmt::print(stderr,
               "{}\n(run from the repository root, or pass --presets DIR / --scenario FILE)\n",
               e.what());
    return kExitBadInput;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "xcallsim validate: error: {}; fix: pass a scenario that sends raw IPIs\n",
               e.what());
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "xcallsim validate: {}\n", e.what());
    return kExitRunFailed;
  }

  fmt::print("Shinjuku (NSDI '19) Table 1, model vs published, cycles\n");
  fmt::print("model: {} (one preset per row, {}); workload {}\n", machine_name, args.presets,
             args.scenario);
  fmt::print(
      "published: 2x Xeon E5-2658 @ 2.3 GHz (CALIBRATION.md); sender and receiver "
      "columns restate the primitives P4, P5, P9 taken from this table, so only the "
      "total tests the model\n\n");
  fmt::print("{}", study::format_validation(rows, args.markdown));
  fmt::print("\nhow each total arises (cycles from the start of the send):\n");
  for (const study::ValidationRow& r : rows) fmt::print("{}", breakdown(r));
  fmt::print(
      "\nerror = (model - published) / published; explanation of every gap over 25%: "
      "docs/validation.md\n");
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
      "Predict Shinjuku (NSDI '19) Table 1 (IPI cost with and without VM exits) and the "
      "in-sample composites from machine presets and scenario files; print model vs published "
      "with the error in %.");
  cmd->add_option("--presets", args->presets,
                  "Folder of the Table 1 rows' machine presets (default configs/machines)");
  cmd->add_option("--scenario", args->scenario,
                  "The Table 1 workload (default "
                  "configs/scenarios/validation/shinjuku-table1.toml)");
  cmd->add_flag("--markdown", args->markdown, "Print the tables as markdown");
  cmd->add_option("--sweeps", args->sweeps,
                  "Folder of the composites' sweep specs (validation-c*.toml); default "
                  "configs/sweeps; empty: Shinjuku's table only");
  cmd->callback([args, &status] { status = validate(*args); });
}

}  // namespace xcallsim::cli
