// Contract: a running simulated SMP machine. One Simulation owns the engine,
// the APIC model, the cache model, the xcall library instance and one fiber
// per CPU; it is driven from a single host thread and is fully deterministic
// (same config, programs and options -> byte-identical trace).
// - A CPU program runs on its CPU's fiber and touches the machine only through
//   its Cpu handle (never another CPU's). Every platform operation first syncs
//   the CPU's clock with the engine (docs/architecture.md "How time flows"),
//   then takes effect, then charges its cost to that CPU's clock.
// - Interrupts are taken at operation boundaries when IF=1 and the APIC allows,
//   on the interrupted fiber; compute phases, waits and idle are interruptible.
// - Ties at equal time: APIC message arrivals first, then CPU resumes in
//   ascending CPU index, then insertion order (the engine's rule).
// - Setup (add_function, add_vector_handler, set_program, set_online,
//   set_trace_sink) happens before run(); run() may be called once.
// - Records go to trace() (kept in memory), or, after set_trace_sink(), to
//   that sink as each becomes final, so memory stays bounded by the machine's
//   state, not the run's length; trace() then keeps only the definitions. Exceptions thrown by a
//   program (e.g. a failed test assertion) end the run and propagate out of run().
// - A program still running when the run ends (time limit, stuck call, a
//   wait nobody ends) is unwound when the Simulation is destroyed: its next
//   yield point throws an internal exception. Programs must let it pass, so
//   do not wrap simulated operations in catch(...) or in Catch2 assertion
//   macros (which catch everything) when the run may end early: keep the
//   result in a variable and check it after run().
// - Not re-entrant: one Simulation runs per host thread at a time (function
//   trampolines find the running machine through a thread-local pointer).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/machine/machine.hpp"
#include "sim/trace/record.hpp"
#include "sim/trace/sink.hpp"
#include "xcall/cpumask.hpp"
#include "xcall/platform/warnings.hpp"
#include "xcall/types.hpp"

namespace xcallsim::smp {

using machine::Cycles;
using Profile = xcall::Profile;
std::string_view to_string(Profile p);

inline constexpr int kScratchWords = 16;  // Cpu::store/load/xchg words, one per cache line
inline constexpr int kMaxCpus = 1024;     // SimPlatform::max_cpus; the loader's limit (check.hpp)
using Mask = xcall::cpumask<kMaxCpus>;
using FuncId = std::uint32_t;

// Flags of the seed API (SEMANTICS 0.2).
inline constexpr unsigned kAsync = xcall::XCALL_TYPE_ASYNC;
inline constexpr unsigned kSync = xcall::XCALL_TYPE_SYNC;

// The named smp_cond_func_t set a program can pass to the *_cond calls
// (evaluated on the sender, per target CPU, SEM 1.4.5).
enum class Cond : std::uint8_t { All, None, Odd, Even, Node0, NotSelf };
std::string_view to_string(Cond c);
std::optional<Cond> cond_from_name(std::string_view name);

// Simulated time ends here (2^62 cycles: 29 years at 5 GHz): nothing happens
// after it, as if it were every run's time limit, so no clock arithmetic can
// wrap however long a (hostile) workload's compute phases, function costs or
// idle deadlines are.
inline constexpr Cycles kEndOfTime = Cycles{1} << 62;

struct Options {
  Profile profile = Profile::Seed;
  // CONFIG_CSD_LOCK_WAIT_DEBUG + csdlock_debug=1 (SEM-28..30): the library
  // records src/dst and cur_csd (a few extra cache hits per call) and csd
  // waits time out into stuck reports. Off: a stuck call just never returns.
  bool csd_lock_wait_debug = true;
  double stuck_timeout_ns = 5e9;  // CSD_LOCK_TIMEOUT, at the machine clock
  // End the run at the first stuck report. false: keep going (the waiter
  // re-reports every timeout, so pair it with a time_limit).
  bool stop_when_stuck = true;
  Cycles time_limit = 0;  // 0: none; otherwise nothing happens after it
  // SEM-11: CPUs whose program has finished idle with TIF_POLLING_NRFLAG set;
  // a single IPI to them is elided and they flush from the idle loop.
  bool poll_idle = false;
  int private_slots = 4;        // preallocated csds per CPU for xcall_private
  Cycles relax_cycles = 10;     // cpu_relax() (PAUSE)
  std::size_t stack_bytes = 0;  // per-CPU fiber stack; 0: default (larger under ASan)
  // A livelock guard: this many platform operations in a row without any
  // CPU's clock passing the latest time seen (e.g. a loop of `compute 0`)
  // end the run as stalled. 0: no guard.
  std::uint64_t stall_steps = 100'000'000;
  // Fault injection, tests only: cmpxchg no longer drains the store buffer
  // (a locked instruction without its implied full barrier), so llist_add can
  // publish a csd before the csd's own fields are visible -- the kind of
  // missing barrier tests/scenario/test_memory_model.cpp shows the simulator
  // catching. Needs a machine with a store buffer.
  bool unfenced_cmpxchg_for_testing = false;
  // Called about every 65536 platform operations with the run's progress;
  // returning false ends the run as interrupted (Ctrl-C). May be empty.
  std::function<bool(const struct RunProgress&)> monitor;
};

struct RunProgress {
  Cycles time = 0;          // the latest simulated time any CPU has reached
  std::uint64_t steps = 0;  // platform operations so far
};

struct FuncSpec {
  std::string name;
  Cycles cycles = 0;  // run time on the CPU that runs it
};

// A scenario-defined interrupt vector (not 0xfb/0xfc): EOI at entry like
// Linux's sysvec handlers, then `cycles` of work; with irqs_on the body runs
// with IF=1, so a higher-class vector can nest (SEM-47/48).
struct VectorHandler {
  std::string name;
  Cycles cycles = 0;
  bool irqs_on = false;
};

class Cpu;
using Program = std::function<void(Cpu&)>;

struct CpuCounters {
  std::uint64_t ipis_sent = 0;        // IPI sends (IpiSend records) by this CPU
  std::uint64_t icr_writes = 0;       // ICR writes by this CPU (APIC counter)
  std::uint64_t queue_coalesced = 0;  // csds it queued on a non-empty queue: no IPI (SEM-10)
  std::uint64_t ipis_elided = 0;      // single IPIs it skipped for a polling-idle target
  std::uint64_t irr_coalesced = 0;    // interrupts lost at this CPU to IRR coalescing (SEM-48)
  std::uint64_t interrupts = 0;       // interrupts this CPU took
  Cycles handler_cycles = 0;          // entry to exit, nested handlers counted once
  Cycles icr_busy_cycles = 0;         // spent spinning on the xAPIC busy bit (SEM-41)
  // Virtualized machines (MachineConfig::virt): exits this vCPU took (HLT
  // exits not counted), their guest-visible cycles, and wake-ups from halt.
  std::uint64_t vm_exits = 0;
  Cycles vm_exit_cycles = 0;
  std::uint64_t vcpu_wakes = 0;
  Cycles vcpu_wake_cycles = 0;
};

struct Outcome {
  bool completed = false;  // every program finished, every queue drained, no IPI in flight
  bool stuck = false;      // a csd lock wait exceeded Options::stuck_timeout_ns
  bool time_limit_hit = false;
  bool interrupted = false;       // Options::monitor returned false
  bool stalled = false;           // Options::stall_steps operations without progress
  std::string stall_report;       // where each CPU was when the run stalled
  std::string stuck_report;       // csd_lock_wait_toolong-style text
  std::string unfinished_report;  // when not completed: what each unfinished CPU is doing
  Cycles end_time = 0;
  std::uint64_t warnings = 0;
  std::array<std::uint64_t, xcall::kWarningCount> warnings_by_kind{};
  std::vector<std::string> warning_messages;  // as Linux prints them (WARN_ON_ONCE once)
  std::vector<CpuCounters> cpus;
  std::uint64_t cache_transfers = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t steps = 0;  // platform operations (the benchmarks' unit of work)
};

namespace detail {
class Core;
}

// A CPU program's handle on its CPU. Valid only inside that CPU's program.
class Cpu {
 public:
  int id() const { return id_; }
  Cycles now() const;
  int cpu_count() const;

  void compute(Cycles cycles);  // interruptible; handler time is not progress
  void irq_disable();
  void irq_enable();  // pending interrupts are taken right away
  bool irqs_disabled() const;
  void idle_until(Cycles time);    // HLT until `time`; interrupts are taken if IF=1
  void mark(std::uint32_t value);  // trace::Kind::Mark
  void set_tpr(std::uint8_t tpr);
  void send_ipi(int target, std::uint8_t vector);  // fixed, via the dest mode (scenario vectors)

  // Scratch shared words 0..kScratchWords-1 (zero at start, each on its own
  // line) for litmus-style programs: plain x86 MOVs under TSO, a locked xchg,
  // and MFENCE (docs/architecture.md "Memory model"). Not recorded in traces.
  void store(int word, std::uint32_t value);
  std::uint32_t load(int word);
  std::uint32_t xchg(int word, std::uint32_t value);
  void mfence();

  // The seed API (SEMANTICS 1.4); results as the library returns them.
  int xcall(int target, FuncId func, unsigned flags);
  int xcall_cond(int target, FuncId func, unsigned flags, Cond cond);
  int xcall_mask(const Mask& mask, FuncId func, unsigned flags);
  int xcall_mask_cond(const Mask& mask, FuncId func, unsigned flags, Cond cond);
  // Uses this CPU's preallocated csd `slot` (func set only while unlocked).
  int xcall_private(int target, int slot, FuncId func, unsigned flags);
  int xcall_any(const Mask& mask, FuncId func, unsigned flags);
  bool private_busy(int slot);

  // Upstream v5.18 entry points.
  int smp_call_function_single(int target, FuncId func, bool wait);
  int smp_call_function_single_async(int target, int slot, FuncId func);
  void smp_call_function_many(const Mask& mask, FuncId func, bool wait);
  void smp_call_function(FuncId func, bool wait);
  int smp_call_function_any(const Mask& mask, FuncId func, bool wait);
  void on_each_cpu_cond_mask(Cond cond, FuncId func, bool wait, const Mask& mask);

 private:
  friend class detail::Core;
  Cpu(detail::Core& core, int id) : core_(&core), id_(id) {}
  detail::Core* core_;
  int id_;
};

class Simulation {
 public:
  Simulation(const machine::MachineConfig& config, Options options = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Functions callable through xcalls; ids are dense in registration order.
  FuncId add_function(FuncSpec spec);
  FuncId function(std::string_view name) const;  // throws std::out_of_range
  void add_vector_handler(std::uint8_t vector, VectorHandler handler);
  void set_program(int cpu, Program program);
  void set_online(int cpu, bool online);
  Outcome run();

  // Records from now on go to `sink` (which outlives run()), not to trace().
  void set_trace_sink(trace::RecordSink& sink);
  const trace::Trace& trace() const;
  const machine::Topology& topology() const;
  const machine::MachineConfig& config() const;
  const Options& options() const;
  int cpu_count() const;

 private:
  std::unique_ptr<detail::Core> core_;
};

}  // namespace xcallsim::smp
