// The committed capture from a real kernel (tests/linux/capture.sh) imports with content.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sim/trace/ftrace/ftrace_import.hpp"

using namespace xcallsim::trace;

TEST_CASE("the Linux 6.1 QEMU capture imports with cross calls on several CPUs", "[unit][ftrace]") {
  std::string path = XCALLSIM_LINUX_FIXTURES "/linux-6.1-smp4.txt";
  std::ifstream in(path);
  REQUIRE(in.good());
  auto r = ftrace::import_ftrace(in, path);
  const auto& recs = r.trace.records;
  CHECK(r.clock == ftrace::Clock::Counter);
  CHECK(r.trace.ghz > 1.0);
  CHECK(r.trace.cpu_count == 4);
  CHECK(r.lost_events == 0);
  CHECK(recs.size() > 500);
  CHECK(r.counted_only.count("__flush_smp_call_function_queue") == 0);  // FlushBegin records

  // call_function(_single) handlers: balanced entry/exit pairs, on several CPUs.
  std::map<std::uint16_t, int> depth;
  std::set<std::uint16_t> handler_cpus;
  std::set<std::uint32_t> vectors;
  for (const auto& rec : recs) {
    if (rec.kind != Kind::IrqEntry && rec.kind != Kind::IrqExit) continue;
    const std::uint32_t vector =
        rec.kind == Kind::IrqEntry ? IrqEntry::from(rec).vector : IrqExit::from(rec).vector;
    if (vector != 251 && vector != 252) continue;
    vectors.insert(vector);
    handler_cpus.insert(rec.cpu);
    depth[rec.cpu] += rec.kind == Kind::IrqEntry ? 1 : -1;
    CHECK(depth[rec.cpu] >= 0);
    CHECK(depth[rec.cpu] <= 1);
  }
  CHECK(vectors == std::set<std::uint32_t>{251, 252});
  CHECK(handler_cpus.size() >= 3);

  // Every smp_call_function_single issue returns, after a handler entry on its target
  // (unless the target's queue was already non-empty and the IPI coalesced).
  int singles = 0, delivered = 0;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    XcallIssue issue;
    if (!as(recs[i], issue) || issue.api != Api::CallFunctionSingle) continue;
    ++singles;
    REQUIRE(issue.call != 0);
    bool returned = false, entered = false;
    for (std::size_t j = i + 1; j < recs.size() && !returned; ++j) {
      const auto& r2 = recs[j];
      IrqEntry entry;
      if (as(r2, entry) && r2.cpu == issue.target && entry.vector == 251) entered = true;
      returned = r2.kind == Kind::XcallReturn && r2.call == issue.call;
    }
    CHECK(returned);
    delivered += entered ? 1 : 0;
  }
  CHECK(singles >= 10);
  CHECK(delivered >= singles / 2);

  // Sends made inside a paired issue..return window carry that call's id.
  int attributed_sends = 0;
  for (const auto& rec : recs) attributed_sends += rec.kind == Kind::IpiSend && rec.call != 0;
  CHECK(attributed_sends >= 10);
  CHECK(r.trace.functions.size() >= 2);
}

TEST_CASE("ftrace import: keep_going stops the import (import-ftrace on Ctrl-C)", "[unit]") {
  std::ifstream full(XCALLSIM_LINUX_FIXTURES "/linux-6.1-smp4.txt");
  std::stringstream text;
  text << full.rdbuf();
  std::string doubled = text.str();
  for (int i = 0; i < 4; ++i) doubled += doubled;  // > 4096 lines, so keep_going is asked
  std::istringstream in(doubled);
  ftrace::ImportOptions options;
  std::uint64_t asked_at = 0;
  options.keep_going = [&](std::uint64_t lines) {
    asked_at = lines;
    return false;
  };
  const auto stopped = ftrace::import_ftrace(in, "x.txt", options);
  CHECK(stopped.stopped);
  CHECK(asked_at == 4096);
  CHECK(stopped.lines_read == 4096);
  std::istringstream again(doubled);
  CHECK_FALSE(ftrace::import_ftrace(again, "x.txt").stopped);
}
