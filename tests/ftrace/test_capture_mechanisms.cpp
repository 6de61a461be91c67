// Call-layer mechanisms that real 6.1 captures (tests/linux/fixtures) needed,
// each on a few hand-made lines: where the many path's inferred enqueues go,
// SYNC csds whose run a missed kprobe hid, a tick's async call ending at the
// next handler, and generic_exec_single where __smp_call_single_queue is
// inlined. Times are microseconds from the first line.
#include <catch2/catch.hpp>

#include <fmt/format.h>

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

// One /sys/kernel/tracing/trace line; flags "...2." is task context, "d.h1." hardirq.
std::string ln(int cpu, int us, const std::string& event, const std::string& body,
               const std::string& flags = "...2.") {
  return fmt::format("      xcall_load-{}     [{:03d}] {}  1.{:06d}: {}: {}\n", 100 + cpu, cpu,
                     flags, us, event, body);
}

const std::string kIrq = "d.h1.";

std::string many(int cpu, int us, const std::string& mask, const std::string& scf = "3") {
  return ln(cpu, us, "scf_many",
            "(smp_call_function_many_cond+0x0/0x330) mask=" + mask +
                " func=flush_tlb_func+0x0/0x1f0 scf_flags=" + scf + " cond=0x0");
}
std::string many_ret(int cpu, int us) {
  return ln(cpu, us, "scf_many_ret",
            "(on_each_cpu_cond_mask+0x20/0x40 <- smp_call_function_many_cond)");
}
std::string send_single(int cpu, int us, int target) {
  return ln(cpu, us, "intent",
            fmt::format("(send_call_function_single_ipi+0x0/0xa0) cpu={}", target)) +
         ln(cpu, us, "send_single",
            fmt::format("(native_send_call_func_single_ipi+0x0/0x20) cpu={}", target));
}
// A call-function-single handler on `cpu` that flushes and runs `runs` callbacks.
std::string handler(int cpu, int us, int runs, bool flushed = true) {
  std::string s = ln(cpu, us, "call_function_single_entry", "vector=251", kIrq);
  if (flushed) s += ln(cpu, us, "flush", "(__flush_smp_call_function_queue+0x0/0x1a0)", kIrq);
  for (int i = 0; i < runs; ++i)
    s += ln(cpu, us, "flush_tlb_func", "(flush_tlb_func+0x0/0x1f0)", kIrq) +
         ln(cpu, us, "flush_tlb_func_ret",
            "(__flush_smp_call_function_queue+0x11a/0x1a0 <- flush_tlb_func)", kIrq);
  return s + ln(cpu, us + 1, "call_function_single_exit", "vector=251", kIrq);
}

ftrace::ImportResult import(const std::string& text) {
  std::istringstream in("# tracer: nop\n# entries-in-buffer/entries-written: 1/1   #P:4\n" + text);
  return ftrace::import_ftrace(in, "mechanisms.txt");
}

}  // namespace

TEST_CASE("inferred many-path enqueues sit at the call's IPI, so callbacks link in queue order",
          "[unit][ftrace]") {
  // Call 1 (cpu 2) is issued first but waits in csd_lock until 30 us; call 2
  // (cpu 1) queues on cpu 0 at 12 us. Cpu 0's run at 20 us is call 2's: call
  // 1's llist_add (right before its IPI at 30 us) had not happened yet.
  const auto r = import(many(2, 0, "0x5", "1") + many(1, 10, "0x3", "1") + send_single(1, 12, 0) +
                        handler(0, 20, 1) + send_single(2, 30, 0) + handler(0, 40, 1) +
                        many_ret(1, 45) + many_ret(2, 46));
  const auto queues = all<CsdQueue>(r.trace);
  REQUIRE(queues.size() == 2);
  CHECK(queues[0].call == 2);
  CHECK(queues[0].time == 12'000);  // at its IPI, not at its issue (10 us)
  CHECK(queues[1].call == 1);
  CHECK(queues[1].time == 30'000);
  const auto entries = all<FuncEntry>(r.trace);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].call == 2);
  CHECK(entries[1].call == 1);
  CHECK(replay::verify_report(r.trace, {.imported = true}).violations.empty());
}

TEST_CASE(
    "a SYNC csd whose run a missed kprobe hid is no candidate for a later run, and is not "
    "reported as returned early",
    "[unit][ftrace]") {
  // Call 1 (cpu 1) and call 2 (cpu 2) both queue on cpu 0. Cpu 0's handler at
  // 10 us ran call 1's csd but its probe hits were missed (no flush line, as
  // when a kprobe fires while another runs on that CPU); call 1 returned.
  // Cpu 0's run at 30 us is call 2's, not the stale call 1's.
  const std::string text = many(1, 0, "0x3", "1") + send_single(1, 1, 0) +
                           handler(0, 10, 0, /*flushed=*/false) + many_ret(1, 12) +
                           many(2, 20, "0x5", "1") + send_single(2, 21, 0) + handler(0, 30, 1) +
                           many_ret(2, 32);
  const auto r = import(text);
  const auto entries = all<FuncEntry>(r.trace);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].call == 2);
  const auto report = replay::verify_report(r.trace, {.imported = true});
  for (const auto& v : report.violations) UNSCOPED_INFO(replay::to_string(v));
  CHECK(report.violations.empty());
  CHECK(report.checks[1].checked == 2);
  CHECK(report.checks[1].not_checked.find("1 SYNC call(s) on a target whose call-function "
                                          "handler shows no queue flush") != std::string::npos);

  // Without any handler on cpu 0 before the return, the early return is
  // still a violation, and so it is where that handler shows its flush (its
  // probes did fire); the run at 30 us came after the return.
  for (const bool with_flush : {false, true}) {
    INFO(with_flush);
    std::string text2 = many(1, 0, "0x3", "1") + send_single(1, 1, 0) +
                        (with_flush ? handler(0, 10, 0) : std::string()) + many_ret(1, 12) +
                        handler(0, 30, 1);
    const auto r2 = import(text2);
    const auto report2 = replay::verify_report(r2.trace, {.imported = true});
    REQUIRE(report2.violations.size() == 1);
    CHECK(report2.violations[0].rule == replay::Rule::SyncReturnedEarly);
  }
}

TEST_CASE(
    "a tick's async call ends at the next handler entry: that handler's callbacks are "
    "remote",
    "[unit][ftrace]") {
  // Cpu 1's tick kicks cpu 0 (nohz_csd_func, no return probe, the tick's own
  // exit untraced); later cpu 1's call-function handler runs nohz_csd_func for
  // another CPU's kick: a remote csd, not the async call's local run.
  const std::string kick =
      "(smp_call_function_single_async+0x0/0x40) cpu={} "
      "csd=0xffff88ac1f431c80 func=nohz_csd_func+0x0/0x90";
  const auto r = import(ln(1, 0, "scf_async", fmt::format(fmt::runtime(kick), 0), kIrq) +
                        ln(1, 1, "exec",
                           "(generic_exec_single+0x0/0xd0) cpu=0 csd=0xffff88ac1f431c80 flags=1 "
                           "func=nohz_csd_func+0x0/0x90",
                           kIrq) +
                        ln(2, 10, "scf_async", fmt::format(fmt::runtime(kick), 1), kIrq) +
                        ln(1, 20, "call_function_single_entry", "vector=251", kIrq) +
                        ln(1, 20, "flush", "(__flush_smp_call_function_queue+0x0/0x1a0)", kIrq) +
                        ln(1, 21, "nohz_csd_func", "(nohz_csd_func+0x0/0x90)", kIrq) +
                        ln(1, 22, "nohz_csd_func_ret",
                           "(__flush_smp_call_function_queue+0x11a/0x1a0 <- nohz_csd_func)", kIrq) +
                        ln(1, 23, "call_function_single_exit", "vector=251", kIrq));
  const auto entries = all<FuncEntry>(r.trace);
  REQUIRE(entries.size() == 1);
  CHECK_FALSE(entries[0].local);
  const auto summary = replay::summarize(r.trace);
  CHECK(summary.coalescing.remote_callbacks == 1);
  CHECK(summary.coalescing.callbacks_per_handler == std::map<std::uint64_t, std::uint64_t>{{1, 1}});
}

TEST_CASE(
    "generic_exec_single's enqueue is kept where __smp_call_single_queue, inlined, sees only "
    "the TTWU wakelist",
    "[unit][ftrace]") {
  const std::string exec =
      "(generic_exec_single+0x0/0xd0) cpu=1 csd=0xffffc90000603d80 flags=17 "
      "func=ipi_rseq+0x0/0x30";
  const std::string queue = "(__smp_call_single_queue+0x0/0x40) cpu={} node=0x{:x} flags={}";
  const std::string single =
      "(smp_call_function_single+0x0/0x130) cpu=1 func=ipi_rseq+0x0/0x30 wait=1";
  const std::string ret =
      "(membarrier_private_expedited+0x220/0x260 <- smp_call_function_single) "
      "ret=0";
  // Inlined: the exec hit is the only enqueue of the call (a TTWU queue hit
  // elsewhere shows the probe exists). Not inlined: the queue hit that follows
  // is the same enqueue, and the exec hit is dropped.
  for (const bool inlined : {true, false}) {
    INFO(inlined);
    const auto r = import(
        ln(2, 0, "queue", fmt::format(fmt::runtime(queue), 3, 0xffff88ac012448f8u, 48), "d.s3.") +
        ln(0, 1, "scf_single", single) + ln(0, 2, "exec", exec, "...1.") +
        (inlined ? std::string()
                 : ln(0, 2, "queue", fmt::format(fmt::runtime(queue), 1, 0xffffc90000603d80u, 17),
                      "...1.")) +
        send_single(0, 3, 1) + ln(0, 10, "scf_single_ret", ret));
    const auto queues = all<CsdQueue>(r.trace);
    REQUIRE(queues.size() == 2);  // cpu 2's TTWU and the call's csd
    CHECK(r.inferred_enqueues == 0);
    CHECK(queues[1].call == 1);
    CHECK(queues[1].target == 1);
    CHECK(queues[1].queue_was_empty);
    CHECK_FALSE(queues[1].inferred);
  }
}

TEST_CASE(
    "enqueues inferred at an IPI and at a bare issue after the same record stay in time "
    "order (fuzz finding)",
    "[unit][ftrace]") {
  // Call 1's IPI (cpu 1, 6 us) directly follows call 2's issue (cpu 2, 5 us),
  // which nothing follows: both calls' inferred csds go after that issue.
  const auto r = import(many(1, 0, "0x3", "1") + many(2, 5, "0x5", "1") + send_single(1, 6, 0));
  REQUIRE(all<CsdQueue>(r.trace).size() == 2);
  for (std::size_t i = 1; i < r.trace.records.size(); ++i)
    CHECK(r.trace.records[i - 1].time <= r.trace.records[i].time);
}
