#include "sim/cli/session.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>

#include "sim/text/text.hpp"

namespace xcallsim::cli {
namespace {

std::atomic<int> received{0};
static_assert(std::atomic<int>::is_always_lock_free, "stored from a signal handler");

extern "C" void on_signal(int sig) {
  received.store(sig, std::memory_order_relaxed);
}

struct sigaction previous_int, previous_term;

}  // namespace

const CLI::Validator RegularFile(
    [](std::string& path) -> std::string {
      std::error_code ec;
      const auto status = std::filesystem::status(path, ec);
      if (ec || !std::filesystem::exists(status)) return "File does not exist: " + path;
      if (!std::filesystem::is_regular_file(status))
        return "Not a regular file: " + path + " (fix: name a file, not a directory or device)";
      return {};
    },
    "FILE");

const CLI::Validator Finite(
    [](std::string& value) -> std::string {
      double x = 0;
      if (CLI::detail::lexical_cast(value, x) && std::isfinite(x)) return {};
      return "Value " + value + " is not a finite number";
    },
    "FINITE");

bool refuse_overwrite(std::string_view who, const std::string& output,
                      std::initializer_list<std::string_view> inputs) {
  if (output.empty()) return false;
  for (std::string_view input : inputs) {
    if (input.empty()) continue;
    std::error_code ec;
    if (std::filesystem::equivalent(output, input, ec) && !ec) {
      fmt::print(stderr,
                 "xcallsim {}: error: the output {} is the input {} (same file); fix: write to "
                 "another file\n",
                 who, text::printable(output), text::printable(input));
      return true;
    }
  }
  return false;
}

trace::EndStatus end_status(const smp::Outcome& outcome, int signal) {
  if (outcome.completed) return trace::EndStatus::Complete;
  if (outcome.interrupted)
    return signal == SIGTERM ? trace::EndStatus::Sigterm : trace::EndStatus::Sigint;
  if (outcome.stuck) return trace::EndStatus::StuckCall;
  if (outcome.time_limit_hit) return trace::EndStatus::TimeLimit;
  return trace::EndStatus::Other;  // stalled, or a wait nobody ends
}

Interruption::Interruption() {
  received.store(0);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

Interruption::~Interruption() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

int Interruption::signal() const {
  return received.load(std::memory_order_relaxed);
}

std::string Interruption::describe() const {
  return "interrupted by " + text::signal_name(signal());
}

Progress::Progress(std::string_view verb, bool quiet)
    : verb_(verb),
      enabled_(!quiet && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  finish();
}

void Progress::update(std::string_view what, std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(250))
    return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string line = fmt::format("{}: {}", verb_, what);
  if (total > 0 && done > 0 && done <= total) {
    const double fraction = static_cast<double>(done) / static_cast<double>(total);
    line += fmt::format(", {:.0f}%, ETA {:.0f} s", 100.0 * fraction,
                        elapsed * (1.0 - fraction) / fraction);
  }
  line += fmt::format(" ({:.0f} s)", elapsed);
  fmt::print(stderr, "\r\x1b[K{}", line);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (!drawn_) return;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace xcallsim::cli
