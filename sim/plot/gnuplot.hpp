// Contract: the one way xcallsim drives gnuplot (a Debian package). Every
// string that reaches a script goes through literal() or path_literal(): a
// single-quoted gnuplot string, in which gnuplot expands neither backquotes
// nor @macros nor backslash escapes, with control characters and ill-formed
// UTF-8 shown as `\xNN` (text::printable), so a hostile scenario or machine
// name is drawn, never run. run() starts gnuplot by posix_spawnp with the
// script as its only argument: no shell, stdin from /dev/null, output to a
// private log. Failures are PlotError with a one-line message and fix.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace xcallsim::plot {

class PlotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// 'text' as an inert gnuplot string literal.
std::string literal(std::string_view text);
// A file name as a gnuplot string literal; PlotError if the path holds a
// control character or ill-formed UTF-8 (showing it would change the file).
std::string path_literal(const std::filesystem::path& path);

// Runs `gnuplot script` in the script's directory; PlotError if gnuplot is
// missing or fails (its message, printable, in what()).
void run(const std::filesystem::path& script);

// A private (0700) temporary directory, removed with its contents on every
// path out of the scope that owns it.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace xcallsim::plot
