// Test support for [scenario] tests: small machines built in code (round
// numbers so expected times are sums one can check by hand), a Machine that
// wraps smp::Simulation with a few predefined functions, and Result: queries
// over the trace of a run (IPIs, function runs, call latencies, warnings).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/smp/smp.hpp"

namespace xcallsim::fixture {

using smp::Cond;
using smp::Cpu;
using smp::Cycles;
using smp::FuncId;
using smp::Mask;
using smp::Options;
using smp::Outcome;
using smp::Profile;
using trace::Kind;
using xcall::Warning;
inline constexpr unsigned SYNC = smp::kSync;
inline constexpr unsigned ASYNC = smp::kAsync;
inline constexpr int kSingleVector = 0xfb;
inline constexpr int kMaskVector = 0xfc;

// Costs of every preset (cycles; 1 GHz, so 1 cycle = 1 ns).
inline constexpr Cycles kIcrWrite = 100;
inline constexpr Cycles kDeliverSameSocket = 600;
inline constexpr Cycles kDeliverCrossSocket = 1000;
inline constexpr Cycles kEntry = 200;
inline constexpr Cycles kEoi = 30;
inline constexpr Cycles kExit = 150;
inline constexpr Cycles kCacheHit = 1;
inline constexpr Cycles kCacheSameSocket = 60;
inline constexpr Cycles kCacheMemory = 200;

// Presets: "small4" (1 socket x 4 cores, xAPIC physical, shorthand on),
// "small4-zerocache" (no cache costs: timing is APIC costs only),
// "small4-noshort", "xapic-flat-8", "x2apic-phys-8", "x2apic-cluster-32"
// (2 sockets x 16 cores, two x2APIC clusters), "two-socket-8".
machine::MachineConfig config(std::string_view preset);
Mask mask_of(std::initializer_list<int> cpus);

// Predefined functions: noop (0 cycles), a, b, c (100 each), work (1000), slow (10000).
class Machine {
 public:
  explicit Machine(machine::MachineConfig config, smp::Options options = {});
  FuncId func(std::string_view name) const { return sim_->function(name); }
  FuncId add_func(std::string name, Cycles cycles) {
    return sim_->add_function({std::move(name), cycles});
  }
  void program(int cpu, smp::Program program) { sim_->set_program(cpu, std::move(program)); }
  void offline(int cpu) { sim_->set_online(cpu, false); }
  void vector_handler(std::uint8_t vector, smp::VectorHandler h) {
    sim_->add_vector_handler(vector, std::move(h));
  }
  class Result run();
  smp::Simulation& sim() { return *sim_; }

 private:
  std::unique_ptr<smp::Simulation> sim_;
};

Machine machine(std::string_view preset, smp::Options options = {});

class Result {
 public:
  Result(smp::Outcome outcome, trace::Trace trace)
      : outcome_(std::move(outcome)), trace_(std::move(trace)) {}
  const smp::Outcome& outcome() const { return outcome_; }
  const trace::Trace& trace() const { return trace_; }

  std::vector<trace::Record> records(Kind kind, int cpu = -1) const;
  std::size_t count(Kind kind, int cpu = -1) const { return records(kind, cpu).size(); }
  // The records of kind X::kind (on `cpu`, or on every CPU) as typed records.
  template <class X>
  std::vector<X> typed(int cpu = -1) const {
    std::vector<X> out;
    for (const trace::Record& r : records(X::kind, cpu)) out.push_back(X::from(r));
    return out;
  }
  bool mask_has(std::uint32_t mask_id, int cpu) const;

  // IPIs: IpiSend records by `from` whose destination includes `to`.
  int ipis_sent(int from, int to) const;
  int ipis_sent(int from) const { return static_cast<int>(count(Kind::IpiSend, from)); }
  int icr_writes(int from) const { return static_cast<int>(count(Kind::IcrWrite, from)); }
  int delivered(int cpu, int vector) const;       // IpiDeliver: set in IRR
  int coalesced(int cpu, int vector = -1) const;  // IrrCoalesced: lost
  std::vector<Cycles> times(Kind kind, int cpu, int vector = -1) const;

  // Functions: names (FuncEntry order) and their call ids on a CPU.
  std::vector<std::string> func_runs_on(int cpu) const;
  std::vector<std::uint32_t> calls_run_on(int cpu) const;
  std::optional<Cycles> func_entry(std::uint32_t call, int cpu) const;
  std::optional<Cycles> func_exit(std::uint32_t call, int cpu) const;

  // Calls (1-based in issue order).
  Cycles issued_at(std::uint32_t call) const;
  std::optional<Cycles> returned_at(std::uint32_t call) const;
  Cycles latency(std::uint32_t call) const;  // return - issue; throws if it never returned
  std::int32_t return_code(std::uint32_t call) const;

  std::uint64_t warnings(xcall::Warning w) const {
    return outcome_.warnings_by_kind[static_cast<std::size_t>(w)];
  }
  std::string dump() const;  // every record, one per line (for failure messages)

 private:
  std::optional<trace::Record> first(Kind kind, std::uint32_t call, int cpu = -1) const;
  smp::Outcome outcome_;
  trace::Trace trace_;
};

}  // namespace xcallsim::fixture
