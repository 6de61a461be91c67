#include "sim/replay/latency_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <vector>

#include "sim/plot/gnuplot.hpp"

namespace xcallsim::replay {
namespace {

namespace fs = std::filesystem;

// Quarter-octave bins as an explicit outline (left edge, top, right edge,
// down to zero), so a kind whose calls all fall in one bin still shows.
void write_histogram(const std::map<std::uint64_t, std::uint64_t>& latencies, double ghz,
                     const fs::path& file) {
  std::map<int, std::uint64_t> bins;  // bin index -> count
  for (const auto& [cycles, calls] : latencies) {
    double ns = std::max(static_cast<double>(cycles) / ghz, 1.0);
    bins[static_cast<int>(std::floor(4.0 * std::log2(ns)))] += calls;
  }
  std::ofstream out(file);
  auto edge = [](int bin) { return std::exp2(bin / 4.0); };
  int previous = std::numeric_limits<int>::min();
  for (const auto& [bin, count] : bins) {
    if (bin != previous + 1) out << edge(bin) << " 0\n";
    out << edge(bin) << ' ' << count << '\n' << edge(bin + 1) << ' ' << count << '\n';
    previous = bin;
  }
  if (!bins.empty()) out << edge(previous + 1) << " 0\n";
  if (!out) throw PlotError("cannot write " + file.string());
}

// The CDF as steps: one point per distinct latency, at its cumulative fraction.
void write_data(const Summary& summary, double ghz, const fs::path& dir) {
  for (std::size_t i = 0; i < summary.rows.size(); ++i) {
    const auto& latencies = summary.rows[i].latencies;
    std::uint64_t total = 0;
    for (const auto& [cycles, calls] : latencies) total += calls;
    std::ofstream out(dir / fmt::format("cdf{}.dat", i));
    std::uint64_t seen = 0;
    for (const auto& [cycles, calls] : latencies) {
      seen += calls;
      out << static_cast<double>(cycles) / ghz << ' '
          << static_cast<double>(seen) / static_cast<double>(total) << '\n';
    }
    if (!out) throw PlotError("cannot write plot data to " + dir.string());
    write_histogram(latencies, ghz, dir / fmt::format("hist{}.dat", i));
  }
}

}  // namespace

std::string latency_plot_script(const Summary& summary, const std::string& title,
                                const fs::path& output) {
  const bool png = output.extension() == ".png";
  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out, "set terminal {} noenhanced size 1100,460 font \"sans,11\"\n",
                 png ? "pngcairo" : "svg dynamic");
  fmt::format_to(out, "set output {}\n", plot::path_literal(output));
  fmt::format_to(out, "set multiplot layout 1,2 title {}\n", plot::literal(title));
  fmt::format_to(out,
                 "set title \"Latency CDF (issue to return)\"\nset xlabel \"latency (ns, log)\"\n"
                 "set ylabel \"fraction of calls\"\nset logscale x\nset yrange [0:1.02]\n"
                 "set grid\nset key bottom right\n");
  std::string cdf, hist;
  for (std::size_t i = 0; i < summary.rows.size(); ++i) {
    if (summary.rows[i].latencies.empty()) continue;
    const std::string label = plot::literal(row_label(summary.rows[i]));
    fmt::format_to(std::back_inserter(cdf), "{}\"cdf{}.dat\" using 1:2 with steps lw 2 title {}",
                   cdf.empty() ? "plot " : ", ", i, label);
    fmt::format_to(std::back_inserter(hist), "{}\"hist{}.dat\" using 1:2 with lines lw 2 title {}",
                   hist.empty() ? "plot " : ", ", i, label);
  }
  if (cdf.empty()) return {};
  s += cdf + "\n";
  fmt::format_to(
      out,
      "set title \"Histogram (quarter-octave bins)\"\nset ylabel \"calls\"\nset autoscale y\n"
      "set key top right\n");
  s += hist + "\nunset multiplot\n";
  return s;
}

void write_latency_plot(const Summary& summary, double ghz, const std::string& title,
                        const fs::path& output) {
  const fs::path absolute = fs::absolute(output);
  std::string script = latency_plot_script(summary, title, absolute);
  if (script.empty()) throw PlotError("the trace has no returned calls to plot");
  const plot::ScratchDir dir("xcallsim-plot");
  write_data(summary, ghz, dir.path());
  const fs::path script_file = dir.path() / "latency.gp";
  {
    std::ofstream f(script_file);
    f << script;
    if (!f) throw PlotError("cannot write " + script_file.string());
  }
  plot::run(script_file);  // in the scratch directory, where the data files are
}

}  // namespace xcallsim::replay
