// `xcallsim sweep SPEC.toml`: every point of a sweep file on every core; one
// CSV row per point in grid order, a markdown table on stdout.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

#include "sim/cli/commands.hpp"
#include "sim/cli/session.hpp"
#include "sim/cli/sweep_ranks.hpp"
#include "sim/config/config.hpp"
#include "sim/plot/gnuplot.hpp"
#include "sim/sweep/sweep.hpp"
#include "sim/text/text.hpp"

namespace xcallsim::cli {
namespace {

struct SweepArgs {
  std::string spec;
  std::string out;  // CSV
  unsigned jobs = 0;
  bool resume = false;
  bool quiet = false;
  bool no_plot = false;
};

// The spec's [plot], next to the CSV: data and script, then gnuplot.
int draw_plot(const SweepArgs& args, const sweep::Spec& spec, std::vector<std::string> lines,
              const std::vector<sweep::Row>& rows) {
  for (const sweep::Row& row : rows) lines.push_back(sweep::csv_line(spec, row));
  try {
    const sweep::PlotFiles files = sweep::write_plot(spec, lines, args.out);
    if (args.no_plot) {
      fmt::print("wrote {} and {}\n", files.data.string(), files.script.string());
      return kExitOk;
    }
    plot::run(files.script);
    fmt::print("wrote {} ({} and {})\n", files.image.string(), files.data.string(),
               files.script.string());
  } catch (const plot::PlotError& e) {
    fmt::print(stderr, "xcallsim sweep: plot: error: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::system_error& e) {
    fmt::print(stderr,
               "xcallsim sweep: plot: error: cannot write: {}; fix: name a writable --out\n",
               e.what());
    return kExitBadInput;
  }
  return kExitOk;
}

// The rows a killed run already wrote: the longest prefix of complete lines
// that are the grid's first points, under the same header.
std::vector<std::string> resumable(const std::string& path, const sweep::Spec& spec,
                                   const std::vector<sweep::Point>& grid, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (true) {
    const std::size_t end = all.find('\n', at);
    if (end == std::string::npos) break;  // an unfinished last line is dropped
    lines.push_back(all.substr(at, end - at + 1));
    at = end + 1;
  }
  if (lines.empty()) return {};
  if (lines.front() != sweep::csv_header(spec)) {
    problem = "its header is not this sweep's columns";
    return {};
  }
  std::vector<std::string> rows;
  for (std::size_t i = 1; i < lines.size() && i - 1 < grid.size(); ++i) {
    std::string prefix;
    for (const std::string& c : sweep::point_cells(grid[i - 1])) prefix += c + ",";
    if (lines[i].rfind(prefix, 0) != 0) break;  // not the point this line should hold
    rows.push_back(lines[i]);
  }
  return rows;
}

int run_sweep(const SweepArgs& args, const std::optional<MpiWorld>& world) {
  sweep::Spec spec;
  try {
    spec = sweep::load_spec(args.spec);
  } catch (const config::ConfigError& e) {
    if (!world || world->rank == 0) fmt::print(stderr, "{}\n", e.what());
    return kExitBadInput;
  }
  if (world && world->rank > 0) {  // every rank read the same file; rank 0 writes
    serve_points(spec, sweep::points(spec));
    return kExitOk;
  }
  if (refuse_overwrite("sweep: --out", args.out, {args.spec})) return kExitBadInput;
  const std::vector<sweep::Point> grid = sweep::points(spec);
  std::vector<std::string> done;
  if (args.resume && !args.out.empty()) {
    std::string problem;
    done = resumable(args.out, spec, grid, problem);
    if (!problem.empty()) {
      fmt::print(stderr, "xcallsim sweep: --resume: {}: {}; fix: remove it or drop --resume\n",
                 args.out, problem);
      return kExitBadInput;
    }
  }

  std::ofstream csv;
  if (!args.out.empty()) {
    csv.open(args.out, std::ios::binary | std::ios::trunc);
    if (!csv) {
      fmt::print(stderr, "xcallsim sweep: {}: cannot write; fix: name a writable file\n", args.out);
      return kExitBadInput;
    }
    csv << sweep::csv_header(spec);
    for (const std::string& line : done) csv << line;
    csv.flush();
  }

  // Workers take points in grid order; results are written in grid order as
  // soon as the next one is ready, so a killed sweep leaves a clean prefix.
  std::vector<std::optional<sweep::Row>> results(grid.size());
  std::mutex m;
  std::condition_variable ready;
  std::atomic<std::size_t> next{done.size()};
  Interruption interruption;
  // Under MPI each rank is one worker unless told otherwise (K ranks on K cores).
  const unsigned jobs = args.jobs != 0 ? args.jobs
                        : world        ? 1u
                                       : std::max(1u, std::thread::hardware_concurrency());
  std::optional<Coordinator> coordinator;
  if (world && world->size > 1) coordinator.emplace(*world);
  const auto next_point = [&]() -> std::optional<std::size_t> {
    if (interruption.requested()) return std::nullopt;
    const std::size_t i = next.fetch_add(1);
    return i < grid.size() ? std::optional<std::size_t>(i) : std::nullopt;
  };
  const auto store_row = [&](sweep::Row row) {
    const std::size_t i = row.point.index;
    row.point = grid[i];
    const std::lock_guard lock(m);
    results[i] = std::move(row);
  };
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs; ++w) {
    workers.emplace_back([&] {
      while (const std::optional<std::size_t> i = next_point()) {
        store_row(sweep::run_point(spec, grid[*i]));
        ready.notify_all();
      }
    });
  }

  Progress progress("sweep", args.quiet);
  std::size_t failed = 0;
  std::vector<sweep::Row> rows;
  for (std::size_t i = done.size(); i < grid.size(); ++i) {
    std::unique_lock lock(m);
    while (!results[i].has_value() && !interruption.requested()) {
      if (!coordinator) {
        ready.wait(lock);
        continue;
      }
      // Rank 0's own thread serves the other ranks between its waits.
      lock.unlock();
      const bool served = coordinator->poll(next_point, store_row);
      lock.lock();
      if (!served) ready.wait_for(lock, std::chrono::milliseconds(1));
    }
    if (!results[i]) break;  // interrupted before this point ran
    const sweep::Row& row = *results[i];
    lock.unlock();
    if (row.failed) {
      ++failed;
      fmt::print(stderr, "xcallsim sweep: point {} ({}) failed: {}\n", i + 1,
                 text::printable(fmt::format("{}", fmt::join(sweep::point_cells(row.point), ", "))),
                 text::printable(row.error));
    }
    if (csv.is_open()) {
      csv << sweep::csv_line(spec, row);
      csv.flush();
    }
    rows.push_back(row);
    progress.update(fmt::format("{}/{} points", i + 1, grid.size()), i + 1, grid.size());
  }
  for (auto& t : workers) t.join();
  // Every other rank asks once more after its last point: tell each to stop.
  while (coordinator && !coordinator->all_stopped())
    if (!coordinator->poll(next_point, store_row))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  progress.finish();
  if (csv.is_open()) csv.close();
  fmt::print("{}", sweep::markdown(spec, rows));
  if (!args.out.empty())
    fmt::print("\nwrote {} ({} points{}{})\n", args.out, done.size() + rows.size(),
               done.empty() ? "" : fmt::format(", {} kept from the earlier run", done.size()),
               coordinator ? fmt::format(", spread over {} MPI ranks", world->size) : "");
  if (spec.plot && args.out.empty() && !interruption.requested())
    fmt::print(stderr, "xcallsim sweep: [plot] is drawn next to --out FILE; none was given\n");
  if (spec.plot && !args.out.empty() && !interruption.requested())
    if (const int status = draw_plot(args, spec, done, rows); status != kExitOk) return status;
  if (interruption.requested()) {
    fmt::print(stderr, "xcallsim sweep: {}; {} of {} points done (--resume goes on)\n",
               interruption.describe(), done.size() + rows.size(), grid.size());
    return interruption.exit_status();
  }
  if (failed > 0) {
    fmt::print(stderr, "xcallsim sweep: {} of {} points failed\n", failed, grid.size());
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace

void add_sweep_command(CLI::App& app, int& status) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a grid of independent simulations (machines x scenarios x profiles x send modes x "
      "seeds) from a sweep file on every core; CSV per point, markdown table on stdout "
      "(docs/sweep-format.md).");
  cmd->add_option("spec", args->spec, "Sweep file (TOML), e.g. configs/sweeps/fanout-modes.toml")
      ->required()
      ->check(RegularFile);
  cmd->add_option("-o,--out", args->out, "Write one CSV row per point to FILE");
  cmd->add_option("-j,--jobs", args->jobs, "Points run in parallel (default: every core)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--resume", args->resume,
                "Keep the rows --out already holds (a killed sweep) and run the rest")
      ->needs("--out");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress line on stderr");
  cmd->add_flag("--no-plot", args->no_plot,
                "With a [plot] in the spec: write its data and script next to --out, but do not "
                "run gnuplot");
  cmd->callback([args, &status] {
    const std::optional<MpiWorld> world = mpi_world();
    status = run_sweep(*args, world);
    mpi_finish();
  });
}

}  // namespace xcallsim::cli
