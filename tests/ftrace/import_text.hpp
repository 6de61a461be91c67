// Test helpers: import a string of ftrace text; the typed records of a kind.
#pragma once

#include <sstream>
#include <string>
#include <vector>

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

// Every record of kind X in the trace, as typed records, in trace order.
template <class X>
std::vector<X> all(const Trace& t) {
  std::vector<X> out;
  for (const Record& r : t.records)
    if (X x; as(r, x)) out.push_back(x);
  return out;
}

}  // namespace xcallsim::trace::ftrace::test
