// Contract: what every long-running verb shares. Interruption turns SIGINT
// and SIGTERM into a flag the verb polls between records (the handler only
// stores the signal number), restores the previous handlers on destruction,
// and names the exit status (128 + signal: 130, 143). Progress draws one
// line on stderr, redrawn at most every 250 ms and only after the first
// second, and only when stderr is a terminal and --quiet is not given; done()
// erases it. The wall clock is read here only to pace the line and estimate
// a rate: nothing it reads reaches a trace or a result.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "sim/smp/smp.hpp"
#include "sim/trace/file.hpp"

namespace xcallsim::cli {

// CLI11 check for input files: an existing regular file (after symlinks), so
// a directory, a FIFO or /dev/zero is refused before anything is read.
extern const CLI::Validator RegularFile;
// CLI11 check for numbers: finite (CLI::Range lets nan through, as every
// comparison with nan is false). Use as `->check(Finite & CLI::Range(a, b))`.
extern const CLI::Validator Finite;

// An output must not be one of the inputs (same path, symlink or hard link):
// if it is, prints "xcallsim <who>: error: ... fix: ..." and returns true.
// An empty output (none asked for) is never refused.
bool refuse_overwrite(std::string_view who, const std::string& output,
                      std::initializer_list<std::string_view> inputs);

// How a trace of this run ends (docs/trace-format.md, END record); `signal`
// is the one that interrupted it, if any.
trace::EndStatus end_status(const smp::Outcome& outcome, int signal);

class Interruption {
 public:
  Interruption();
  ~Interruption();
  Interruption(const Interruption&) = delete;
  Interruption& operator=(const Interruption&) = delete;
  // The signal received so far, or 0.
  int signal() const;
  bool requested() const { return signal() != 0; }
  int exit_status() const { return 128 + signal(); }
  // "interrupted by SIGINT (Ctrl-C)": the wording `launch` uses too.
  std::string describe() const;
};

class Progress {
 public:
  Progress(std::string_view verb, bool quiet);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // `what` is the current state ("1.2 ms simulated, 5000 calls"); `done` and
  // `total` (same unit, e.g. bytes or cycles) give a percentage and an ETA
  // when total is known.
  void update(std::string_view what, std::uint64_t done = 0, std::uint64_t total = 0);
  void finish();  // erase the line (also on destruction)

 private:
  std::string verb_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace xcallsim::cli
