// Traces without workload records (Linux ftrace imports, older traces) re-time
// approximately; inputs that cannot be re-timed fail with a clear message.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/replay/verify.hpp"
#include "sim/trace/ftrace/ftrace_import.hpp"
#include "support.hpp"

using namespace retime_test;
using xcallsim::trace::Kind;

namespace {

bool is_workload_kind(Kind k) {
  const auto v = static_cast<std::uint16_t>(k);
  return v >= static_cast<std::uint16_t>(Kind::WorkloadInfo) &&
         v <= static_cast<std::uint16_t>(Kind::XcallArgs);
}

std::map<std::uint16_t, int> issues_per_cpu(const trace::Trace& t) {
  std::map<std::uint16_t, int> n;
  for (const auto& r : t.records)
    if (r.kind == Kind::XcallIssue) ++n[r.cpu];
  return n;
}

void erase_kind(trace::Trace& t, Kind kind) {
  auto& recs = t.records;
  recs.erase(std::remove_if(recs.begin(), recs.end(),
                            [kind](const trace::Record& r) { return r.kind == kind; }),
             recs.end());
}

// A Linux capture imported and passed through the file format, as
// `import-ftrace` then `replay --machine` do.
trace::TraceFile imported(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  trace::TraceFile file;
  file.trace = trace::ftrace::import_ftrace(in, path).trace;
  file.header.source = trace::Source::LinuxFtrace;
  file.header.machine = "linux";
  file.header.scenario = path;
  return trace::read_trace_from_memory(trace::encode_trace(file.trace, file.header));
}

}  // namespace

TEST_CASE("retime: the Linux 6.1 ftrace fixture re-times approximately on the default machine",
          "[scenario][retime]") {
  const std::string path = XCALLSIM_LINUX_FIXTURES "/linux-6.1-smp4.txt";
  const trace::TraceFile file = imported(path);

  const replay::Workload w = replay::extract_workload(file, path);
  CHECK_FALSE(w.exact);
  REQUIRE_FALSE(w.notes.empty());
  CHECK_THAT(w.notes.front(), Catch::StartsWith("approximate"));
  const auto result = replay::retime(w, shipped_machine("default"));
  CHECK(result.profile == smp::Profile::Upstream);  // Linux semantics for a Linux trace
  CHECK(result.outcome.completed);
  CHECK(result.trace.cpu_count == 48);
  CHECK(issues_per_cpu(result.trace) == issues_per_cpu(file.trace));
  const replay::Summary old_s = replay::summarize(file.trace);
  const replay::Summary new_s = replay::summarize(result.trace);
  CHECK(new_s.calls == old_s.calls);
  CHECK(new_s.unreturned == 0);
  CHECK(replay::verify(result.trace).empty());
  // The re-timed trace carries its (now exact) workload: re-timing it again is a fixed point.
  const auto twice = replay::retime(replay::extract_workload({result.header, result.trace}),
                                    shipped_machine("default"));
  CHECK(bytes(twice) == bytes(result));
}

TEST_CASE("retime: a trace without workload records derives costs from FuncEntry/FuncExit",
          "[scenario][retime]") {
  const auto machine = shipped_machine("default");
  Recorded run = run_scenario(machine, "default", smp::Profile::Seed);
  auto& recs = run.file.trace.records;
  recs.erase(std::remove_if(recs.begin(), recs.end(),
                            [](const trace::Record& r) { return is_workload_kind(r.kind); }),
             recs.end());
  const replay::Workload w = replay::extract_workload(run.file);
  CHECK_FALSE(w.exact);
  const auto s =
      scenario::load_scenario(std::string(XCALLSIM_CONFIGS_DIR) + "/scenarios/default.toml");
  REQUIRE(w.functions.size() == s.functions.size());
  for (std::size_t i = 0; i < s.functions.size(); ++i) {
    INFO(s.functions[i].name);
    CHECK(w.functions[i].name == s.functions[i].name);
    CHECK(w.functions[i].cycles == s.functions[i].cycles);  // remote runs are not interrupted
  }
  const auto result = replay::retime(w, machine);
  CHECK(result.outcome.completed);
  CHECK(issues_per_cpu(result.trace) == issues_per_cpu(run.file.trace));
  const replay::Summary a = replay::summarize(run.file.trace);
  const replay::Summary b = replay::summarize(result.trace);
  REQUIRE(a.rows.size() == b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) CHECK(a.rows[i].count == b.rows[i].count);
}

TEST_CASE("retime: a trace with more CPUs than the machine is rejected with both counts",
          "[unit][retime]") {
  const Recorded run = run_scenario(shipped_machine("default"), "default", smp::Profile::Seed);
  const auto w = replay::extract_workload(run.file, "big.xtr");
  CHECK_THROWS_WITH(replay::retime(w, small_machine(2)),
                    Catch::Contains("big.xtr") && Catch::Contains("48 CPUs") &&
                        Catch::Contains("has 4") && Catch::Contains("at least 48"));
}

TEST_CASE("retime: workload records that do not add up are rejected", "[unit][retime]") {
  smp::Simulation sim(small_machine(2), {});
  const auto f = sim.add_function({"f", 10});
  sim.set_program(0, [=](smp::Cpu& cpu) {
    smp::Mask m;
    m.set(1);
    m.set(2);
    cpu.xcall_mask_cond(m, f, smp::kSync, smp::Cond::Odd);
    cpu.xcall_private(1, 0, f, smp::kSync);
  });
  REQUIRE(sim.run().completed);
  trace::TraceFile good{replay::sim_trace_header(small_machine(2), "t", smp::Profile::Seed),
                        sim.trace()};
  CHECK(replay::extract_workload(good).exact);

  SECTION("a function without its FuncCost") {
    trace::TraceFile bad = good;
    erase_kind(bad.trace, Kind::FuncCost);
    CHECK_THROWS_WITH(replay::extract_workload(bad, "t.xtr"),
                      Catch::Contains("t.xtr") && Catch::Contains("`f` has no FuncCost"));
  }
  SECTION("cond and slot calls without their XcallArgs") {
    trace::TraceFile bad = good;
    erase_kind(bad.trace, Kind::XcallArgs);
    CHECK_THROWS_WITH(
        replay::extract_workload(bad, "t.xtr"),
        Catch::Contains("smp_xcall_mask_cond") && Catch::Contains("without its cond"));
  }
  SECTION("XcallArgs away from its XcallIssue") {
    trace::TraceFile bad = good;
    auto& recs = bad.trace.records;
    const auto args = std::find_if(
        recs.begin(), recs.end(), [](const trace::Record& r) { return r.kind == Kind::XcallArgs; });
    REQUIRE(args != recs.end());
    trace::Record moved = *args;
    recs.erase(args);
    moved.time = recs.back().time;
    recs.push_back(moved);
    CHECK_THROWS_WITH(
        replay::extract_workload(bad, "t.xtr"),
        Catch::Contains("record") && Catch::Contains("does not follow its XcallIssue"));
  }
  SECTION("a csd slot the run options do not have") {
    trace::TraceFile bad = good;
    for (auto& r : bad.trace.records)
      if (trace::WorkloadInfo info; trace::as(r, info)) {
        info.private_slots = 0;  // no private slots
        r = info.to_record();
      }
    CHECK_THROWS_WITH(replay::extract_workload(bad, "t.xtr"),
                      Catch::Contains("csd slot out of range"));
  }
}

TEST_CASE("retime: the trace format checks the ids and CPUs workload records name",
          "[unit][retime]") {
  trace::Trace t;
  t.cpu_count = 2;
  t.functions = {"f"};
  const trace::TraceHeader h;
  t.records = {trace::FuncCost{.func = 0, .cycles = 5}.to_record(),
               trace::RawIpi{.time = 1, .cpu = 1, .target = 0, .vector = 0x40}.to_record()};
  const auto ok = trace::read_trace_from_memory(trace::encode_trace(t, h));
  CHECK(ok.trace.records == t.records);
  CHECK(trace::to_string(ok.trace.records[0], ok.trace) == "0 cpu0 #0 FuncCost func=f cycles=5");

  trace::Trace bad_func = t;
  bad_func.records[0] = trace::FuncCost{.func = 1, .cycles = 5}.to_record();  // no function 1
  CHECK_THROWS_AS(trace::encode_trace(bad_func, h), trace::TraceError);
  trace::Trace bad_cpu = t;
  bad_cpu.records[1] =
      trace::RawIpi{.time = 1, .cpu = 1, .target = 2, .vector = 0x40}.to_record();  // CPU 2 of 2
  CHECK_THROWS_AS(trace::encode_trace(bad_cpu, h), trace::TraceError);
}

TEST_CASE("retime: the monitor interrupts a re-timed run (replay -o on Ctrl-C)", "[unit]") {
  using namespace retime_test;
  const auto recorded =
      run_scenario(shipped_machine("default"), "tlb-shootdown-storm", smp::Profile::Seed);
  replay::RetimeOptions options;
  int looks = 0;
  options.monitor = [&](const smp::RunProgress&) { return ++looks < 1; };  // stop at the first
  const auto result = retime(recorded, shipped_machine("default"), options);
  CHECK(looks == 1);
  CHECK(result.outcome.interrupted);
  CHECK_FALSE(result.outcome.completed);
  CHECK((result.header.flags & trace::kFlagIncomplete) != 0);
  // Left alone, the same re-timing completes.
  CHECK(retime(recorded, shipped_machine("default")).outcome.completed);
}

TEST_CASE("retime: an imported many-call with scf_flags=0x3 re-times as SYNC",
          "[scenario][retime]") {
  // Issue "Real Linux traces, faithfully": SCF_WAIT in scf_flags made the
  // import ASYNC, so waiting shootdowns were re-timed as if they did not wait.
  const auto ln = [](int cpu, const std::string& ts, const std::string& event,
                     const std::string& body) {
    return fmt::format("      xcall_load-102     [{:03d}] d..1.  {}: {}: {}\n", cpu, ts, event,
                       body);
  };
  std::istringstream in(
      "# tracer: nop\n" +
      ln(0, "5.000000", "scf_many",
         "(smp_call_function_many_cond+0x0/0x330) mask=0xe func=flush_tlb_func+0x0/0x1f0 "
         "scf_flags=0x3") +
      ln(0, "5.000001", "send_mask", "(native_send_call_func_ipi+0x0/0x40) mask=0xe") +
      ln(1, "5.000002", "call_function_entry", "vector=252") +
      ln(1, "5.000003", "call_function_exit", "vector=252") +
      ln(0, "5.000004", "scf_many_ret",
         "(on_each_cpu_cond_mask+0x20/0x40 <- smp_call_function_many_cond)"));
  trace::TraceFile file;
  file.trace = trace::ftrace::import_ftrace(in, "many.txt").trace;
  file.header.source = trace::Source::LinuxFtrace;
  const auto result =
      replay::retime(replay::extract_workload(file, "many.txt"), shipped_machine("default"));
  const replay::Summary s = replay::summarize(result.trace);
  REQUIRE(s.rows.size() == 1);
  // SCF_RUN_LOCAL (0x2) makes it an on_each_cpu call, which runs on self too (SEMANTICS 16).
  CHECK(s.rows[0].api == static_cast<std::uint32_t>(trace::Api::OnEachCpuCondMask));
  CHECK(s.rows[0].flags == 0x10);  // SYNC: the re-timed caller waits for its targets
  CHECK(s.unreturned == 0);
}

TEST_CASE("retime: a real capture's SYNC many-calls (scf_flags SCF_WAIT) re-time as SYNC",
          "[scenario][retime]") {
  // tests/linux/fixtures/linux-6.1-smp4-full.txt: TLB shootdowns, membarrier
  // and text_poke's do_sync_core, all probed with scf_flags=.
  const std::string path = XCALLSIM_LINUX_FIXTURES "/linux-6.1-smp4-full.txt";
  const trace::TraceFile file = imported(path);
  const auto result =
      replay::retime(replay::extract_workload(file, path), shipped_machine("default"));
  REQUIRE(result.outcome.completed);
  const auto many_rows = [](const replay::Summary& s) {
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> out;
    for (const auto& row : s.rows)
      if (row.api == static_cast<std::uint32_t>(trace::Api::CallFunctionMany) ||
          row.api == static_cast<std::uint32_t>(trace::Api::OnEachCpuCondMask))
        out[{row.api, row.flags}] = row.count;
    return out;
  };
  const auto before = many_rows(replay::summarize(file.trace));
  const auto after = many_rows(replay::summarize(result.trace));
  std::uint64_t sync = 0;
  for (const auto& [key, n] : before) sync += key.second == 0x10 ? n : 0;
  CHECK(sync > 0);
  CHECK(after == before);  // every SYNC many-call is SYNC again, none turned ASYNC
  CHECK(replay::verify(result.trace).empty());
}
