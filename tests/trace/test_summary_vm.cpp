// replay summary of a virtualized machine's trace: VM exits by reason (their
// guest-visible cycles, those inside calls) and vCPU wake-ups, printed only
// when the trace has them.
#include <catch2/catch.hpp>

#include <string>

#include "sample.hpp"
#include "sim/replay/summary.hpp"

using namespace xcallsim;

TEST_CASE("summary: VM exits by reason and wake-ups, only for traces that have them", "[unit]") {
  trace::Trace t = test::sample_trace();
  const std::string bare = replay::format_summary(replay::summarize(t), t, {});
  CHECK(bare.find("VM exits") == std::string::npos);

  t.records.push_back(trace::VmExit{.time = 9000,
                                    .cpu = 0,
                                    .call = 1,
                                    .reason = trace::VmExitReason::Hypercall,
                                    .cycles = 3000,
                                    .targets = 2}
                          .to_record());
  t.records.push_back(
      trace::VmExit{.time = 9100, .cpu = 2, .reason = trace::VmExitReason::Eoi, .cycles = 500}
          .to_record());
  t.records.push_back(
      trace::VmExit{.time = 9200, .cpu = 3, .reason = trace::VmExitReason::Hlt}.to_record());
  t.records.push_back(
      trace::VcpuWake{.time = 9300, .cpu = 3, .cycles = 800, .polled = true}.to_record());
  const replay::Summary s = replay::summarize(t);
  CHECK(s.virt.exits.at(static_cast<std::uint32_t>(trace::VmExitReason::Hypercall)) == 1);
  CHECK(s.virt.exit_cycles.at(static_cast<std::uint32_t>(trace::VmExitReason::Eoi)) == 500);
  CHECK(s.virt.call_exits == 1);
  CHECK(s.virt.call_exit_cycles == 3000);
  CHECK(s.virt.wakes == 1);
  CHECK(s.virt.polled_wakes == 1);
  const std::string text = replay::format_summary(s, t, {});
  CHECK(text.find("VM exits: pv-send-ipi 1 (3000 cycles); eoi 1 (500 cycles); hlt 1; 3500 "
                  "guest-visible cycles") != std::string::npos);
  CHECK(text.find("vCPU wake-ups: 1 (1 inside the halt-polling window), 800 cycles") !=
        std::string::npos);
}
