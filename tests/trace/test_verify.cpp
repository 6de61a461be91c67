// replay::verify(): the clean sample passes; each rule catches its violation.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sample.hpp"
#include "sim/replay/verify.hpp"

using namespace xcallsim;
using replay::Rule;
using trace::Kind;

namespace {

std::vector<Rule> rules_of(const trace::Trace& t) {
  std::vector<Rule> out;
  for (const replay::Violation& v : replay::verify(t)) out.push_back(v.rule);
  return out;
}

template <class Pred>
void erase_if(trace::Trace& t, Pred pred) {
  t.records.erase(std::remove_if(t.records.begin(), t.records.end(), pred), t.records.end());
}

}  // namespace

TEST_CASE("the clean sample trace has no violations", "[unit]") {
  const auto violations = replay::verify(test::sample_trace());
  for (const auto& v : violations) UNSCOPED_INFO(replay::to_string(v));
  CHECK(violations.empty());
}

TEST_CASE("a call that never returns is reported", "[unit]") {
  trace::Trace t = test::sample_trace();
  erase_if(t, [](const trace::Record& r) { return r.kind == Kind::XcallReturn && r.call == 2; });
  const auto v = replay::verify(t);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == Rule::Unreturned);
  CHECK(v[0].call == 2);
  CHECK(v[0].time == 60);
  CHECK(v[0].cpu == 3);
  CHECK(replay::to_string(v[0]) == "t=60 cpu3 call #2: unreturned: call issued, never returned");
}

TEST_CASE("a return without an issue is reported", "[unit]") {
  trace::Trace t = test::sample_trace();
  t.records.push_back(
      trace::XcallReturn{.time = 90, .call = 77, .api = trace::Api::Single}.to_record());
  CHECK(rules_of(t) == std::vector<Rule>{Rule::ReturnWithoutIssue});
}

TEST_CASE("a SYNC call returning before its function finished is reported", "[unit]") {
  trace::Trace t = test::sample_trace();
  for (auto& r : t.records)
    if (r.kind == Kind::XcallReturn && r.call == 1) r.time = 41;  // cpu2 finishes at 43
  std::stable_sort(t.records.begin(), t.records.end(),
                   [](const trace::Record& x, const trace::Record& y) { return x.time < y.time; });
  const auto v = replay::verify(t);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == Rule::SyncReturnedEarly);
  CHECK(v[0].what.find("cpu2") != std::string::npos);
}

TEST_CASE("ASYNC functions run out of queueing order are reported", "[unit]") {
  trace::Trace t = test::sample_trace();
  for (auto& r : t.records) {  // call 3's function runs first on cpu1
    if (r.cpu != 1 || r.call == 0 || r.time < 70) continue;
    r.call = r.call == 2 ? 3 : 2;
    const auto swap = [](std::uint32_t csd) { return csd == 30 ? 31u : 30u; };
    if (trace::FuncEntry e; trace::as(r, e)) {
      e.csd = swap(e.csd);
      r = e.to_record();
    } else if (trace::FuncExit x; trace::as(r, x)) {
      x.csd = swap(x.csd);
      r = x.to_record();
    }
  }
  CHECK(rules_of(t) == std::vector<Rule>{Rule::FifoOrder});
}

TEST_CASE("a csd queued again while locked is reported", "[unit]") {
  trace::Trace t = test::sample_trace();
  for (auto& r : t.records)
    if (trace::CsdQueue q; trace::as(r, q) && r.call == 3) {
      q.csd = 30;  // call 2 still holds csd 30
      r = q.to_record();
    }
  const auto v = replay::verify(t);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == Rule::CsdReuse);
  CHECK(v[0].time == 65);
}

TEST_CASE("a csd queued on an empty queue without an IPI is reported", "[unit]") {
  trace::Trace t = test::sample_trace();
  erase_if(t, [](const trace::Record& r) { return r.kind == Kind::IpiSend && r.call == 2; });
  const auto v = replay::verify(t);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == Rule::MissingIpi);
  CHECK(v[0].time == 61);

  trace::Trace elided = test::sample_trace();
  for (auto& r : elided.records)
    if (r.kind == Kind::IpiSend && r.call == 2)
      r = trace::IpiElided{.time = 62, .cpu = 3, .call = 2, .target = 1}.to_record();
  CHECK(replay::verify(elided).empty());
}

TEST_CASE("verify tolerates garbage ids and CPUs", "[unit]") {
  trace::Trace t;
  t.cpu_count = 1;
  t.records = {trace::IpiSend{.time = 1,
                              .call = 9,
                              .target = 99,
                              .target_is_mask = true,
                              .how = trace::SendHow::PerCpuLoop,
                              .icr_writes = 1}
                   .to_record(),
               trace::FuncEntry{.time = 2,
                                .cpu = 7,
                                .call = 12345,
                                .func = trace::kNone,
                                .csd = trace::kNone,
                                .site = trace::FuncSite::FlushAsync}
                   .to_record(),
               trace::CsdQueue{.time = 3,
                               .target = 4000000,
                               .csd = trace::kNone,
                               .type = trace::CsdType::Async,
                               .queue_was_empty = true}
                   .to_record()};
  CHECK(rules_of(t) == std::vector<Rule>{Rule::MissingIpi});
}

TEST_CASE("verify says what it checked and what it could not, for lack of events", "[unit]") {
  const replay::VerifyReport full = replay::verify_report(test::sample_trace());
  REQUIRE(full.checks.size() == 5);
  CHECK(full.checks[0].name == "returns");
  CHECK(full.checks[0].checked > 0);
  CHECK(full.checks[0].not_checked.empty());
  CHECK(replay::format_checks(full).rfind("verify: checked returns on ", 0) == 0);

  // Without unlock events (a Linux import) csd reuse is not checked, and
  // says so, instead of passing silently or failing on every reused csd.
  trace::Trace t = test::sample_trace();
  erase_if(t, [](const trace::Record& r) { return r.kind == Kind::CsdUnlock; });
  const replay::VerifyReport partial = replay::verify_report(t);
  CHECK(partial.violations.empty());
  CHECK(partial.checks[3].name == "csd reuse");
  CHECK(partial.checks[3].checked == 0);
  CHECK(partial.checks[3].not_checked == "no csd unlock events in this trace");
  CHECK(replay::format_checks(partial).find("verify: not checked: csd reuse: no csd unlock "
                                            "events in this trace") != std::string::npos);

  // Without any enqueue: FIFO and the IPI rule have nothing to check.
  erase_if(t, [](const trace::Record& r) { return r.kind == Kind::CsdQueue; });
  const replay::VerifyReport bare = replay::verify_report(t);
  CHECK(bare.checks[2].not_checked == "no enqueue events in this trace");
  CHECK(bare.checks[4].not_checked == "no enqueue events in this trace");
}
