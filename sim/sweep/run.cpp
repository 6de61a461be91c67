// Running one point of a sweep, and the CSV and markdown of the rows.
#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "sim/config/config.hpp"
#include "sim/replay/summary.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/study/study.hpp"
#include "sim/sweep/sweep.hpp"

namespace xcallsim::sweep {
namespace {

namespace fs = std::filesystem;

std::string profile_cell(const std::optional<smp::Profile>& p) {
  return p ? std::string(smp::to_string(*p)) : "scenario";
}

const replay::CallRow* row_of(const replay::Summary& s, const std::string& label) {
  for (const replay::CallRow& r : s.rows)
    if (replay::row_label(r) == label) return &r;
  return nullptr;
}

std::string cell(const Column& c, const replay::Summary& s, double ghz, double host_ms) {
  const auto ns = [ghz](std::uint64_t cycles) {
    return fmt::format("{:.1f}", static_cast<double>(cycles) / ghz);
  };
  switch (c.metric) {
    case Metric::Calls:
      return std::to_string(s.calls);
    case Metric::Unreturned:
      return std::to_string(s.unreturned);
    case Metric::SimCycles:
      return std::to_string(s.end_time);
    case Metric::SimUs:
      return fmt::format("{:.3f}", static_cast<double>(s.end_time) / ghz / 1e3);
    case Metric::IpisDelivered:
      return std::to_string(s.ipis_delivered);
    case Metric::IrqsHandled:
      return std::to_string(s.irqs_handled);
    case Metric::Warnings:
      return std::to_string(s.warnings);
    case Metric::HostMs:
      return fmt::format("{:.1f}", host_ms);
    default:
      break;
  }
  const replay::CallRow* r = row_of(s, c.call);
  if (r == nullptr) return "";  // no call of that kind at this point
  switch (c.metric) {
    case Metric::Count:
      return std::to_string(r->count);
    case Metric::P50Ns:
      return ns(r->latency.p50);
    case Metric::P99Ns:
      return ns(r->latency.p99);
    case Metric::MaxNs:
      return ns(r->latency.max);
    case Metric::P50Cycles:
      return std::to_string(r->latency.p50);
    case Metric::P99Cycles:
      return std::to_string(r->latency.p99);
    case Metric::Ipis:
      return std::to_string(r->ipis_sent);
    case Metric::IcrWrites:
      return std::to_string(r->icr_writes);
    case Metric::Avoided:
      return std::to_string(r->ipis_avoided);
    default:
      return "";
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_field(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

// The file as the sweep file named it: relative names stay readable.
std::string shown(const std::string& path) {
  return fs::path(path).filename().string();
}

}  // namespace

// Every combination of the [[vary]] values, the last axis fastest.
std::vector<std::vector<std::string>> vary_grid(const Spec& spec) {
  std::vector<std::vector<std::string>> grid{{}};
  for (const Vary& v : spec.vary) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : grid)
      for (const std::string& value : v.values) {
        next.push_back(prefix);
        next.back().push_back(value);
      }
    grid = std::move(next);
  }
  return grid;
}

std::vector<Point> points(const Spec& spec) {
  std::vector<Point> out;
  const auto grid = vary_grid(spec);
  for (const auto& m : spec.machines)
    for (const auto& s : spec.scenarios)
      for (const auto& p : spec.profiles)
        for (const auto mode : spec.send_modes)
          for (const auto& values : grid)
            for (const auto& seed : spec.seeds)
              out.push_back({out.size(), m, s, p, mode, values, seed});
  return out;
}

Row run_point(const Spec& spec, const Point& point) {
  Row row;
  row.point = point;
  const auto start = std::chrono::steady_clock::now();  // host_ms only
  try {
    std::vector<machine::Override> overrides;
    for (std::size_t i = 0; i < spec.vary.size() && i < point.values.size(); ++i)
      overrides.push_back({spec.vary[i].key, point.values[i]});
    machine::MachineConfig m = machine::load_machine_config(point.machine, overrides);
    if (spec.shorthand) m.apic.use_shorthand = *spec.shorthand;
    if (point.send_mode != SendMode::Preset) {
      const auto mode = point.send_mode == SendMode::XApicPhysical ? study::SendMode::XApicPhysical
                        : point.send_mode == SendMode::X2ApicCluster
                            ? study::SendMode::X2ApicCluster
                            : study::SendMode::X2ApicPhysical;
      m = study::with_send_mode(m, mode, m.apic.use_shorthand);
    }
    scenario::Scenario s = scenario::load_scenario(point.scenario);
    if (point.seed) s.seed = *point.seed;
    smp::Options options;
    options.profile = point.profile.value_or(s.profile.value_or(smp::Profile::Seed));
    options.time_limit = spec.time_limit;
    smp::Simulation sim(m, options);
    scenario::bind(s, sim);
    replay::SummaryBuilder summary;
    sim.set_trace_sink(summary);
    const smp::Outcome outcome = sim.run();
    if (outcome.stuck) throw std::runtime_error("a call got stuck (csd lock wait timed out)");
    if (outcome.stalled) throw std::runtime_error("the run stalled (no simulated time passing)");
    if (!outcome.completed && !outcome.time_limit_hit)
      throw std::runtime_error("the run did not complete");
    const double host_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const replay::Summary result = summary.finish();
    for (const Column& c : spec.columns) row.values.push_back(cell(c, result, m.ghz, host_ms));
  } catch (const config::ConfigError& e) {
    row.failed = true;
    row.error = e.what();
  } catch (const std::exception& e) {  // invalid_argument (send mode), runtime_error above
    row.failed = true;
    row.error = e.what();
  }
  if (row.failed) row.values.assign(spec.columns.size(), "");
  return row;
}

std::vector<std::string> point_cells(const Point& p) {
  std::vector<std::string> cells{shown(p.machine), shown(p.scenario), profile_cell(p.profile),
                                 std::string(to_string(p.send_mode))};
  cells.insert(cells.end(), p.values.begin(), p.values.end());
  cells.push_back(p.seed ? std::to_string(*p.seed) : "scenario");
  return cells;
}

std::string csv_header(const Spec& spec) {
  std::string out = "machine,scenario,profile,send_mode,";
  for (const Vary& v : spec.vary) out += csv_field(v.key) + ",";
  out += "seed,status";
  for (const Column& c : spec.columns) out += "," + csv_field(c.header);
  return out + "\n";
}

std::string csv_line(const Spec& spec, const Row& row) {
  std::string out;
  for (const std::string& cell_text : point_cells(row.point)) out += csv_field(cell_text) + ",";
  out += csv_field(row.failed ? "failed: " + row.error : "ok");
  for (std::size_t i = 0; i < spec.columns.size(); ++i)
    out += "," + csv_field(i < row.values.size() ? row.values[i] : "");
  return out + "\n";
}

std::string markdown(const Spec& spec, const std::vector<Row>& rows) {
  std::string out = "| machine | scenario | profile | send mode |";
  for (const Vary& v : spec.vary) out += " " + md_field(v.key) + " |";
  out += " seed |";
  for (const Column& c : spec.columns) out += " " + md_field(c.header) + " |";
  out += "\n|---|---|---|---|";
  for (std::size_t i = 0; i < spec.vary.size(); ++i) out += "---|";
  out += "---|";
  for (std::size_t i = 0; i < spec.columns.size(); ++i) out += "---:|";
  out += "\n";
  for (const Row& r : rows) {
    out += "|";
    for (const std::string& c : point_cells(r.point)) out += " " + md_field(c) + " |";
    for (const std::string& v : r.values) out += " " + (r.failed ? "failed" : md_field(v)) + " |";
    out += "\n";
  }
  return out;
}

}  // namespace xcallsim::sweep
