// The call layer of imported captures (docs/ftrace-import.md "Calls"), on the
// hand-made fixtures of tests/ftrace/fixtures in both text formats. Every
// expected count is read from the raw lines here (substring counts, a
// per-CPU walk of handler entries), or derived by hand in a comment: never
// from the importer.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
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

const std::string kDir = XCALLSIM_FTRACE_FIXTURES;

std::vector<std::string> raw_lines(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#' && l.rfind("cpus=", 0) != 0) out.push_back(l);
  return out;
}

std::uint64_t count(const std::vector<std::string>& lines, const std::string& needle,
                    const std::string& also = "") {
  std::uint64_t n = 0;
  for (const auto& l : lines)
    n += l.find(needle) != std::string::npos && (also.empty() || l.find(also) != std::string::npos);
  return n;
}

// k -> call-function handler entries that ran k lines containing `callback`
// (csd_function_entry or a callback kprobe), walked per CPU in file order.
std::map<std::uint64_t, std::uint64_t> raw_histogram(const std::vector<std::string>& lines,
                                                     const std::string& callback) {
  std::map<std::string, long> open;  // cpu "[001]" -> callbacks so far, -1 closed
  std::map<std::uint64_t, std::uint64_t> out;
  for (const auto& l : lines) {
    const std::string cpu = l.substr(l.find('['), 5);
    const bool entry = l.find(" call_function_entry:") != std::string::npos ||
                       l.find(" call_function_single_entry:") != std::string::npos;
    const bool exit = l.find(" call_function_exit:") != std::string::npos ||
                      l.find(" call_function_single_exit:") != std::string::npos;
    if (entry) open[cpu] = 0;
    if (exit && open.count(cpu)) {
      ++out[static_cast<std::uint64_t>(open[cpu])];
      open.erase(cpu);
    }
    if (!entry && !exit && open.count(cpu) && l.find(callback) != std::string::npos) ++open[cpu];
  }
  return out;
}

ftrace::ImportResult import_file(const std::string& path) {
  std::ifstream in(path);
  return ftrace::import_ftrace(in, path);
}

// A fixture's raw lines and its import, which must know every line.
struct Loaded {
  std::vector<std::string> raw;
  ftrace::ImportResult r;
};
Loaded load(const std::string& name) {
  Loaded out{raw_lines(kDir + "/" + name), import_file(kDir + "/" + name)};
  CHECK(out.r.unknown_lines_skipped == 0);
  return out;
}

// Both scenarios make the same calls (make_fixtures.py): two SYNC singles,
// the tick's async single, a SYNC many call and a run-local one.
const std::map<Api, int> kCallsByApi{{Api::CallFunctionSingle, 2},
                                     {Api::CallFunctionSingleAsync, 1},
                                     {Api::CallFunctionMany, 1},
                                     {Api::OnEachCpuCondMask, 1}};

std::map<Api, int> issues_by_api(const Trace& t) {
  std::map<Api, int> out;
  for (const auto& x : all<XcallIssue>(t)) ++out[x.api];
  return out;
}

}  // namespace

TEST_CASE("6.5+ csd/ipi tracepoints: every layer imports, in both text formats", "[unit][ftrace]") {
  for (const char* name : {"csd-ipi-6.5.trace.txt", "csd-ipi-6.5.report.txt"}) {
    INFO(name);
    const auto [raw, r] = load(name);
    const Trace& t = r.trace;
    CHECK(r.returns_dropped == 0);

    // Calls by kind and SYNC/ASYNC; scf_flags 0x3 (SCF_WAIT|SCF_RUN_LOCAL)
    // is an on_each_cpu call (SEMANTICS 16).
    CHECK(issues_by_api(t) == kCallsByApi);
    CHECK(all<XcallIssue>(t).size() == count(raw, "p_smp_call_function"));
    int sync = 0;
    for (const auto& x : all<XcallIssue>(t)) sync += csd_type_of(x.flags) == CsdType::Sync;
    CHECK(sync == 4);
    const auto returns = all<XcallReturn>(t);
    CHECK(returns.size() == count(raw, "r_smp_call_function"));
    for (const auto& x : returns) CHECK(x.call != 0);

    // Enqueues: one per csd_queue_cpu line, none inferred; one rode a
    // pending IPI (cpu 2's queue held cpu 3's TTWU: SEMANTICS 10).
    const auto queues = all<CsdQueue>(t);
    CHECK(queues.size() == count(raw, "csd_queue_cpu:"));
    CHECK(r.inferred_enqueues == 0);
    int rode = 0;
    for (const auto& q : queues) rode += !q.queue_was_empty;
    CHECK(rode == 1);

    // IPIs per vector, elisions, handler entries.
    std::map<std::uint32_t, std::uint64_t> ipis;
    for (const auto& s : all<IpiSend>(t)) ++ipis[s.vector];
    CHECK(ipis[251] == count(raw, "ipi_send_cpu:"));
    CHECK(ipis[252] == count(raw, "ipi_send_cpumask:"));
    CHECK(all<IpiElided>(t).size() == count(raw, "sched_wake_idle_without_ipi:"));
    CHECK(all<IrqEntry>(t).size() == count(raw, " call_function_entry:") +
                                         count(raw, " call_function_single_entry:") +
                                         count(raw, " local_timer_entry:"));

    // Callbacks on the CPU that ran them, linked to their call (all but the
    // TTWU batch, which no call queued); the local run is the caller's.
    const auto entries = all<FuncEntry>(t);
    CHECK(entries.size() == count(raw, "csd_function_entry:"));
    std::uint64_t remote = 0, linked = 0;
    for (const auto& e : entries) {
      if (e.local) {
        CHECK(e.cpu == 0);
        CHECK(e.call != 0);
        continue;
      }
      ++remote;
      linked += e.call != 0;
    }
    CHECK(remote == count(raw, "csd_function_entry:") -
                        count(raw, "csd_function_entry:", "csd=0000000000000000"));
    CHECK(linked == remote - count(raw, "func=sched_ttwu_pending", "csd_function_entry:"));

    // The summary's coalescing lines, the same a simulator run prints.
    const auto summary = replay::summarize(t);
    CHECK(summary.coalescing.enqueues == queues.size());
    CHECK(summary.coalescing.rode == 1);
    CHECK(summary.coalescing.rode_many == 1);
    CHECK(summary.coalescing.elided == 1);
    CHECK(summary.coalescing.callbacks_per_handler == raw_histogram(raw, "csd_function_entry:"));
    CHECK(summary.coalescing.callbacks_per_handler ==
          std::map<std::uint64_t, std::uint64_t>{{1, 6}, {2, 1}});
    CHECK(summary.unreturned == 0);
    CHECK(summary.return_untraced == 1);  // the async call: no return probe

    const auto report = replay::verify_report(t, {.imported = true});
    for (const auto& v : report.violations) UNSCOPED_INFO(replay::to_string(v));
    CHECK(report.violations.empty());
  }
}

TEST_CASE("a tick's async call inside a waiting call keeps the pairing (SEMANTICS 14)",
          "[unit][ftrace]") {
  const auto r = import_file(kDir + "/csd-ipi-6.5.trace.txt");
  const auto issues = all<XcallIssue>(r.trace);
  const auto returns = all<XcallReturn>(r.trace);
  // Call 3 is the SYNC single to cpu 3 (issued at 300 us), call 4 the async
  // one the tick made at 305 us; call 3's return (320 us) is its own.
  REQUIRE(issues.size() == 5);
  CHECK(issues[2].api == Api::CallFunctionSingle);
  CHECK(issues[3].api == Api::CallFunctionSingleAsync);
  bool call3_returned = false;
  for (const auto& x : returns) call3_returned |= x.call == issues[2].call;
  CHECK(call3_returned);
  // The async call's enqueue and IPI are its own, not the waiting call's
  // (times are relative to the first event, at 100 us).
  int own = 0;
  for (const Record& rec : r.trace.records) {
    if (rec.time < 205'000 || rec.time > 207'000 || rec.cpu != 0) continue;
    CHECK(rec.call == issues[3].call);
    ++own;
  }
  CHECK(own == 3);  // issue, csd_queue_cpu, ipi_send_cpu
}

TEST_CASE("6.1 kprobe captures: enqueues inferred, callbacks linked, both text formats",
          "[unit][ftrace]") {
  for (const char* name : {"kprobes-6.1.trace.txt", "kprobes-6.1.report.txt"}) {
    INFO(name);
    const auto [raw, r] = load(name);
    const Trace& t = r.trace;
    // on_each_cpu_cond_mask (probed by position) and the many_cond it calls
    // are one call; scf_flags=0x1 without RUN_LOCAL is smp_call_function_many.
    CHECK(issues_by_api(t) == kCallsByApi);
    CHECK(count(raw, "smp_call_function_many_cond:") + count(raw, "on_each_cpu_cond_mask:") == 3);
    CHECK(all<XcallReturn>(t).size() ==
          count(raw, "_ret:") - count(raw, "flush_tlb_func_ret:") - 1);

    // Enqueues: the __smp_call_single_queue hits (generic_exec_single's
    // are the same enqueues), plus the many path's inlined llist_adds:
    // mask 0xe without cond -> cpus 1, 2, 3; the on_each call's cond let
    // callbacks run on cpus 1 and 3 only -> 2. By hand: 3 + 2 = 5 inferred.
    const auto queues = all<CsdQueue>(t);
    CHECK(r.inferred_enqueues == 5);
    CHECK(queues.size() == count(raw, "__smp_call_single_queue:") + 5);
    int inferred = 0, rode = 0;
    for (const auto& q : queues) {
      inferred += q.inferred;
      rode += !q.queue_was_empty;
    }
    CHECK(inferred == 5);
    CHECK(rode == 1);  // the many call's csd for cpu 2, behind cpu 3's TTWU

    std::map<std::uint32_t, std::uint64_t> ipis;
    for (const auto& s : all<IpiSend>(t)) ++ipis[s.vector];
    CHECK(ipis[251] == count(raw, "native_send_call_func_single_ipi:"));
    CHECK(ipis[252] == count(raw, "native_send_call_func_ipi:"));
    CHECK(all<FlushBegin>(t).size() == count(raw, "__flush_smp_call_function_queue:"));

    // flush_tlb_func is named by func= of the calls, so its probe hits are
    // callbacks; the one on cpu 0 inside the on_each call is its local run.
    const auto entries = all<FuncEntry>(t);
    CHECK(entries.size() == count(raw, "flush_tlb_func:"));
    CHECK(all<FuncExit>(t).size() == count(raw, "flush_tlb_func_ret:"));
    int local = 0;
    for (const auto& e : entries) {
      CHECK(e.call != 0);
      local += e.local;
    }
    CHECK(local == 1);
    for (const auto& x : all<FuncExit>(t)) CHECK(x.call != 0);

    const auto summary = replay::summarize(t);
    CHECK(summary.coalescing.rode_many == 1);
    CHECK(summary.coalescing.callbacks_per_handler == raw_histogram(raw, "flush_tlb_func:"));
    CHECK(summary.coalescing.callbacks_per_handler ==
          std::map<std::uint64_t, std::uint64_t>{{0, 2}, {1, 5}});

    const auto report = replay::verify_report(t, {.imported = true});
    for (const auto& v : report.violations) UNSCOPED_INFO(replay::to_string(v));
    CHECK(report.violations.empty());
    // ipi_rseq and ipi_mb were not probed: their SYNC calls are not checked.
    CHECK(report.checks[1].checked == 2);
    CHECK(report.checks[1].not_checked.find("2 SYNC call(s)") != std::string::npos);
  }
}

TEST_CASE("a hand-made violation in an imported capture is still caught", "[unit][ftrace]") {
  // The first SYNC call's return moved before its callback ran on cpu 1.
  std::ifstream in(kDir + "/csd-ipi-6.5.trace.txt");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const std::string from = "1200.000120: r_smp_call_function_single_0";
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), "1200.000105: r_smp_call_function_single_0");
  std::istringstream moved(s);
  const auto r = ftrace::import_ftrace(moved, "moved.txt");
  const auto report = replay::verify_report(r.trace, {.imported = true});
  REQUIRE(report.violations.size() == 1);
  CHECK(report.violations[0].rule == replay::Rule::SyncReturnedEarly);
  CHECK(report.violations[0].call == 1);
  CHECK(report.violations[0].time == 5000);  // 105 us after the first event at 100 us
}

TEST_CASE("hostile input: inference and matching stay bounded", "[unit][ftrace]") {
  // A 65536-CPU header and many all-CPU calls would infer 65535 csds each:
  // the call layer stops inferring past 16 per record + 65536.
  std::string text = "# entries-in-buffer/entries-written: 1/1   #P:65536\n";
  for (int i = 0; i < 2000; ++i)
    text += ftrace::test::line(0, "1." + std::to_string(100000 + i), "p_smp_call_function_0",
                               "(smp_call_function+0x0/0x1) func=f wait=0");
  std::istringstream in(text);
  const auto r = ftrace::import_ftrace(in, "wide.txt");
  CHECK(r.inferred_enqueues <= 16 * 2000 + 65536 + 65535);
  CHECK(r.inferred_enqueues >= 65535);
  CHECK(all<XcallIssue>(r.trace).size() == 2000);
}

TEST_CASE("6.4's per-csd ipi_send_cpu (callback = the csd's func) is no IPI", "[unit][ftrace]") {
  // SEMANTICS 5: in v6.4 only, __smp_call_single_queue also traces
  // ipi_send_cpu(cpu, _RET_IP_, func) for every csd, IPI or not; the real
  // IPI names generic_smp_call_function_single_interrupt.
  using ftrace::test::line;
  const std::string single =
      "(smp_call_function_single+0x0/0x1) cpu=1 func=do_sync_core+0x0/0x30 wait=1";
  const std::string per_csd = "cpu=1 callsite=generic_exec_single+0x1/0x2 callback=do_sync_core";
  std::istringstream in(
      line(0, "1.000000", "p_smp_call_function_single_0", single, "a-1") +
      line(0, "1.000001", "ipi_send_cpu", per_csd, "a-1") +  // rode: no IPI follows
      line(0, "1.000002", "r_smp_call_function_single_0",
           "(x+0x1/0x2 <- smp_call_function_single) ret=0", "a-1") +
      line(0, "1.000010", "p_smp_call_function_single_0", single, "a-1") +
      line(0, "1.000011", "ipi_send_cpu", per_csd, "a-1") +
      line(0, "1.000012", "ipi_send_cpu",
           "cpu=1 callsite=x+0x1/0x2 callback=generic_smp_call_function_single_interrupt+0x0/0x20",
           "a-1") +
      line(0, "1.000013", "r_smp_call_function_single_0",
           "(x+0x1/0x2 <- smp_call_function_single) ret=0", "a-1"));
  const auto r = ftrace::import_ftrace(in, "v64.txt");
  const auto queues = all<CsdQueue>(r.trace);
  REQUIRE(queues.size() == 2);
  CHECK(queues[0].inferred);
  CHECK_FALSE(queues[0].queue_was_empty);
  CHECK(queues[1].queue_was_empty);
}

// A real capture: Debian's 6.1.0-57 kernel under QEMU TCG (-smp 4), kprobes on
// smp_call_function_single/_many_cond (and their returns), the two senders and
// __flush_smp_call_function_queue, plus irq_vectors (tests/linux/capture.sh;
// no callback probes). Every expected count is read from its raw lines.
TEST_CASE("a real 6.1 capture: calls, SYNC, returns, IPIs and handler entries match its raw lines",
          "[unit][ftrace]") {
  const std::string path = std::string(XCALLSIM_LINUX_FIXTURES) + "/linux-6.1-smp4.txt";
  const std::vector<std::string> raw = raw_lines(path);
  const ftrace::ImportResult r = import_file(path);
  CHECK(r.unknown_lines_skipped == 0);
  const Trace& t = r.trace;
  CHECK(all<XcallIssue>(t).size() == count(raw, " scf_single:") + count(raw, " scf_many:"));
  CHECK(all<XcallReturn>(t).size() ==
        count(raw, " scf_single_ret:") + count(raw, " scf_many_ret:"));
  // SYNC: wait=1 on a single call; SCF_WAIT (bit 0) of flags= on a many call.
  std::uint64_t sync = 0;
  for (const std::string& l : raw) {
    if (l.find(" scf_single:") != std::string::npos) sync += l.find(" wait=1") != std::string::npos;
    if (const auto at = l.find(" scf_many:"); at != std::string::npos) {
      const auto f = l.find("flags=", at);
      REQUIRE(f != std::string::npos);
      sync += (std::stoul(l.substr(f + 6), nullptr, 0) & 1u) != 0;
    }
  }
  std::uint64_t imported_sync = 0;
  for (const auto& x : all<XcallIssue>(t)) imported_sync += csd_type_of(x.flags) == CsdType::Sync;
  CHECK(imported_sync == sync);
  std::map<std::uint32_t, std::uint64_t> ipis;
  for (const auto& s : all<IpiSend>(t)) ++ipis[s.vector];
  CHECK(ipis[251] == count(raw, " send_single:"));
  CHECK(ipis[252] == count(raw, " send_mask:"));
  CHECK(all<IrqEntry>(t).size() == count(raw, " call_function_entry:") +
                                       count(raw, " call_function_single_entry:") +
                                       count(raw, " reschedule_entry:"));
  CHECK(replay::verify(t).empty());
}
