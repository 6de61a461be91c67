// Test helper: import a string of ftrace text.
#pragma once

#include <sstream>
#include <string>

#include "sim/trace/ftrace/ftrace_import.hpp"

namespace xcallsim::trace::ftrace::test {

inline ImportResult import_text(const std::string& text) {
  std::istringstream in(text);
  return import_ftrace(in, "test.txt");
}

// One event line in /sys/kernel/tracing/trace style.
inline std::string line(int cpu, const std::string& ts, const std::string& event,
                        const std::string& body, const std::string& task = "xcall_load-102") {
  char cpu_text[16];
  std::snprintf(cpu_text, sizeof cpu_text, "[%03d]", cpu);
  return "      " + task + "     " + cpu_text + " d.h1.  " + ts + ": " + event + ": " + body + "\n";
}

}  // namespace xcallsim::trace::ftrace::test
