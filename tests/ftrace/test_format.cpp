// Line formats: headers, flags column, timestamp styles, trace-cmd report, unknown lines.
#include <catch2/catch.hpp>

#include <sstream>

#include "import_text.hpp"

using namespace xcallsim::trace;
using ftrace::test::import_text;
using ftrace::test::line;

namespace {
const char* kHeader =
    "# tracer: nop\n"
    "#\n"
    "# entries-in-buffer/entries-written: 4/4   #P:8\n"
    "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
    "#              | |         |   |||||     |         |\n";
}

TEST_CASE("header comments are skipped and #P gives the cpu count", "[unit][ftrace]") {
  auto r =
      import_text(std::string(kHeader) + line(1, "1.000000", "reschedule_entry", "vector=253"));
  CHECK(r.comment_lines == 5);
  CHECK(r.lines_read == 6);
  CHECK(r.trace.cpu_count == 8);
  CHECK(r.clock == ftrace::Clock::Seconds);
}

TEST_CASE("seconds timestamps become nanoseconds from the first event", "[unit][ftrace]") {
  auto r = import_text(line(0, "123.456789", "reschedule_entry", "vector=253") +
                       line(0, "123.456790123", "reschedule_exit", "vector=253") +
                       line(0, "124.5", "reschedule_entry", "vector=253"));
  REQUIRE(r.trace.records.size() == 3);
  CHECK(r.trace.records[0].time == 0);
  CHECK(r.trace.records[1].time == 1123);
  CHECK(r.trace.records[2].time == 1'043'211'000);
  CHECK(r.trace.ghz == 1.0);
}

TEST_CASE("raw counter timestamps stay ticks, with ghz from the clock comment", "[unit][ftrace]") {
  std::string body = line(0, "11694740863", "reschedule_entry", "vector=253") +
                     line(0, "11694741863", "reschedule_exit", "vector=253");
  auto with_clock = import_text("# xcallsim-clock: x86-tsc tsc_mhz=2596.134\n" + body);
  CHECK(with_clock.clock == ftrace::Clock::Counter);
  CHECK(with_clock.trace.records[1].time == 1000);
  CHECK(with_clock.trace.ghz == Approx(2.596134));
  // The caller's rate serves when the capture has no clock line.
  std::istringstream in(body);
  ftrace::ImportOptions options;
  options.counter_ghz = 3.0;
  CHECK(ftrace::import_ftrace(in, "test.txt", options).trace.ghz == 3.0);
}

TEST_CASE("raw counter timestamps without a rate are refused, never read as 1 GHz",
          "[unit][ftrace]") {
  const std::string body = "# tracer: nop\n" +
                           line(0, "11694740863", "reschedule_entry", "vector=253") +
                           line(0, "11694741863", "reschedule_exit", "vector=253");
  try {
    import_text(body);
    FAIL("expected an ImportError");
  } catch (const ftrace::ImportError& e) {
    CHECK(e.line() == 2);  // the first counter-stamped event
    CHECK_THAT(e.what(), Catch::Contains("raw counter ticks") && Catch::Contains("--tsc-ghz"));
  }
  // Seconds timestamps carry their unit: no rate needed.
  CHECK(import_text(line(0, "100.000001", "reschedule_entry", "vector=253")).trace.ghz == 1.0);
}

TEST_CASE("the flags column may be absent and comms may hold spaces and dashes", "[unit][ftrace]") {
  auto r = import_text(
      "          <idle>-0     [002]   100.000001: call_function_entry: vector=252\n"
      "   kworker/u8:2-my task-77  [003] dN.2. 100.000002: call_function_exit: vector=252\n"
      "      bash-1234  (   1234) [001] ....  100.000003: reschedule_entry: vector=253\n");
  REQUIRE(r.trace.records.size() == 3);
  CHECK(r.trace.records[0].cpu == 2);
  CHECK(r.trace.records[1].cpu == 3);
  CHECK(r.trace.records[2].cpu == 1);
  CHECK(r.unknown_lines_skipped == 0);
}

TEST_CASE("trace-cmd report output is read", "[unit][ftrace]") {
  auto r = import_text(
      "version = 6\n"
      "cpus=4\n"
      "      xcall_load-85    [001]    12.345678: call_function_single_entry: vector=251\n"
      "      xcall_load-85    [001]    12.345679: call_function_single_exit: vector=251\n");
  CHECK(r.trace.records.size() == 2);
  CHECK(r.trace.cpu_count == 4);
  CHECK(r.unknown_lines_skipped == 1);  // "version = 6"
}

TEST_CASE("unknown events and text are counted and skipped, lost events summed", "[unit][ftrace]") {
  auto r = import_text(
      "##### CPU 1 buffer started ####\n" +
      line(0, "1.000000", "tracing_mark_write", "phase membarrier") +
      line(0, "1.000001", "sched_switch", "prev_comm=a prev_pid=1 ==> next_comm=b next_pid=2") +
      "CPU:2 [LOST 17 EVENTS]\n"
      "random text [12] without shape\n" +
      line(0, "1.000002", "reschedule_entry", "vector=253") + "\n");
  CHECK(r.trace.records.size() == 2);  // the trace_marker line is a Mark record
  CHECK(r.markers == 1);
  CHECK(r.unknown_lines_skipped == 2);
  CHECK(r.lost_events == 17);
  CHECK(r.comment_lines == 2);
  CHECK(r.lines_read == 7);
}

TEST_CASE("out-of-order lines are stably sorted by time", "[unit][ftrace]") {
  auto r = import_text(line(0, "1.000000", "reschedule_entry", "vector=253") +
                       line(1, "1.000005", "call_function_entry", "vector=252") +
                       line(2, "1.000003", "call_function_single_entry", "vector=251"));
  REQUIRE(r.trace.records.size() == 3);
  CHECK(r.trace.records[1].cpu == 2);
  CHECK(r.trace.records[2].cpu == 1);
}

TEST_CASE("the same input gives the same trace", "[unit][ftrace]") {
  std::string text = std::string(kHeader) +
                     line(0, "2.0", "csd_queue_cpu", "cpu=1 callsite=x func=g csd=00000000bb") +
                     line(0, "2.1", "ipi_send_cpumask", "cpumask=6 callsite=x callback=0x0") +
                     line(1, "2.2", "csd_function_entry", "func=g, csd=00000000bb") +
                     line(1, "2.3", "csd_function_exit", "func=g, csd=00000000bb");
  auto a = import_text(text);
  auto b = import_text(text);
  CHECK(a.trace.records == b.trace.records);
  CHECK(a.trace.masks == b.trace.masks);
  CHECK(a.trace.functions == b.trace.functions);
  CHECK(a.trace.cpu_count == b.trace.cpu_count);
  CHECK(a.events_imported == 4);
}

TEST_CASE("a window imports only between two trace_marker lines, markers kept", "[unit][ftrace]") {
  const std::string text =
      line(0, "1.000000", "reschedule_entry", "vector=253") +          // before
      line(1, "1.000001", "tracing_mark_write", "run 7 begin") +       // BEGIN
      line(0, "1.000002", "call_function_entry", "vector=252") +       // inside
      line(0, "1.000003", "print", "tracing_mark_write: phase two") +  // a marker inside
      line(0, "1.000004", "call_function_exit", "vector=252") +        // inside
      line(1, "1.000005", "tracing_mark_write", "run 7 end") +         // END
      line(0, "1.000006", "reschedule_exit", "vector=253");            // after
  std::istringstream in(text);
  ftrace::ImportOptions options;
  options.window_begin = "run [0-9]+ begin";
  options.window_end = "end$";
  const auto r = ftrace::import_ftrace(in, "w.txt", options);
  REQUIRE(r.trace.records.size() == 5);  // BEGIN, entry, marker, exit, END
  CHECK(r.trace.records[0].kind == Kind::Mark);
  CHECK(r.trace.records[1].kind == Kind::IrqEntry);
  CHECK(r.trace.records[2].kind == Kind::Mark);
  CHECK(r.trace.records[4].kind == Kind::Mark);
  CHECK(r.trace.records[0].time == 0);  // time is relative to the window's first event
  CHECK(r.markers == 3);
  CHECK(r.outside_window == 2);
  // Without a window every line counts; markers still become Mark records.
  CHECK(import_text(text).trace.records.size() == 7);
  // A BEGIN nothing matches, and a pattern that is no regex, are errors with a fix.
  std::istringstream again(text);
  options.window_begin = "never";
  CHECK_THROWS_WITH(ftrace::import_ftrace(again, "w.txt", options),
                    Catch::Contains("no trace_marker line matches") && Catch::Contains("fix:"));
  options.window_begin = "([";
  std::istringstream bad(text);
  CHECK_THROWS_WITH(ftrace::import_ftrace(bad, "w.txt", options),
                    Catch::Contains("not a regular expression"));
}
