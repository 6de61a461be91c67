// Helpers for the [qemu] tests: run the xcallsim binary (XCALLSIM_BIN) with
// a private XDG_RUNTIME_DIR, read its trace, and check that nothing was left
// behind (QEMU processes, sockets, files in the run directory).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/trace/file.hpp"

namespace qemu_test {

bool qemu_available();  // qemu-system-x86_64 in PATH and the guest image built

// A scratch directory per test (removed at the end), used as the launch's
// XDG_RUNTIME_DIR and for output files.
class Scratch {
 public:
  explicit Scratch(const std::string& name);
  ~Scratch();
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path runtime() const { return dir_ / "run"; }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

 private:
  std::filesystem::path dir_;
};

struct Result {
  int status = -1;  // exit status (-1 if killed by a signal)
  std::string out, err;
};

// Starts `xcallsim args...` with XDG_RUNTIME_DIR=scratch.runtime().
pid_t start(const Scratch& scratch, const std::vector<std::string>& args);
Result finish(const Scratch& scratch, pid_t pid);
Result run_xcallsim(const Scratch& scratch, const std::vector<std::string>& args);

// PIDs of live processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle);
// True once a QEMU child of `parent` exists (polls up to `seconds`).
bool wait_for_qemu_child(pid_t parent, double seconds);
// No QEMU for this scratch dir, and its runtime directory is empty.
void require_nothing_left(const Scratch& scratch);

// Per CPU, the calls a trace issued: "api flags target func" strings.
std::vector<std::vector<std::string>> call_sequences(const xcallsim::trace::Trace& trace);

}  // namespace qemu_test
