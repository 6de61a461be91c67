// Guest scenarios: one file each, selected by name from the kernel command
// line (`-append "scenario=storm iters=50 burst=4"`). Each matches a
// simulator scenario file (configs/scenarios/qemu-<name>.toml, written for
// 4 CPUs): the same functions in the same order, the same calls in the
// same per-CPU order.
// Contract: setup() runs on CPU 0 after every AP is online, before any
// program: it registers the scenario's functions (trace_register_func, in
// the order of the .toml's `functions`) and resets its state. Then every
// CPU runs program(cpu) at once, IRQs on (runner.cpp releases the APs with
// a wake-up IPI). When every program has returned and every queued function
// has run, check() runs on CPU 0 and returns true if the scenario's counts
// are right (it prints why not). Programs may only leave ASYNC work in
// flight; the runner drains it.
#pragma once

#include <stdint.h>

namespace guest {

struct ScenarioParams {
  uint64_t iters;  // program repetitions (default 100)
  uint64_t burst;  // calls per burst where a scenario has bursts (default 4)
};

struct Scenario {
  const char* name;
  void (*setup)(const ScenarioParams&);
  void (*program)(int cpu, const ScenarioParams&);
  bool (*check)(const ScenarioParams&);
};

// runner.cpp: releases the APs, runs CPU 0's program, waits, drains, checks.
bool run_scenario(const Scenario& scenario, const ScenarioParams& params);
// ap_main's loop after bring-up: wait for the release, run, report, idle.
[[noreturn]] void ap_work_loop(int cpu);

extern const Scenario* const kScenarios[];
extern const int kScenarioCount;
const Scenario* find_scenario(const char* name, const char** end);

}  // namespace guest
