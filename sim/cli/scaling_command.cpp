// `xcallsim scaling`: fan-out SYNC latency vs number of targets on each preset
// in each IPI sending mode; a markdown table on stdout, gnuplot data + script
// + PNG in --out-dir (docs/scaling.md).
#include <fmt/core.h>
#include <fmt/os.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "sim/cli/commands.hpp"
#include "sim/cli/session.hpp"
#include "sim/config/config.hpp"
#include "sim/machine/machine.hpp"
#include "sim/plot/gnuplot.hpp"
#include "sim/study/study.hpp"
#include "sim/text/text.hpp"

namespace xcallsim::cli {
namespace {

namespace fs = std::filesystem;
using study::SendMode;

constexpr SendMode kModes[] = {SendMode::XApicPhysical, SendMode::X2ApicCluster,
                               SendMode::X2ApicPhysical};
constexpr int kTableColumns[] = {1, 2, 4, 8, 16, 32, 64, 128};

struct ScalingArgs {
  std::vector<std::string> machines;
  std::string machines_dir = "configs/machines";
  std::string out_dir = "docs";
  int reps = 3;
  bool plot = true;
  bool quiet = false;
};

struct Curve {
  SendMode mode{};
  bool possible = true;
  std::vector<study::FanoutPoint> points;  // shorthand off, n = 1..cpus-1
  study::FanoutPoint shorthand;            // n = cpus-1, shorthand on
};

struct MachineResult {
  machine::MachineConfig config;
  std::string file;
  int cpus = 0;
  std::vector<Curve> curves;
  std::vector<std::pair<int, std::string>> marks;  // first target of a new socket / thread
};

double ns(const machine::MachineConfig& m, machine::Cycles c) {
  return static_cast<double>(c) / m.ghz;
}

MachineResult sweep(const std::string& file, int reps, Progress& progress) {
  MachineResult r;
  r.file = file;
  r.config = machine::load_machine_config(file);
  const machine::Topology topology(r.config);
  r.cpus = topology.cpu_count();
  for (int n = 2; n < r.cpus; ++n) {
    const machine::CpuPlace& a = topology.place(n - 1);
    const machine::CpuPlace& b = topology.place(n);
    if (b.thread != a.thread)
      r.marks.emplace_back(n, fmt::format("thread {} of each core", b.thread));
    else if (b.socket != a.socket)
      r.marks.emplace_back(n, fmt::format("socket {}", b.socket));
  }
  std::vector<int> all;
  for (int n = 1; n < r.cpus; ++n) all.push_back(n);
  for (const SendMode mode : kModes) {
    Curve c;
    c.mode = mode;
    try {
      const auto plain = study::with_send_mode(r.config, mode, false);
      for (const int n : all) {  // one independent run per point (study::fanout_sweep)
        c.points.push_back(study::fanout_sweep(plain, {n}, reps).front());
        progress.update(
            fmt::format("{} {} n={}", text::printable(r.config.name), study::to_string(mode), n),
            static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(all.size()));
      }
      const auto sh = study::with_send_mode(r.config, mode, true);
      c.shorthand = study::fanout_sweep(sh, {r.cpus - 1}, reps).front();
    } catch (const std::invalid_argument&) {
      c.possible = false;  // e.g. xAPIC on a machine with APIC IDs above 0xFE
    }
    r.curves.push_back(std::move(c));
  }
  return r;
}

std::string table(const std::vector<MachineResult>& results) {
  std::string out = "| preset | CPUs | mode (booted as) |";
  for (const int n : kTableColumns) out += fmt::format(" {} |", n);
  out += " all but self, no shorthand | all but self, shorthand | ICR writes (no sh. / sh.) |\n";
  out += "|---|---:|---|";
  for (std::size_t i = 0; i < std::size(kTableColumns); ++i) out += "---:|";
  out += "---:|---:|---:|\n";
  for (const MachineResult& r : results) {
    const fs::path stem = fs::path(r.file).stem();
    for (const Curve& c : r.curves) {
      const bool native =
          (c.mode == SendMode::XApicPhysical && r.config.apic.mode == machine::ApicMode::XApic) ||
          (r.config.apic.mode == machine::ApicMode::X2Apic &&
           ((c.mode == SendMode::X2ApicCluster &&
             r.config.apic.dest_mode == machine::IpiDestMode::LogicalCluster) ||
            (c.mode == SendMode::X2ApicPhysical &&
             r.config.apic.dest_mode == machine::IpiDestMode::Physical)));
      out += fmt::format("| {} | {} | {}{} |", text::printable(stem.string()), r.cpus,
                         study::to_string(c.mode), native ? " (*)" : "");
      if (!c.possible) {
        for (std::size_t i = 0; i < std::size(kTableColumns) + 3; ++i) out += " n/a |";
        out += "\n";
        continue;
      }
      for (const int n : kTableColumns)
        out += n < r.cpus ? fmt::format(" {:.0f} |", ns(r.config, c.points[n - 1].latency)) : " |";
      const study::FanoutPoint& last = c.points.back();
      out +=
          fmt::format(" {:.0f} | {:.0f} | {} / {} |\n", ns(r.config, last.latency),
                      ns(r.config, c.shorthand.latency), last.icr_writes, c.shorthand.icr_writes);
    }
  }
  out +=
      "\nns of SYNC smp_xcall_mask latency on CPU 0 (warm, empty callback) by number of targets "
      "(CPUs 1..n); (*) = the mode the preset boots in.\n";
  return out;
}

// One data block per (machine, mode): n, ns, cycles, ICR writes, busy-bit
// cycles; then one block per machine of shorthand points: mode index, n, ns.
void write_plot(const std::vector<MachineResult>& results, const fs::path& dir, bool run_gnuplot) {
  fs::create_directories(dir);
  const fs::path dat = dir / "scaling.dat";
  const fs::path gp = dir / "scaling.gp";
  const fs::path png = dir / "scaling.png";
  {
    auto out = fmt::output_file(dat.string());
    out.print("# xcallsim scaling: SYNC smp_xcall_mask fan-out from CPU 0 to CPUs 1..n\n");
    for (const MachineResult& r : results) {
      for (const Curve& c : r.curves) {
        out.print("# {} / {}\n# n ns cycles icr_writes icr_busy_cycles\n",
                  text::printable(r.config.name), study::to_string(c.mode));
        if (c.possible)
          for (const auto& p : c.points)
            out.print("{} {:.1f} {} {} {}\n", p.targets, ns(r.config, p.latency), p.latency,
                      p.icr_writes, p.icr_busy);
        else
          out.print("1 NaN NaN NaN NaN\n");
        out.print("\n\n");
      }
      out.print("# {} / all-but-self with shorthand\n# mode n ns\n",
                text::printable(r.config.name));
      for (std::size_t i = 0; i < r.curves.size(); ++i) {
        const Curve& c = r.curves[i];
        if (c.possible)
          out.print("{} {} {:.1f}\n", i, c.shorthand.targets, ns(r.config, c.shorthand.latency));
      }
      out.print("\n\n");
    }
  }
  {
    auto out = fmt::output_file(gp.string());
    out.print(
        "# Generated by `xcallsim scaling`; data: scaling.dat (one block per preset and mode).\n");
    // gnuplot runs in the script's directory (plot::run_gnuplot), where the
    // data and the image live: names relative to it keep the script portable.
    // Three panels per row, as many rows as the presets need (~475 px each).
    const std::size_t rows = std::max<std::size_t>(1, (results.size() + 2) / 3);
    out.print("set terminal pngcairo size 1500,{} font ',10'\nset output {}\n", 475 * rows,
              plot::path_literal(png.filename()));
    out.print(
        "set datafile missing 'NaN'\nset key top left Left reverse samplen 2 opaque\nset grid\n");
    out.print(
        "set multiplot layout {},3 title 'SYNC smp\\_xcall\\_mask fan-out latency from CPU 0 "
        "(model; empty callback; targets idle)'\n",
        rows);
    const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c"};
    const std::size_t per_machine = std::size(kModes) + 1;
    for (std::size_t m = 0; m < results.size(); ++m) {
      const MachineResult& r = results[m];
      out.print("set title {} noenhanced\n",
                plot::literal(fmt::format("{}, {} CPUs", r.config.name, r.cpus)));
      out.print("set xlabel 'targets (CPUs 1..n)'\nset ylabel 'latency (us)'\n");
      out.print("set xrange [0:{}]\nset yrange [0:*]\nset offsets 0, 0, graph 0.3, 0\n", r.cpus);
      std::string plot = "plot ";
      for (std::size_t i = 0; i < std::size(kModes); ++i) {
        plot += fmt::format(
            "{} index {} using 1:($2/1000) with lines lw 2 dt {} lc rgb '{}' title {}, ",
            plot::path_literal(dat.filename()), m * per_machine + i, i == 2 ? 2 : 1, colors[i],
            plot::literal(study::to_string(kModes[i])));
      }
      // With the shorthand every mode sends one ICR write: one marker.
      plot += fmt::format(
          "{} index {} every ::0::0 using 2:($3/1000) with points pt 13 ps 2.2 lc rgb 'black' "
          "title 'all but self, shorthand (any mode)'\n",
          plot::path_literal(dat.filename()), m * per_machine + std::size(kModes));
      out.print("unset arrow\nunset label\n");
      for (const auto& [n, text] : r.marks)
        out.print(
            "set arrow from {0}, graph 0 to {0}, graph 1 nohead dt 3 lc rgb 'gray40'\n"
            "set label {1} at {0}, graph 0.03 left rotate by 90 offset -0.8,0 tc rgb "
            "'gray40' noenhanced\n",
            n, plot::literal(text + " ->"));
      out.print("{}", plot);
    }
    out.print("unset multiplot\n");
  }
  fmt::print("\nwrote {} and {}\n", dat.string(), gp.string());
  if (!run_gnuplot) return;
  plot::run(gp);
  fmt::print("wrote {} (open it with any image viewer)\n", png.string());
}

int scaling(const ScalingArgs& args) {
  std::vector<std::string> files = args.machines;
  if (files.empty()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(args.machines_dir, ec))
      if (e.path().extension() == ".toml") files.push_back(e.path().string());
    if (ec || files.empty()) {
      fmt::print(stderr,
                 "xcallsim scaling: {}: error: no machine configs found; fix: run from the "
                 "repository root, or pass --machines-dir DIR or -m FILE\n",
                 args.machines_dir);
      return kExitBadInput;
    }
    std::sort(files.begin(), files.end());
  }
  if (!args.out_dir.empty()) {
    std::error_code ec;
    if (fs::exists(args.out_dir, ec) && !fs::is_directory(args.out_dir, ec)) {
      fmt::print(stderr,
                 "xcallsim scaling: --out-dir {}: error: exists and is not a directory; fix: "
                 "name a directory (it is created if missing), or --out-dir '' for no files\n",
                 text::printable(args.out_dir));
      return kExitBadInput;
    }
    try {
      plot::path_literal(args.out_dir);  // refuse a name the script could not hold, before the run
    } catch (const plot::PlotError& e) {
      fmt::print(stderr, "xcallsim scaling: --out-dir: error: {}\n", e.what());
      return kExitBadInput;
    }
  }
  std::vector<MachineResult> results;
  Progress progress("scaling", args.quiet);
  for (const std::string& file : files) {
    try {
      results.push_back(sweep(file, args.reps, progress));
    } catch (const config::ConfigError& e) {
      fmt::print(stderr, "{}\n", e.what());
      return kExitBadInput;
    } catch (const std::runtime_error& e) {
      fmt::print(stderr, "xcallsim scaling: {}: {}\n", file, e.what());
      return kExitRunFailed;
    }
  }
  progress.finish();
  fmt::print("{}", table(results));
  if (args.out_dir.empty()) return kExitOk;
  try {
    write_plot(results, args.out_dir, args.plot);
  } catch (const plot::PlotError& e) {
    fmt::print(stderr, "xcallsim scaling: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::system_error& e) {  // fmt::output_file, fs::create_directories
    fmt::print(stderr,
               "xcallsim scaling: --out-dir {}: error: cannot write: {}; fix: name a "
               "writable directory\n",
               text::printable(args.out_dir), e.what());
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace

void add_scaling_command(CLI::App& app, int& status) {
  auto args = std::make_shared<ScalingArgs>();
  CLI::App* cmd = app.add_subcommand(
      "scaling",
      "Fan-out scaling study: SYNC smp_xcall_mask latency from CPU 0 to 1..N-1 targets on each "
      "machine preset, xAPIC physical vs x2APIC cluster vs x2APIC physical, with and without the "
      "all-but-self shorthand; prints a markdown table, writes gnuplot data, script and PNG.");
  cmd->add_option("-m,--machine", args->machines,
                  "Machine config(s) (TOML); default: every "
                  "*.toml in --machines-dir")
      ->check(RegularFile);
  cmd->add_option("--machines-dir", args->machines_dir,
                  "Directory of machine presets (default configs/machines)");
  cmd->add_option("--out-dir", args->out_dir,
                  "Where scaling.dat, scaling.gp and scaling.png go (default docs; empty: none)");
  cmd->add_option("--reps", args->reps, "Warm calls per point, median reported (default 3)")
      ->check(CLI::Range(1, 100));
  cmd->add_flag("!--no-plot", args->plot, "Write the data and script but do not run gnuplot");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress line on stderr");
  cmd->callback([args, &status] { status = scaling(*args); });
}

}  // namespace xcallsim::cli
