#include "launch_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace qemu_test {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool qemu_available() {
  return std::system("command -v qemu-system-x86_64 >/dev/null 2>&1") == 0 &&
         fs::exists(XCALLSIM_GUEST_ELF);
}

Scratch::Scratch(const std::string& name) {
  // Short: the run directory's QMP socket path must fit a sockaddr_un.
  dir_ = fs::temp_directory_path() / ("xcq-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir_);
  fs::create_directories(runtime());
}

Scratch::~Scratch() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

pid_t start(const Scratch& scratch, const std::vector<std::string>& args) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).rfind("XDG_RUNTIME_DIR=", 0) != 0) env_strings.emplace_back(*e);
  env_strings.push_back("XDG_RUNTIME_DIR=" + scratch.runtime().string());
  env_strings.push_back("XCALLSIM_GUEST=" XCALLSIM_GUEST_ELF);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{XCALLSIM_BIN};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, scratch.file("out.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, scratch.file("err.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, XCALLSIM_BIN, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

Result finish(const Scratch& scratch, pid_t pid) {
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  Result r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(scratch.file("out.txt"));
  r.err = slurp(scratch.file("err.txt"));
  return r;
}

Result run_xcallsim(const Scratch& scratch, const std::vector<std::string>& args) {
  return finish(scratch, start(scratch, args));
}

std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != ::getpid())
      out.push_back(std::stoi(name));
  }
  return out;
}

bool wait_for_qemu_child(pid_t parent, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string stat = slurp(entry.path() / "stat");
      const auto close = stat.rfind(')');
      if (close == std::string::npos || stat.find("(qemu-system") == std::string::npos) continue;
      std::istringstream rest(stat.substr(close + 2));
      std::string state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      if (ppid == parent) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void require_nothing_left(const Scratch& scratch) {
  CHECK(processes_mentioning(scratch.runtime().string()).empty());
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(scratch.runtime())) left.push_back(e.path().string());
  INFO("left in the runtime dir: " << left.size());
  CHECK(left.empty());
}

std::vector<std::vector<std::string>> call_sequences(const xcallsim::trace::Trace& trace) {
  using xcallsim::trace::Kind;
  std::vector<std::vector<std::string>> out(static_cast<std::size_t>(trace.cpu_count));
  for (const auto& r : trace.records) {
    if (r.kind != Kind::XcallIssue || r.cpu >= out.size()) continue;
    const auto issue = xcallsim::trace::XcallIssue::from(r);
    std::string target;
    if (issue.target_is_mask) {
      target = "mask:";
      if (issue.target < trace.masks.size())
        for (std::uint64_t w : trace.masks[issue.target]) target += std::to_string(w) + ".";
    } else {
      target = std::to_string(static_cast<std::int32_t>(issue.target));
    }
    const std::string func =
        issue.func < trace.functions.size() ? trace.functions[issue.func] : "?";
    out[r.cpu].push_back(std::string(xcallsim::trace::to_string(issue.api)) + " flags=" +
                         std::to_string(issue.flags) + " target=" + target + " func=" + func);
  }
  return out;
}

}  // namespace qemu_test
