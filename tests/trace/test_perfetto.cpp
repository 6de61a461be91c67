// replay::export_perfetto(): the output parses and follows the Trace Event Format.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "sample.hpp"
#include "sim/replay/perfetto.hpp"

using namespace xcallsim;
using nlohmann::json;

namespace {

// Structural rules of the Trace Event Format for the phases we emit.
void check_structure(const json& doc) {
  REQUIRE(doc.is_object());
  REQUIRE(doc.contains("traceEvents"));
  REQUIRE(doc["traceEvents"].is_array());
  std::map<std::pair<int, int>, int> open_be;  // (pid, tid) -> B depth
  std::map<std::string, int> flows;            // id -> "s" minus "f"
  for (const json& e : doc["traceEvents"]) {
    REQUIRE(e.is_object());
    REQUIRE(e["ph"].is_string());
    REQUIRE(e["name"].is_string());
    REQUIRE(e["pid"].is_number_integer());
    const std::string ph = e["ph"];
    if (ph != "M") REQUIRE(e["ts"].is_number());
    if (ph == "X") {
      REQUIRE(e["dur"].is_number());
      CHECK(e["dur"].get<double>() >= 0);
      REQUIRE(e["tid"].is_number_integer());
    } else if (ph == "B" || ph == "E") {
      auto& depth = open_be[{e["pid"].get<int>(), e["tid"].get<int>()}];
      depth += ph == "B" ? 1 : -1;
      CHECK(depth >= 0);
    } else if (ph == "s" || ph == "f") {
      REQUIRE(e["id"].is_number_integer());
      REQUIRE(e["cat"].is_string());
      REQUIRE(e["tid"].is_number_integer());
      if (ph == "f") CHECK(e["bp"] == "e");
      flows[e["id"].dump()] += ph == "s" ? 1 : -1;
    } else if (ph == "C") {
      REQUIRE(e["args"].is_object());
      for (const auto& [key, value] : e["args"].items()) CHECK(value.is_number());
    } else if (ph == "M") {
      const std::string name = e["name"];
      CHECK((name == "process_name" || name == "thread_name" || name == "thread_sort_index"));
      REQUIRE(e["args"].is_object());
    } else {
      FAIL("unexpected phase " << ph);
    }
  }
  for (const auto& [key, depth] : open_be) CHECK(depth == 0);
  for (const auto& [id, balance] : flows) CHECK(balance == 0);
}

}  // namespace

TEST_CASE("the Perfetto export is valid Trace Event JSON with a track per CPU", "[unit]") {
  const trace::Trace t = test::sample_trace();
  const json doc = json::parse(replay::export_perfetto(t).dump());
  check_structure(doc);
  std::set<std::string> threads, slices;
  std::set<int> slice_tids;
  int flow_starts = 0, counters = 0;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") threads.insert(e["args"]["name"]);
    if (e["ph"] == "X") {
      slices.insert(e["name"].get<std::string>());
      slice_tids.insert(e["tid"].get<int>());
    }
    if (e["ph"] == "s") ++flow_starts;
    if (e["ph"] == "C") ++counters;
  }
  CHECK(threads == std::set<std::string>{"CPU 0", "CPU 1", "CPU 2", "CPU 3"});
  CHECK(slice_tids == std::set<int>{0, 1, 2, 3});
  for (const char* name : {"smp_xcall_mask", "smp_xcall", "IRQ 0xfc", "IRQ 0xfb", "flush_tlb_func",
                           "do_sync_core", "csd_lock_wait", "IPI send 0xfc"})
    CHECK(slices.count(name) == 1);
  CHECK(flow_starts == 3);   // two from the mask send, one unicast
  CHECK(counters == 4 + 3);  // four CsdQueue increments, three FlushBegin resets
}

TEST_CASE("Perfetto timestamps are microseconds at the trace clock", "[unit]") {
  trace::Trace t = test::sample_trace();  // 2 GHz: 2000 cycles per microsecond
  t.records = {trace::IrqEntry{.time = 4000, .cpu = 1, .vector = 0xfb}.to_record(),
               trace::IrqExit{.time = 5000, .cpu = 1, .vector = 0xfb}.to_record()};
  const json doc = replay::export_perfetto(t);
  bool found = false;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X") {
      CHECK(e["ts"].get<double>() == Approx(2.0));
      CHECK(e["dur"].get<double>() == Approx(0.5));
      found = true;
    }
  CHECK(found);
}

TEST_CASE("Perfetto export closes unfinished slices and drops unmatched ends", "[unit]") {
  trace::Trace t;
  t.cpu_count = 2;
  t.records = {trace::FuncExit{.time = 1, .func = 0, .csd = 0}.to_record(),
               trace::IrqEntry{.time = 2, .cpu = 1, .vector = 0xfb}.to_record(),
               trace::IpiDeliver{.time = 9, .vector = 0xfb, .sender = 1}.to_record()};
  const json doc = replay::export_perfetto(t);
  check_structure(doc);
  int unfinished = 0;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X" && e["args"].contains("unfinished")) ++unfinished;
  CHECK(unfinished == 1);
}

// A virtualized machine's exits and wake-ups are slices of their own, as
// long as their guest-visible cycles; a HLT (0 cycles) is no slice.
TEST_CASE("Perfetto export: VM exits and vCPU wake-ups are slices", "[unit]") {
  trace::Trace t = test::sample_trace();  // 2 GHz
  t.records = {
      trace::VmExit{.time = 2000,
                    .cpu = 0,
                    .reason = trace::VmExitReason::IcrWrite,
                    .cycles = 4000,
                    .targets = 3}
          .to_record(),
      trace::VmExit{.time = 2500, .cpu = 1, .reason = trace::VmExitReason::Hlt}.to_record(),
      trace::VcpuWake{.time = 6000, .cpu = 1, .cycles = 1000, .polled = true}.to_record()};
  const json doc = replay::export_perfetto(t);
  check_structure(doc);
  std::map<std::string, std::pair<double, double>> slices;  // name -> (ts, dur)
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X") slices[e["name"]] = {e["ts"].get<double>(), e["dur"].get<double>()};
  REQUIRE(slices.count("VM exit: icr-write") == 1);
  CHECK(slices["VM exit: icr-write"].first == Approx(1.0));
  CHECK(slices["VM exit: icr-write"].second == Approx(2.0));
  REQUIRE(slices.count("vCPU wake (halt-poll)") == 1);
  CHECK(slices["vCPU wake (halt-poll)"].second == Approx(0.5));
  CHECK(slices.size() == 2);  // no slice for the HLT
}
