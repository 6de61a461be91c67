#include "sim/plot/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <vector>

#include "sim/text/text.hpp"

extern char** environ;

namespace xcallsim::plot {

namespace fs = std::filesystem;

std::string literal(std::string_view text) {
  std::string out = "'";
  for (char c : text::printable(text)) {
    if (c == '\'') out += '\'';  // '' is a quote inside a single-quoted string
    out += c;
  }
  return out + "'";
}

std::string path_literal(const fs::path& path) {
  if (!text::is_printable(path.string())) {
    throw PlotError("the file name " + text::printable(path.string()) +
                    " holds a control character or ill-formed UTF-8; fix: choose a plain name");
  }
  return literal(path.string());
}

ScratchDir::ScratchDir(std::string_view prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw PlotError("cannot create a temporary directory in " + fs::temp_directory_path().string() +
                    "; fix: set TMPDIR to a writable one");
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void run(const fs::path& script) {
  const ScratchDir scratch("xcallsim-gnuplot");
  const fs::path log = scratch.path() / "gnuplot.log";
  const fs::path dir = fs::absolute(script).parent_path();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::string prog = "gnuplot", arg = fs::absolute(script).string();
  std::vector<char*> argv{prog.data(), arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, prog.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw PlotError("cannot run gnuplot; fix: install it (Debian: apt-get install gnuplot-nox)");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::ifstream in(log);
  std::ostringstream text;  // (an istreambuf_iterator range trips GCC 12's -Wnull-dereference)
  if (in) text << in.rdbuf();
  std::string output = text.str();
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  throw PlotError("gnuplot failed on " + text::printable(script.string()) + ": " +
                  text::printable(output));
}

}  // namespace xcallsim::plot
