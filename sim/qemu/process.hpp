// Contract: the operating-system resources one `launch` owns, each released
// by its destructor on every path (return, exception, signal-driven stop):
//   RunDir      a private 0700 directory (mkdtemp), removed with its contents;
//   UniqueFd    a file descriptor, closed;
//   Mapping     a read-only shared mapping, unmapped;
//   Child       a spawned process in its own process group (so the
//               terminal's Ctrl-C reaches xcallsim, not QEMU), SIGKILLed and
//               reaped if it is still running, so no QEMU outlives xcallsim.
// Single-threaded; no object here is copyable.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "sim/devmodel/posix.hpp"

namespace xcallsim::qemu {

// The device model's owning fd (one definition for both modules).
using UniqueFd = devmodel::UniqueFd;

class RunDir {
 public:
  // Creates <parent>/xcallsim-launch-XXXXXX (mode 0700). Throws
  // std::runtime_error naming the directory and errno.
  explicit RunDir(const std::filesystem::path& parent);
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;
  ~RunDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// An anonymous file of `bytes` zeroes (memfd), close-on-exec, at an fd >= 10.
UniqueFd make_ram_file(std::size_t bytes);

class Mapping {
 public:
  Mapping(int fd, std::size_t bytes);  // PROT_READ, MAP_SHARED; throws on failure
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();
  std::span<const std::byte> bytes() const;

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is searched in PATH
  std::filesystem::path output;   // stdout and stderr go here (created, 0600)
  int pass_fd = -1;               // passed to the child as fd `pass_as`
  int pass_as = 3;
};

class Child {
 public:
  // posix_spawnp in a new process group, default signal dispositions, empty
  // signal mask, stdin /dev/null. Throws std::system_error (e.g. ENOENT if
  // argv[0] is not found).
  explicit Child(const SpawnSpec& spec);
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // SIGKILL + waitpid if not reaped yet

  pid_t pid() const { return pid_; }
  bool reaped() const { return reaped_; }
  int wait_status() const { return status_; }
  void signal(int sig) const;  // no-op once reaped
  bool try_reap();             // waitpid(WNOHANG); true once reaped
  void reap();                 // blocking waitpid

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// pidfd_open(pid): readable once the process exits; -1 if unsupported.
UniqueFd open_pidfd(pid_t pid);

// The last `max_bytes` of a file ("" if it cannot be read).
std::string read_tail(const std::filesystem::path& file, std::size_t max_bytes);

}  // namespace xcallsim::qemu
