// `xcallsim replay`, `export` and `import-ftrace`: commands that read or
// produce trace files (docs/trace-format.md).
#include <fmt/core.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/cli/commands.hpp"
#include "sim/cli/session.hpp"
#include "sim/config/config.hpp"
#include "sim/replay/latency_plot.hpp"
#include "sim/replay/perfetto.hpp"
#include "sim/replay/retime.hpp"
#include "sim/replay/summary.hpp"
#include "sim/replay/verify.hpp"
#include "sim/text/text.hpp"
#include "sim/trace/file.hpp"
#include "sim/trace/ftrace/ftrace_import.hpp"
#include "sim/trace/sink.hpp"

namespace xcallsim::cli {
namespace {

std::string_view source_name(trace::Source s) {
  switch (s) {
    case trace::Source::Sim:
      return "sim";
    case trace::Source::QemuDevmodel:
      return "qemu-devmodel";
    case trace::Source::QemuLapic:
      return "qemu-lapic";
    case trace::Source::LinuxFtrace:
      return "linux-ftrace";
  }
  return "unknown";
}

// Reads a trace file; on failure prints the reader's one-line error, else
// its warnings (a version 1 trace is not integrity checked).
std::optional<trace::TraceFile> load_trace(const std::string& path) {
  try {
    trace::TraceFile file = trace::read_trace_file(path);
    for (const std::string& w : file.warnings)
      fmt::print(stderr, "xcallsim: {}: warning: {}\n", path, w);
    return file;
  } catch (const trace::TraceError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return std::nullopt;
  }
}

struct ReplayArgs {
  std::string trace;
  bool no_verify = false;
  std::size_t max_violations = 50;
  std::string machine;  // re-time on this machine model
  std::string profile;
  std::string output;
  bool compare = false;
  std::uint64_t time_limit = 0;
  bool quiet = false;
};

// replay --machine: the trace's workload on another machine model.
int retime(const ReplayArgs& args, const trace::TraceFile& file) {
  machine::MachineConfig machine_config;
  try {
    machine_config = machine::load_machine_config(args.machine);
  } catch (const config::ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  replay::RetimeResult result;
  replay::Workload workload;
  Interruption interruption;
  Progress progress("replay", args.quiet);
  try {
    workload = replay::extract_workload(file, args.trace);
    replay::RetimeOptions options;
    if (args.profile == "seed") options.profile = smp::Profile::Seed;
    if (args.profile == "upstream") options.profile = smp::Profile::Upstream;
    options.time_limit = args.time_limit;
    options.monitor = [&](const smp::RunProgress& p) {
      progress.update(fmt::format("{:.1f} us re-timed",
                                  static_cast<double>(p.time) / machine_config.ghz / 1e3));
      return !interruption.requested();
    };
    result = replay::retime(workload, machine_config, options);
    progress.finish();
  } catch (const replay::WorkloadError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  fmt::print("re-timed {} on {} ({} workload, profile {})\n", args.trace, machine_config.name,
             workload.exact ? "exact" : "approximate", smp::to_string(result.profile));
  for (const std::string& note : workload.notes) fmt::print("  note: {}\n", text::printable(note));
  if (!args.output.empty()) {
    try {
      trace::write_trace(args.output, result.trace, result.header,
                         end_status(result.outcome, interruption.signal()));
    } catch (const trace::TraceError& e) {
      fmt::print(stderr, "{}\n", e.what());
      return kExitBadInput;
    }
    fmt::print("wrote {} ({} records)\n", args.output, result.trace.records.size());
  }
  fmt::print("\n");
  replay::SummaryHeader header{machine_config.name, result.header.scenario, result.header.profile};
  fmt::print("{}", replay::format_summary(replay::summarize(result.trace), result.trace, header));
  if (args.compare) {
    fmt::print("\n{}", replay::format_compare(file.trace, file.header.machine, result.trace,
                                              machine_config.name));
  }
  if (result.outcome.interrupted) {
    fmt::print(
        stderr, "xcallsim replay: {}{}\n", interruption.describe(),
        args.output.empty()
            ? std::string()
            : fmt::format("; {} holds the re-timed run so far (marked incomplete)", args.output));
    return interruption.exit_status();
  }
  if (result.outcome.stuck) {
    fmt::print(stderr, "{}", result.outcome.stuck_report);
    return kExitRunFailed;
  }
  if (!result.outcome.completed) {
    fmt::print(stderr, "xcallsim: the re-timed run did not complete\n{}",
               result.outcome.unfinished_report);
    return kExitRunFailed;
  }
  return kExitOk;
}

int replay(const ReplayArgs& args) {
  if (refuse_overwrite("replay", args.output, {args.trace, args.machine})) return kExitBadInput;
  std::optional<trace::TraceFile> loaded = load_trace(args.trace);
  if (!loaded) return kExitBadInput;
  trace::TraceFile& file = *loaded;
  const trace::TraceHeader& h = file.header;
  if (h.flags & trace::kFlagIncomplete) {
    fmt::print(stderr, "xcallsim: {}: trace is incomplete: {}\n", args.trace,
               trace::to_string(file.end));
  }
  if (!args.machine.empty()) return retime(args, file);
  fmt::print("trace: {} (source {}, {} records)\n", args.trace, source_name(h.source),
             file.trace.records.size());
  replay::SummaryHeader header{h.machine, h.scenario, h.profile.empty() ? "-" : h.profile};
  fmt::print("{}", replay::format_summary(replay::summarize(file.trace), file.trace, header));
  if (args.no_verify) return kExitOk;

  replay::VerifyReport report =
      replay::verify_report(file.trace, {.imported = h.source == trace::Source::LinuxFtrace});
  auto& violations = report.violations;
  if (file.end != trace::EndStatus::Complete) {
    // A trace cut short (Ctrl-C, a time limit, a stuck call) ends with calls
    // in flight: their returns, and an IPI due after an enqueue, lie past the
    // cut, so they are not violations of those calls.
    std::set<std::uint32_t> cut;
    for (const replay::Violation& v : violations)
      if (v.rule == replay::Rule::Unreturned) cut.insert(v.call);
    std::erase_if(violations, [&](const replay::Violation& v) {
      return cut.count(v.call) != 0 &&
             (v.rule == replay::Rule::Unreturned || v.rule == replay::Rule::MissingIpi);
    });
    const std::size_t in_flight = cut.size();
    if (in_flight > 0)
      fmt::print("\nverify: {} call(s) still in flight where the trace was cut ({}): not counted\n",
                 in_flight, trace::to_string(file.end));
  }
  // What was checked, on how many, and what this trace had no events for,
  // so an OK never names a check that had nothing to check.
  fmt::print("\n{}", replay::format_checks(report));
  if (violations.empty()) {
    std::size_t partial = 0;
    for (const replay::Check& c : report.checks) partial += !c.not_checked.empty();
    fmt::print("verify: OK ({} of {} invariants checked in full)\n", report.checks.size() - partial,
               report.checks.size());
    return kExitOk;
  }
  fmt::print("verify: {} violation(s)\n", violations.size());
  for (std::size_t i = 0; i < violations.size() && i < args.max_violations; ++i) {
    fmt::print("  {}\n", text::printable(replay::to_string(violations[i])));
  }
  if (violations.size() > args.max_violations) {
    fmt::print("  ... {} more\n", violations.size() - args.max_violations);
  }
  return kExitViolations;
}

struct ExportArgs {
  std::string trace, perfetto, latency_plot;
  bool quiet = false;
};

int export_trace(const ExportArgs& args) {
  if (args.perfetto.empty() && args.latency_plot.empty()) {
    fmt::print(stderr,
               "xcallsim export: nothing to do; fix: give --perfetto FILE.json and/or "
               "--latency-plot FILE.svg\n");
    return kExitBadInput;
  }
  if (refuse_overwrite("export", args.perfetto, {args.trace}) ||
      refuse_overwrite("export", args.latency_plot, {args.trace, args.perfetto}))
    return kExitBadInput;
  // One pass over the file: each record goes to the Perfetto writer and/or
  // the summary for the plot, so memory does not grow with the trace.
  Interruption interruption;
  Progress progress("export", args.quiet);
  std::ofstream json_out;
  try {
    trace::Reader reader(args.trace);
    const trace::TraceHeader& h = reader.header();
    std::unique_ptr<replay::PerfettoWriter> perfetto;
    if (!args.perfetto.empty()) {
      json_out.open(args.perfetto, std::ios::binary | std::ios::trunc);
      if (!json_out) {
        fmt::print(stderr, "xcallsim: {}: cannot write\n", args.perfetto);
        return kExitBadInput;
      }
      perfetto = std::make_unique<replay::PerfettoWriter>(
          replay::PerfettoWriter::Definitions{reader.functions(), reader.masks(),
                                              static_cast<int>(h.cpu_count), h.ghz},
          json_out);
    }
    replay::SummaryBuilder summary;
    trace::Record r;
    std::uint64_t records = 0;
    while (!interruption.requested() && reader.next(r)) {
      if (perfetto) perfetto->record(r);
      if (!args.latency_plot.empty()) summary.record(r);
      if ((++records & 0xFFFF) == 0)
        progress.update(fmt::format("{} records", records), 32 * records, reader.input_bytes());
    }
    progress.finish();
    for (const std::string& w : reader.warnings())
      fmt::print(stderr, "xcallsim: {}: warning: {}\n", args.trace, w);
    if (perfetto) {
      perfetto->finish();
      json_out.close();
      if (!json_out) {
        fmt::print(stderr, "xcallsim: {}: cannot write\n", args.perfetto);
        return kExitBadInput;
      }
      fmt::print("wrote {} (open it at https://ui.perfetto.dev or chrome://tracing)\n",
                 args.perfetto);
    }
    if (interruption.requested()) {
      fmt::print(stderr, "xcallsim export: {}; {} holds the first {} records\n",
                 interruption.describe(), args.perfetto.empty() ? "nothing" : args.perfetto,
                 records);
      return interruption.exit_status();
    }
    if (!args.latency_plot.empty()) {
      std::string title = fmt::format("{} on {} ({})", h.scenario.empty() ? args.trace : h.scenario,
                                      h.machine.empty() ? "?" : h.machine,
                                      h.profile.empty() ? source_name(h.source) : h.profile);
      replay::write_latency_plot(summary.finish(), h.ghz, title, args.latency_plot);
      fmt::print("wrote {} (latency CDF and histogram per call kind)\n", args.latency_plot);
    }
  } catch (const trace::TraceError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const replay::PlotError& e) {
    fmt::print(stderr, "xcallsim: {}: {}\n", args.latency_plot, e.what());
    return kExitBadInput;
  }
  return kExitOk;
}

int import_ftrace(const std::string& in, const std::string& out, double tsc_ghz, bool quiet,
                  const std::vector<std::string>& window) {
  if (refuse_overwrite("import-ftrace", out, {in})) return kExitBadInput;
  std::ifstream capture(in);
  if (!capture) {
    fmt::print(stderr, "xcallsim: {}: cannot open\n", in);
    return kExitBadInput;
  }
  Interruption interruption;
  Progress progress("import-ftrace", quiet);
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(in, size_error);
  try {
    trace::ftrace::ImportOptions options;
    if (tsc_ghz > 0) options.counter_ghz = tsc_ghz;
    if (window.size() == 2) {
      options.window_begin = window[0];
      options.window_end = window[1];
    }
    options.keep_going = [&](std::uint64_t lines) {
      const auto at = static_cast<std::uint64_t>(std::max<std::streamoff>(capture.tellg(), 0));
      progress.update(fmt::format("{} lines", lines), at, size_error ? 0 : bytes);
      return !interruption.requested();
    };
    auto result = trace::ftrace::import_ftrace(capture, in, options);
    progress.finish();
    trace::TraceHeader h;
    h.source = trace::Source::LinuxFtrace;
    h.machine = "linux";
    h.scenario = text::printable(in);
    if (result.stopped) h.flags |= trace::kFlagIncomplete;
    trace::write_trace(out, result.trace, h,
                       result.stopped
                           ? (interruption.signal() == SIGTERM ? trace::EndStatus::Sigterm
                                                               : trace::EndStatus::Sigint)
                           : trace::EndStatus::Complete);
    fmt::print("{}: {} lines, {} events imported, {} unknown lines skipped, {} lost events\n", in,
               result.lines_read, result.events_imported, result.unknown_lines_skipped,
               result.lost_events);
    if (window.size() == 2)
      fmt::print(
          "  window: {} lines outside it skipped; {} trace_marker lines kept as Mark records\n",
          result.outside_window, result.markers);
    fmt::print(
        "  call layer: {} enqueues inferred (no event showed them), {} callbacks linked to their "
        "call, {} returns without their issue dropped\n",
        result.inferred_enqueues, result.callbacks_linked, result.returns_dropped);
    for (const auto& [symbol, count] : result.counted_only) {
      fmt::print("  counted only (no record): {} x{}\n", text::printable(symbol), count);
    }
    fmt::print("wrote {} ({} records, {} CPUs)\n", out, result.trace.records.size(),
               result.trace.cpu_count);
    if (result.stopped) {
      fmt::print(stderr,
                 "xcallsim import-ftrace: {}; {} holds the first {} lines (marked incomplete)\n",
                 interruption.describe(), out, result.lines_read);
      return interruption.exit_status();
    }
  } catch (const trace::ftrace::ImportError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  } catch (const trace::TraceError& e) {
    std::error_code ignored;
    std::filesystem::remove(out, ignored);  // never leave a half-written trace behind
    fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace

void add_trace_commands(CLI::App& app, int& status) {
  auto r = std::make_shared<ReplayArgs>();
  CLI::App* replay_cmd = app.add_subcommand(
      "replay",
      "Read a trace (any source), print its summary and verify its invariants; with --machine, "
      "re-time its workload on another machine model instead.");
  replay_cmd->add_option("trace", r->trace, "Trace file")->required()->check(RegularFile);
  replay_cmd->add_flag("--no-verify", r->no_verify, "Only summarize");
  replay_cmd->add_option("--max-violations", r->max_violations, "List at most this many");
  CLI::Option* machine =
      replay_cmd
          ->add_option("-m,--machine", r->machine,
                       "Re-time: run the trace's workload (who called what, when, with which "
                       "flags and function costs) on this machine model (TOML) and print the "
                       "new summary instead; exact for traces xcallsim run wrote, approximate "
                       "(derived from call times) for others")
          ->check(RegularFile);
  replay_cmd
      ->add_option("-p,--profile", r->profile,
                   "Semantic profile of the re-timed run (default: the trace's; linux-ftrace "
                   "traces: upstream)")
      ->check(CLI::IsMember({"seed", "upstream"}))
      ->needs(machine);
  replay_cmd->add_option("-o,--output", r->output, "Write the re-timed trace to FILE")
      ->needs(machine);
  replay_cmd
      ->add_flag("--compare", r->compare,
                 "Print per-call-kind latency (p50/p99/max) old vs new with the ratio")
      ->needs(machine);
  replay_cmd
      ->add_option("--time-limit", r->time_limit,
                   "Stop the re-timed run after this many simulated cycles (0: no limit; a run "
                   "recorded with --time-limit re-times exactly with the same limit)")
      ->needs(machine);
  replay_cmd->add_flag("-q,--quiet", r->quiet, "No progress line on stderr");
  replay_cmd->callback([r, &status] { status = replay(*r); });

  auto e = std::make_shared<ExportArgs>();
  CLI::App* export_cmd =
      app.add_subcommand("export", "Convert a trace to a Perfetto timeline and/or a latency plot.");
  export_cmd->add_option("trace", e->trace, "Trace file")->required()->check(RegularFile);
  export_cmd->add_option("--perfetto", e->perfetto,
                         "Chrome Trace Event JSON that ui.perfetto.dev loads");
  export_cmd->add_option("--latency-plot", e->latency_plot,
                         "Latency CDF + histogram per call kind (.svg or .png, "
                         "drawn by gnuplot)");
  export_cmd->add_flag("-q,--quiet", e->quiet, "No progress line on stderr");
  export_cmd->callback([e, &status] { status = export_trace(*e); });

  auto text = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto ghz = std::make_shared<double>(0.0);  // 0: not given
  auto quiet = std::make_shared<bool>(false);
  auto window = std::make_shared<std::vector<std::string>>();
  CLI::App* import_cmd = app.add_subcommand(
      "import-ftrace",
      "Import Linux ftrace text (/sys/kernel/tracing/trace or trace-cmd report) into a trace.");
  import_cmd->add_option("ftrace", *text, "ftrace text file")->required()->check(RegularFile);
  import_cmd->add_option("-o,--output", *out, "Trace file to write")->required();
  import_cmd
      ->add_option("--tsc-ghz", *ghz,
                   "Rate (GHz) of raw-counter timestamps (trace_clock x86-tsc, counter) "
                   "when the capture has no xcallsim-clock comment; such a capture without "
                   "either is refused")
      ->check(Finite & CLI::PositiveNumber);
  import_cmd->add_flag("-q,--quiet", *quiet, "No progress line on stderr");
  import_cmd
      ->add_option("--window", *window,
                   "BEGIN END: import only from the trace_marker line matching the regex BEGIN "
                   "to the next matching END (echo TEXT > /sys/kernel/tracing/trace_marker)")
      ->expected(2);
  import_cmd->callback([text, out, ghz, quiet, window, &status] {
    status = import_ftrace(*text, *out, *ghz, *quiet, *window);
  });
}

}  // namespace xcallsim::cli
