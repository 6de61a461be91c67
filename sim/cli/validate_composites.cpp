// `xcallsim validate`, second part: the in-sample composites C1-C4 of
// CALIBRATION.md (C1, C2 inside KVM guests), each computed from presets and
// scenario files through a sweep spec (configs/sweeps/validation-c*.toml),
// printed model vs published.
// The published numbers here are observations to compare with, not costs:
// every cost the model uses is in the presets (docs/validation.md).
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "sim/cli/validate_composites.hpp"
#include "sim/sweep/sweep.hpp"

namespace xcallsim::cli {

namespace {

std::vector<sweep::Row> run_spec(const std::filesystem::path& file) {
  const sweep::Spec spec = sweep::load_spec(file);
  std::vector<sweep::Row> rows;
  for (const sweep::Point& p : sweep::points(spec)) {
    rows.push_back(sweep::run_point(spec, p));
    if (rows.back().failed)
      throw std::runtime_error(
          fmt::format("{}: point {} failed: {}", file.string(), p.index + 1, rows.back().error));
  }
  return rows;
}

double cell(const sweep::Row& row, std::size_t column) {
  return std::stod(row.values.at(column));
}

std::string error_pct(double model, double published) {
  return fmt::format("{:+.1f}%", 100.0 * (model - published) / published);
}

struct Line {
  std::string what;
  double model, published;
  std::string unit;
};

void print_lines(const std::vector<Line>& lines, bool markdown) {
  if (markdown) {
    fmt::print("| composite | model | published | error |\n|---|---:|---:|---:|\n");
    for (const Line& l : lines)
      fmt::print("| {} | {:.2f} {} | {:.2f} {} | {} |\n", l.what, l.model, l.unit, l.published,
                 l.unit, error_pct(l.model, l.published));
    return;
  }
  for (const Line& l : lines)
    fmt::print("  {:<58} {:>10.2f} / {:<10.2f} {:<5} {:>8}\n", l.what, l.model, l.published, l.unit,
               error_pct(l.model, l.published));
}

}  // namespace

void print_composites(const std::filesystem::path& sweeps, bool markdown) {
  fmt::print("\nIn-sample composites (CALIBRATION.md C1-C4), model / published\n");
  std::vector<Line> lines;
  // C1: column p50_ns; points PV send-IPI exposed, then hidden (AVIC alone).
  const std::vector<sweep::Row> c1 = run_spec(sweeps / "validation-c1.toml");
  lines.push_back(
      {"C1 guest unicast SYNC call, PV send-IPI (AVIC host)", cell(c1.at(0), 0), 1860, "ns"});
  lines.push_back({"C1 guest unicast SYNC call, AVIC", cell(c1.at(1), 0), 1390, "ns"});
  // C2: column p50_ns; points no-AVIC xAPIC, no-AVIC x2APIC, AVIC xAPIC, AVIC x2APIC.
  const std::vector<sweep::Row> c2 = run_spec(sweeps / "validation-c2.toml");
  lines.push_back(
      {"C2 guest broadcast to 179 vCPUs, xAPIC, no AVIC", cell(c2.at(0), 0) / 1000, 123.1, "us"});
  lines.push_back(
      {"C2 guest broadcast to 179 vCPUs, x2APIC, no AVIC", cell(c2.at(1), 0) / 1000, 130.7, "us"});
  lines.push_back(
      {"C2 guest broadcast to 179 vCPUs, xAPIC, AVIC", cell(c2.at(2), 0) / 1000, 191.1, "us"});
  // C3: columns p50_ns, icr_writes; points x2APIC cluster, then physical.
  const std::vector<sweep::Row> c3 = run_spec(sweeps / "validation-c3.toml");
  const double cluster = cell(c3.at(0), 0) / 1000, physical = cell(c3.at(1), 0) / 1000;
  lines.push_back({"C3 flush_tlb_all, 511 targets, x2APIC cluster", cluster, 35.4, "us"});
  lines.push_back({"C3 flush_tlb_all, 511 targets, x2APIC physical", physical, 123.6, "us"});
  lines.push_back({"C3 physical - cluster, per extra ICR write (479)",
                   (physical - cluster) * 1000 / 479, (123.6 - 35.4) * 1000 / 479, "ns"});
  // C4: columns calls, sim_us; points 1, 5, 10, 20, 40, 55 threads.
  const std::vector<sweep::Row> c4 = run_spec(sweeps / "validation-c4.toml");
  constexpr std::array<int, 6> kThreads{1, 5, 10, 20, 40, 55};
  constexpr std::array<double, 6> kPublished{159960, 310808, 479110, 534495, 612288, 614363};
  const auto rate = [&](std::size_t i) { return cell(c4.at(i), 0) / cell(c4.at(i), 1) * 1e6; };
  for (std::size_t i = 1; i < kThreads.size(); ++i)
    lines.push_back({fmt::format("C4 tlb_flush1 iterations/s at {} threads / at 1", kThreads[i]),
                     rate(i) / rate(0), kPublished[i] / kPublished[0], "x"});
  print_lines(lines, markdown);
}

}  // namespace xcallsim::cli
