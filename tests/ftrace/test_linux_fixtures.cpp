// Every real capture in tests/linux/fixtures (tests/linux/capture.sh, Debian's
// 6.1 kernel under QEMU) imports with the counts that tests/linux/count.awk
// reads from its raw lines without the importer. The expected numbers are the
// script's output committed next to each fixture (<name>.counts); CTest's
// linux_fixture_counts regenerates them from the fixtures and fails on any
// difference, so none is typed by hand here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "import_text.hpp"
#include "sim/replay/summary.hpp"
#include "sim/replay/verify.hpp"
#include "sim/trace/ftrace/ftrace_import.hpp"

using namespace xcallsim;
using namespace xcallsim::trace;
using xcallsim::trace::ftrace::test::all;

namespace {

const std::string kDir = XCALLSIM_LINUX_FIXTURES;

struct Fixture {
  std::string name;
  std::map<std::string, std::uint64_t> counts;  // count.awk's "key value" lines
};

std::vector<Fixture> fixtures() {
  std::vector<Fixture> out;
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    if (e.path().extension() != ".txt") continue;
    std::filesystem::path counts = e.path();
    counts.replace_extension(".counts");
    Fixture f{e.path().stem().string(), {}};
    std::ifstream in(counts);
    INFO(counts.string() << ": every fixture has its counts (awk -f tests/linux/count.awk F F)");
    REQUIRE(in.good());
    std::string key;
    for (std::uint64_t value = 0; in >> key >> value;) f.counts[key] = value;
    REQUIRE_FALSE(f.counts.empty());
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  REQUIRE(out.size() >= 3);
  return out;
}

std::uint64_t get(const Fixture& f, const std::string& key) {
  auto it = f.counts.find(key);
  INFO(f.name << ".counts has " << key);
  REQUIRE(it != f.counts.end());
  return it->second;
}

ftrace::ImportResult import(const Fixture& f) {
  const std::string path = kDir + "/" + f.name + ".txt";
  std::ifstream in(path);
  REQUIRE(in.good());
  return ftrace::import_ftrace(in, path);
}

bool many_api(Api api) {
  return api == Api::CallFunctionMany || api == Api::OnEachCpuCondMask || api == Api::CallFunction;
}

}  // namespace

TEST_CASE("real 6.1 captures: calls, SYNC/ASYNC, returns and IPIs equal count.awk's",
          "[unit][ftrace]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.name);
    const auto r = import(f);
    CHECK(r.unknown_lines_skipped == 0);
    const Trace& t = r.trace;
    std::map<Api, std::uint64_t> by_api;
    std::uint64_t sync = 0, async = 0;
    for (const auto& x : all<XcallIssue>(t)) {
      ++by_api[many_api(x.api) ? Api::CallFunctionMany : x.api];
      (csd_type_of(x.flags) == CsdType::Sync ? sync : async) += 1;
    }
    CHECK(by_api[Api::CallFunctionSingle] == get(f, "calls.single"));
    CHECK(by_api[Api::CallFunctionSingleAsync] == get(f, "calls.single_async"));
    CHECK(by_api[Api::CallFunctionMany] == get(f, "calls.many"));
    CHECK(sync == get(f, "calls.sync"));
    CHECK(async == get(f, "calls.async"));
    CHECK(all<XcallReturn>(t).size() == get(f, "returns"));
    CHECK(r.returns_dropped == get(f, "returns.without_issue"));

    std::map<std::uint32_t, std::uint64_t> ipis, handlers;
    for (const auto& s : all<IpiSend>(t)) ++ipis[s.vector];
    for (const auto& e : all<IrqEntry>(t)) ++handlers[e.vector];
    CHECK(ipis[251] == get(f, "ipis.vector_251"));
    CHECK(ipis[252] == get(f, "ipis.vector_252"));
    CHECK(ipis.size() <= 2);
    CHECK(all<IpiElided>(t).size() == get(f, "ipis_elided"));
    for (const auto& [key, n] : f.counts)
      if (key.rfind("handler_entries.vector_", 0) == 0) {
        INFO(key);
        CHECK(handlers[static_cast<std::uint32_t>(std::stoul(key.substr(23)))] == n);
      }
  }
}

TEST_CASE("real 6.1 captures: callbacks per handler entry and remote csds equal count.awk's",
          "[unit][ftrace]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.name);
    const auto r = import(f);
    const auto entries = all<FuncEntry>(r.trace);
    CHECK(entries.size() == get(f, "callbacks.entries"));
    const auto local = static_cast<std::uint64_t>(
        std::count_if(entries.begin(), entries.end(), [](const FuncEntry& e) { return e.local; }));
    CHECK(local == get(f, "callbacks.local"));
    CHECK(all<FuncExit>(r.trace).size() <= entries.size());

    const auto summary = replay::summarize(r.trace);
    CHECK(summary.coalescing.remote_callbacks == get(f, "callbacks.remote"));
    std::map<std::uint64_t, std::uint64_t> expected;
    for (const auto& [key, n] : f.counts)
      if (key.rfind("callbacks_per_handler.k", 0) == 0 && n > 0)
        expected[std::stoull(key.substr(23))] = n;
    CHECK(summary.coalescing.callbacks_per_handler == expected);
  }
}

TEST_CASE(
    "real 6.1 captures: enqueues, enqueues without an IPI, many-call csds riding another "
    "IPI and idle elisions equal count.awk's",
    "[unit][ftrace]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.name);
    const auto r = import(f);
    const Trace& t = r.trace;
    std::map<std::uint32_t, Api> api_of;
    std::set<std::uint32_t> returned;
    for (const auto& x : all<XcallIssue>(t)) api_of[x.call] = x.api;
    for (const auto& x : all<XcallReturn>(t)) returned.insert(x.call);
    // Seen enqueues (generic_exec_single, __smp_call_single_queue), and the
    // many path's inlined ones the call layer inferred, for the calls whose
    // csds the raw text determines (count.awk: returned, cond known).
    std::uint64_t seen = 0, seen_rode = 0, many = 0, many_rode = 0;
    for (const auto& q : all<CsdQueue>(t)) {
      if (!q.inferred) {
        ++seen;
        seen_rode += !q.queue_was_empty;
      } else if (many_api(api_of[q.call]) && returned.count(q.call)) {
        ++many;
        many_rode += !q.queue_was_empty;
      }
    }
    // The basic recipe has no enqueue probe: its single calls' csds are inferred.
    if (get(f, "enqueues.single_path") > 0) {
      CHECK(seen == get(f, "enqueues.single_path"));
      CHECK(seen_rode == get(f, "enqueues.without_ipi"));
    }
    if (get(f, "many_csds.queued") > 0) {
      CHECK(many == get(f, "many_csds.queued"));
      CHECK(many_rode == get(f, "many_csds.without_own_ipi"));
    }
    const auto summary = replay::summarize(t);
    CHECK(summary.coalescing.elided == get(f, "ipis_elided"));
    if (get(f, "many_csds.undetermined_calls") == 0) {
      CHECK(summary.coalescing.enqueues == seen + many);
      CHECK(summary.coalescing.rode == seen_rode + many_rode);
      CHECK(summary.coalescing.rode_many == many_rode);
    }
  }
}

TEST_CASE(
    "real 6.1 captures: every return pairs with its call, nested interrupt calls too, and "
    "verify is clean",
    "[unit][ftrace]") {
  for (const Fixture& f : fixtures()) {
    INFO(f.name);
    const auto r = import(f);
    for (const auto& x : all<XcallReturn>(r.trace)) CHECK(x.call != 0);
    const auto summary = replay::summarize(r.trace);
    // The calls with a return probe, less those the capture's end cut off
    // (count.awk: returns), all returned; async singles have no return.
    CHECK(summary.unreturned == get(f, "calls.single") + get(f, "calls.many") - get(f, "returns"));
    CHECK(summary.return_untraced == get(f, "calls.single_async"));
    const auto report = replay::verify_report(r.trace, {.imported = true});
    for (const auto& v : report.violations) UNSCOPED_INFO(replay::to_string(v));
    CHECK(report.violations.empty());
  }
}
