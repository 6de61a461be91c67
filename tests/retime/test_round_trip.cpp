// The acceptance property of re-timing: a trace recorded by `run` and
// re-timed on the same machine reproduces the same bytes, for every shipped
// scenario and profile, and for every operation a CPU program can perform.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace retime_test;
using xcallsim::smp::Cond;
using xcallsim::smp::Cpu;
using xcallsim::smp::Mask;

namespace {

const char* const kScenarios[] = {"default", "seed-vs-upstream", "priority-mix"};

Mask mask_of(std::initializer_list<int> cpus) {
  Mask m;
  for (const int c : cpus) m.set(c);
  return m;
}

}  // namespace

TEST_CASE("retime: each shipped scenario re-timed on its own machine gives the run's bytes",
          "[golden][retime]") {
  const auto machine = shipped_machine("default");
  for (const char* name : kScenarios) {
    for (const auto profile : {smp::Profile::Seed, smp::Profile::Upstream}) {
      INFO(name << " " << smp::to_string(profile));
      const Recorded run = run_scenario(machine, name, profile);
      REQUIRE(run.outcome.completed);
      const auto recorded = run.bytes();
      // Through the file format, as `replay TRACE --machine M -o NEW` does.
      const trace::TraceFile back = trace::read_trace_from_memory(recorded);
      const replay::Workload w = replay::extract_workload(back);
      CHECK(w.exact);
      CHECK(w.notes.empty());
      const replay::RetimeResult again = replay::retime(w, machine);
      CHECK(again.profile == profile);
      CHECK(again.outcome.completed);
      CHECK(again.trace.records == run.file.trace.records);
      CHECK(bytes(again) == recorded);
    }
  }
}

TEST_CASE("retime: every operation of the Cpu API is recorded and re-run exactly",
          "[golden][retime]") {
  for (const auto profile : {smp::Profile::Seed, smp::Profile::Upstream}) {
    INFO(smp::to_string(profile));
    const auto machine = small_machine(4);  // 8 CPUs
    smp::Options options;
    options.profile = profile;
    options.poll_idle = true;
    options.private_slots = 3;
    options.relax_cycles = 7;
    smp::Simulation sim(machine, options);
    const auto a = sim.add_function({"a", 150});
    const auto b = sim.add_function({"b", 2000});
    sim.add_vector_handler(0x40, {"timer", 300, true});
    sim.set_online(7, false);
    sim.set_program(0, [=](Cpu& cpu) {
      cpu.compute(500);
      cpu.mark(7);
      cpu.irq_disable();
      cpu.compute(300);
      cpu.irq_enable();
      cpu.xcall(1, a, smp::kSync);
      cpu.xcall_cond(3, a, smp::kSync, Cond::Odd);
      cpu.xcall_mask(mask_of({1, 2, 3}), b, smp::kAsync);
      cpu.xcall_mask_cond(mask_of({1, 2, 3, 4, 5}), a, smp::kSync, Cond::Even);
      cpu.xcall_private(3, 1, a, smp::kAsync);
      cpu.private_busy(1);
      cpu.xcall_private(3, 1, b, smp::kAsync);  // maybe -EBUSY: re-run must agree
      cpu.xcall_any(mask_of({2, 3}), a, smp::kSync);
      cpu.set_tpr(0x20);
      cpu.send_ipi(2, 0x40);
      cpu.set_tpr(0);
      cpu.idle_until(cpu.now() + 2000);
      cpu.xcall(7, a, smp::kSync);  // offline target
    });
    sim.set_program(1, [=](Cpu& cpu) {
      cpu.smp_call_function_single(2, a, true);
      cpu.smp_call_function_single_async(3, 0, b);
      cpu.smp_call_function_many(mask_of({2, 3, 4}), a, true);
      cpu.smp_call_function(a, false);
      cpu.smp_call_function_any(mask_of({5, 6}), a, true);
      cpu.on_each_cpu_cond_mask(Cond::NotSelf, a, true, mask_of({0, 1, 2}));
    });
    sim.set_program(2, [=](Cpu& cpu) {
      cpu.compute(1234);
      cpu.xcall(xcall::XCALL_ALL, b, smp::kSync);
    });
    sim.set_program(5, [](Cpu&) {});  // a program with no operations still ends
    const smp::Outcome outcome = sim.run();
    REQUIRE(outcome.completed);

    trace::TraceFile file{replay::sim_trace_header(machine, "api", profile), sim.trace()};
    const auto recorded = trace::encode_trace(file.trace, file.header);
    const replay::Workload w = replay::extract_workload(trace::read_trace_from_memory(recorded));
    REQUIRE(w.exact);
    REQUIRE(w.options);
    CHECK(w.options->poll_idle);
    CHECK(w.options->private_slots == 3);
    CHECK(w.options->relax_cycles == 7);
    CHECK(w.offline == std::vector<int>{7});
    REQUIRE(w.vectors.size() == 1);
    CHECK(w.vectors[0].second.cycles == 300);
    CHECK(w.vectors[0].second.irqs_on);
    REQUIRE(w.programs[5]);
    CHECK(w.programs[5]->empty());
    CHECK_FALSE(w.programs[3]);

    const replay::RetimeResult again = replay::retime(w, machine);
    CHECK(again.outcome.completed);
    CHECK(again.trace.records == file.trace.records);
    CHECK(bytes(again) == recorded);
  }
}

TEST_CASE("retime: cond and csd slot travel in XcallArgs right after their XcallIssue",
          "[unit][retime]") {
  smp::Simulation sim(small_machine(2), {});
  const auto f = sim.add_function({"f", 10});
  sim.set_program(0, [=](Cpu& cpu) {
    cpu.xcall(1, f, smp::kSync);
    cpu.xcall_mask_cond(mask_of({1, 2, 3}), f, smp::kSync, Cond::Node0);
    cpu.xcall_private(2, 1, f, smp::kAsync);
  });
  REQUIRE(sim.run().completed);
  std::vector<trace::Record> issues, args;
  const auto& recs = sim.trace().records;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].kind == trace::Kind::XcallIssue) issues.push_back(recs[i]);
    if (recs[i].kind == trace::Kind::XcallArgs) {
      args.push_back(recs[i]);
      REQUIRE(i > 0);
      CHECK(recs[i - 1].kind == trace::Kind::XcallIssue);
      CHECK(recs[i - 1].call == recs[i].call);
    }
  }
  REQUIRE(issues.size() == 3);
  REQUIRE(args.size() == 2);  // a plain smp_xcall has none
  const auto first = trace::XcallArgs::from(args[0]), second = trace::XcallArgs::from(args[1]);
  CHECK(first.cond == trace::Cond::Node0);
  CHECK_FALSE(first.has_slot);
  CHECK(second.cond == trace::Cond::Absent);
  CHECK(second.has_slot);
  CHECK(second.slot == 1);
}

TEST_CASE("retime: a run that ends stuck re-times to the same bytes and the same report",
          "[scenario][retime]") {
  const auto machine = small_machine(2);
  smp::Options options;
  options.stuck_timeout_ns = 10'000;  // 10 us
  smp::Simulation sim(machine, options);
  const auto f = sim.add_function({"f", 100});
  sim.set_program(0, [=](Cpu& cpu) {
    cpu.compute(1000);
    cpu.xcall(1, f, smp::kSync);
  });
  sim.set_program(1, [](Cpu& cpu) {
    cpu.irq_disable();
    cpu.compute(100'000'000);
    cpu.irq_enable();
  });
  const smp::Outcome outcome = sim.run();
  REQUIRE(outcome.stuck);
  trace::TraceFile file{replay::sim_trace_header(machine, "stuck", smp::Profile::Seed),
                        sim.trace()};
  file.header.flags |= trace::kFlagIncomplete;
  const replay::Workload w = replay::extract_workload(file);
  REQUIRE(w.options);
  CHECK(w.options->stuck_timeout_ns == 10'000.0);
  const replay::RetimeResult again = replay::retime(w, machine);
  CHECK(again.outcome.stuck);
  CHECK(again.outcome.stuck_report == outcome.stuck_report);
  CHECK(bytes(again) == trace::encode_trace(file.trace, file.header));
}
