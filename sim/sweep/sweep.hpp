// Contract: a sweep is a grid of independent, deterministic simulations
// (docs/sweep-format.md). load_spec() reads a sweep file strictly (every
// error a config::ConfigError at file:line:col with a fix); points() is the
// grid in a fixed order (machines, then scenarios, profiles, APIC modes,
// [[vary]] axes in spec order, seeds; the last axis varies fastest); run_point() runs one point on
// the calling thread (one Simulation, nothing shared) and never throws for what a point's inputs do
// wrong: a failure is a Row with `failed` set. The CSV and markdown of a set of rows depend only on
// the rows, so a sweep's output is the same bytes however its points were spread over threads or
// ranks (host_ms, if asked for, is the one exception, and says so).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/smp/smp.hpp"

namespace xcallsim::sweep {

// What a column shows of a point's summary. Per-call metrics name a call
// kind ("smp_xcall SYNC", as the summary labels rows).
enum class Metric : std::uint8_t {
  Calls,          // calls issued
  Unreturned,     // calls issued but not returned
  SimCycles,      // simulated time
  SimUs,          // simulated time in us
  IpisDelivered,  // interrupts delivered
  IrqsHandled,    // interrupts handled
  Warnings,       // library warnings
  Count,          // calls of the kind
  P50Ns,          // latency percentiles of the kind, ns at the machine clock
  P99Ns,
  MaxNs,
  P50Cycles,
  P99Cycles,
  Ipis,       // IPI sends by calls of the kind
  IcrWrites,  // ICR writes by calls of the kind
  Avoided,    // csds queued behind a non-empty queue (no IPI) of the kind
  HostMs,     // host wall time of the point: differs run to run
};

struct Column {
  std::string header;
  Metric metric{};
  std::string call;  // the call kind, for per-call metrics
};

enum class SendMode : std::uint8_t { Preset, XApicPhysical, X2ApicCluster, X2ApicPhysical };

// A [[vary]] axis: one machine-config key every machine of the sweep
// declares overridable, and its values (TOML text).
struct Vary {
  std::string key;
  std::vector<std::string> values;
};

// [plot]: y (a column) against x (a numeric [[vary]] key), one line per
// combination of the other axes' values (docs/sweep-format.md).
struct PlotSpec {
  std::size_t x_axis = 0;    // index into Spec::vary
  std::size_t y_column = 0;  // index into Spec::columns
  std::string title;
};

struct Spec {
  std::string name;
  std::string source;                 // the sweep file, for messages
  std::vector<std::string> machines;  // paths as resolved (relative to the spec's folder)
  std::vector<std::string> scenarios;
  std::vector<std::optional<smp::Profile>> profiles;  // nullopt: the scenario's
  std::vector<SendMode> send_modes;
  std::vector<Vary> vary;                           // in spec order, before seeds
  std::vector<std::optional<std::uint64_t>> seeds;  // nullopt: the scenario's
  std::vector<Column> columns;
  std::optional<PlotSpec> plot;
  std::uint64_t time_limit = 0;   // per point, cycles; 0: none
  std::optional<bool> shorthand;  // overrides every machine's [apic] shorthand
};

struct Point {
  std::size_t index = 0;  // position in the grid
  std::string machine, scenario;
  std::optional<smp::Profile> profile;
  SendMode send_mode = SendMode::Preset;
  std::vector<std::string> values;  // one per Spec::vary
  std::optional<std::uint64_t> seed;
};

struct Row {
  Point point;
  bool failed = false;
  std::string error;                // one line, when failed
  std::vector<std::string> values;  // one per Spec::columns, formatted
};

Spec load_spec(const std::filesystem::path& file);
Spec parse_spec(std::string_view toml_text, std::string_view source_name,
                const std::filesystem::path& base_dir);

std::vector<Point> points(const Spec& spec);
Row run_point(const Spec& spec, const Point& point);

// The CSV header and one line per row (RFC 4180 quoting), and a markdown table.
std::string csv_header(const Spec& spec);
std::string csv_line(const Spec& spec, const Row& row);
std::string markdown(const Spec& spec, const std::vector<Row>& rows);
// The parameter cells of a point, as csv_line() writes them (for --resume).
std::vector<std::string> point_cells(const Point& point);

std::string_view to_string(SendMode mode);

// The cells of one CSV line as csv_line() writes them (RFC 4180 quoting).
std::vector<std::string> split_csv(std::string_view line);

// spec.plot's data (one block per series) and gnuplot script, from the CSV
// lines of the points (header excluded), next to `csv`: <stem>.dat,
// <stem>.gp, drawing <stem>.png. Throws plot::PlotError for a file name the
// script cannot hold, std::system_error if a file cannot be written.
struct PlotFiles {
  std::filesystem::path data, script, image;
};
PlotFiles write_plot(const Spec& spec, const std::vector<std::string>& csv_lines,
                     const std::filesystem::path& csv);

}  // namespace xcallsim::sweep
