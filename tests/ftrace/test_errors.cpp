// A malformed line of a known event is an ImportError naming source:line; one case per class.
#include <catch2/catch.hpp>

#include "import_text.hpp"
#include "sim/trace/file.hpp"

using namespace xcallsim::trace;
using ftrace::ImportError;
using ftrace::test::import_text;
using ftrace::test::line;

namespace {
// Imports `bad` after two good lines and returns the error, which must be at line 3.
std::string error_at_line_3(const std::string& bad) {
  std::string good = line(0, "1.0", "reschedule_entry", "vector=253") +
                     line(0, "1.1", "reschedule_exit", "vector=253");
  try {
    import_text(good + bad);
  } catch (const ImportError& e) {
    CHECK(e.line() == 3);
    CHECK(e.source() == "test.txt");
    CHECK(std::string(e.what()).rfind("test.txt:3: ", 0) == 0);
    return e.what();
  }
  FAIL("no ImportError for: " << bad);
  return {};
}
}  // namespace

TEST_CASE("a missing field is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(line(1, "1.2", "call_function_entry", "vec=252"));
  CHECK_THAT(what, Catch::Contains("vector=<unsigned integer>"));
  CHECK_THAT(what, Catch::Contains("call_function_entry"));
}

TEST_CASE("a non-numeric field is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(line(1, "1.2", "ipi_send_cpu", "cpu=two callsite=x callback=y"));
  CHECK_THAT(what, Catch::Contains("cpu=<unsigned integer>"));
}

TEST_CASE("a malformed timestamp of a known event is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(line(1, "1.2x", "call_function_exit", "vector=252"));
  CHECK_THAT(what, Catch::Contains("timestamp"));
}

TEST_CASE("mixed timestamp styles are an error", "[unit][ftrace]") {
  auto what = error_at_line_3(line(1, "12345678", "call_function_exit", "vector=252"));
  CHECK_THAT(what, Catch::Contains("same timestamp style"));
}

TEST_CASE("a bad cpumask is an error", "[unit][ftrace]") {
  CHECK_THAT(error_at_line_3(line(0, "1.2", "ipi_send_cpumask", "cpumask=zz callback=0x0")),
             Catch::Contains("hex cpumask"));
  CHECK_THAT(error_at_line_3(line(0, "1.2", "ipi_send_cpumask", "cpumask=3-1 callback=0x0")),
             Catch::Contains("cpu list"));
  CHECK_THAT(error_at_line_3(line(0, "1.2", "ipi_send_cpumask", "cpumask=0-70000 callback=0")),
             Catch::Contains("out of range"));
}

TEST_CASE("a cpu number out of range is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(line(70000, "1.2", "call_function_exit", "vector=252"));
  CHECK_THAT(what, Catch::Contains("cpu number"));
}

TEST_CASE("csd events without func or csd are an error", "[unit][ftrace]") {
  CHECK_THAT(error_at_line_3(line(0, "1.2", "csd_function_entry", "func=f")),
             Catch::Contains("csd=<pointer>"));
  CHECK_THAT(error_at_line_3(line(0, "1.2", "csd_queue_cpu", "cpu=1 callsite=x csd=0x1")),
             Catch::Contains("func=<symbol>"));
}

TEST_CASE("a malformed kprobe argument of a sender is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(
      line(0, "1.2", "scf_single", "(smp_call_function_single+0x0/0x130) cpu=-1 func=f wait=1"));
  CHECK_THAT(what, Catch::Contains("cpu=<unsigned integer>"));
  CHECK_THAT(error_at_line_3(line(0, "1.2", "r", "(x+0x1/0x2 <- smp_call_function_single) ret=z")),
             Catch::Contains("ret=<integer>"));
}

// Found by fuzz_ftrace_import: each of these produced a trace the file format
// rejects (a record naming mask 0x7fffffff, or zero CPUs).
TEST_CASE("a kprobe CPU field at or above 65536 is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(
      line(0, "1.2", "send_single", "(native_send_call_func_single_ipi+0x0/0x20) cpu=70000"));
  CHECK(what.find("below 65536") != std::string::npos);
}

TEST_CASE("a send kprobe without its target is only counted", "[unit][ftrace]") {
  auto r =
      import_text(line(0, "1.0", "send_single", "(native_send_call_func_single_ipi+0x0/0x20)") +
                  line(1, "1.1", "reschedule_entry", "vector=253"));
  CHECK(r.trace.records.size() == 1);
  CHECK(r.counted_only.at("native_send_call_func_single_ipi") == 1);
  CHECK_NOTHROW(read_trace_from_memory(encode_trace(r.trace, TraceHeader{})));
}

TEST_CASE("input with no events and no CPU count is an error at its end", "[unit][ftrace]") {
  CHECK_THROWS_AS(import_text(""), ImportError);
  CHECK_THROWS_WITH(import_text("# tracer: nop\n#\n"), Catch::Contains("test.txt:2:"));
}

TEST_CASE("a function symbol that is not printable ASCII is an error", "[unit][ftrace]") {
  auto what = error_at_line_3(line(0, "1.2", "csd_function_entry", "func=bad\xff\xfe csd=0x1"));
  CHECK(what.find("not a kernel symbol") != std::string::npos);
}
