// Contract: the latency picture of a trace: per call kind, the CDF of
// issue->return latency (ns) and a histogram, drawn by gnuplot (a Debian
// package; never hand-written SVG). write_latency_plot() writes the data and
// script into a private temporary directory, runs gnuplot on it (sim/plot: no
// shell; titles and labels as inert literals, so a hostile scenario or
// machine name is drawn, never executed), removes the directory on every
// path, and throws PlotError with gnuplot's message on failure. Output format
// from the extension: .svg or .png.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "sim/plot/gnuplot.hpp"
#include "sim/replay/summary.hpp"

namespace xcallsim::replay {

using plot::PlotError;

// The gnuplot script for `summary` (data file names relative to its directory).
std::string latency_plot_script(const Summary& summary, const std::string& title,
                                const std::filesystem::path& output);

void write_latency_plot(const Summary& summary, double ghz, const std::string& title,
                        const std::filesystem::path& output);

}  // namespace xcallsim::replay
