// The running machine behind Simulation and Cpu (internal to sim/smp).
// Contract: Core owns everything a run touches; its members are grouped by
// the file that implements them (see each section). All "running CPU"
// operations are called on that CPU's fiber; engine handlers (APIC
// arrivals) and APIC listener callbacks run wherever the run loop is picking
// the next CPU: on the host context, or on the fiber of a CPU that parks
// (with no CPU running).
//
// Order at equal time (the documented tie-break): APIC message arrivals
// (engine events, kPrioArrival) first, so an IPI arriving at t is in IRR
// before any CPU operation at t; then CPU resumes (sync points, compute
// ends, wake-ups; the WakeQueue, at most one per CPU), lower CPU index first.
// Both are dispatched by dispatch(), in that merged order.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/apic/apic.hpp"
#include "sim/engine/engine.hpp"
#include "sim/engine/wake_queue.hpp"
#include "sim/smp/arena.hpp"
#include "sim/smp/cpu_state.hpp"
#include "sim/smp/platform.hpp"
#include "sim/smp/recorder.hpp"
#include "sim/smp/smp.hpp"
#include "xcall/platform/x86_send_policy.hpp"
#include "xcall/xcall.hpp"

namespace xcallsim::smp::detail {

inline constexpr engine::Priority kPrioArrival = 0;

using XcallLib = xcall::Xcall<SimPlatform>;
using Csd = xcall::call_single_data<SimPlatform>;
using Word32 = xcall::plain_shared<std::uint32_t>;

class Core {
 public:
  Core(const machine::MachineConfig& config, Options options);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  static Core* current();                // the machine running on this host thread, if any
  static Core* set_current(Core* core);  // returns the previous one

  // --- setup and run (simulation.cpp) ---
  FuncId add_function(FuncSpec spec);
  FuncId function(std::string_view name) const;
  void add_vector_handler(std::uint8_t vector, VectorHandler handler);
  void set_program(int cpu, Program program);
  void set_online(int cpu, bool online);
  Outcome run();

  const machine::MachineConfig& config() const { return config_; }
  const Options& options() const { return options_; }
  const machine::Topology& topology() const { return topology_; }
  const trace::Trace& trace() const { return recorder_.trace(); }
  void set_trace_sink(trace::RecordSink& sink) { recorder_.set_sink(&sink); }
  int cpu_count() const { return topology_.cpu_count(); }
  CpuState& cpu(int id) { return cpus_.at(static_cast<std::size_t>(id)); }
  CpuState& running() { return cpus_[static_cast<std::size_t>(running_)]; }
  CpuState& enter(int id);  // running(), checked to be `id` (a program uses its own Cpu)
  XcallLib& xcall() { return *xcall_; }
  SimPlatform& platform() { return platform_; }
  Csd& private_csd(int cpu, int slot);
  Word32& scratch_word(int word);  // Cpu::store/load: one word per line
  Word32& idle_flags(int cpu);     // the idle task's thread flags (TIF_POLLING / NEED_RESCHED)
  void run_function(FuncId id);    // the trampoline's body: charge the func's cycles
  const FuncSpec* function_spec(FuncId id) const;

  // --- time (time.cpp) ---
  void sync(CpuState& c);
  void boundary(CpuState& c);  // sync, then take deliverable interrupts while IF=1
  void compute(CpuState& c, Cycles cycles);
  void idle_until(CpuState& c, Cycles time);
  void irq_enable(CpuState& c);
  void write_tpr(CpuState& c, std::uint8_t tpr);
  void wake(CpuState& c, Cycles t);      // end a wakeable park at t (if earlier)
  void wake_for_irq(int cpu, Cycles t);  // an interrupt arrived: wake if it can be taken

  // --- memory (memory.cpp) ---
  // A word's cache line: its arena line (offset / 64) numbered densely in
  // first-touch order, so the cache model stays as small as what is used.
  machine::LineId line_of(const void* word);
  void written(const void* word);
  // x86-TSO (docs/architecture.md "Memory model"): a plain store enters the
  // running CPU's store buffer and becomes visible when it retires (without a
  // buffer it waits for its line); a load forwards from the CPU's own buffer,
  // else reads coherent memory; locked RMWs, MFENCE and ICR writes drain the
  // buffer first (SDM vol. 3A §8.2, §9.2 in 2023+ editions).
  void load(const void* word, void* out, std::size_t size);
  void store(void* word, const void* in, std::size_t size);
  // Drain (unless a test injects a missing barrier), then the exclusive
  // access of a locked RMW.
  void lock_line(const void* word, bool drain = true);
  void drain(CpuState& c);  // MFENCE: every older store visible
  // The running CPU's view of a word at no cost (its own pending store, else
  // memory): for the simulator's bookkeeping reads, never the library's.
  std::uint32_t peek(const Word32& word);
  xcall::WaitResult wait_until(const Word32& word, std::uint32_t mask, std::uint32_t expected,
                               xcall::CsdWait& wait);

  // --- interrupts and IPIs (ipi.cpp) ---
  bool prep_single_ipi(int target);         // SEM-11 idle-poll elision
  std::uint32_t logical_id(int cpu) const;  // the LDR value the policy ORs (SEM-45)
  void send_single_ipi(int target, std::uint8_t vector);
  void send_mask_ipi(const Mask& mask);
  void on_apic_event(const apic::Event& e);

  // --- virtualized machines (virt.cpp; no-ops on bare metal) ---
  void send_virtualized(CpuState& c, const xcall::x86::IcrWrite& w);
  void begin_halt(CpuState& c);  // HLT exits: the vCPU leaves the guest
  void end_halt(CpuState& c);
  Cycles vcpu_wake_at(CpuState& c, Cycles t);  // when a halted vCPU runs again for an IRQ at t
  void receiver_exit(CpuState& c);             // interrupt entry without posted interrupts
  void eoi_exit(CpuState& c);                  // EOI without virtual-interrupt delivery

  // --- trace, warnings, stuck reports (events.cpp, report.cpp) ---
  void on_trace(const xcall::TraceEvent& ev);
  // The workload definitions (WorkloadInfo, FuncCost, VectorDef, CpuOffline)
  // at time 0, before any CPU runs (run() calls it once).
  void record_workload();
  void on_warning(const xcall::WarningEvent& w);
  void on_csd_lock_report(const xcall::CsdLockReport& r);
  // A record (a typed one's to_record()) on CPU c at its (synced) clock:
  // emit sets its time and cpu.
  void emit(CpuState& c, trace::Record record);
  void emit_at(int cpu, Cycles t, trace::Record record);
  std::uint32_t csd_id(std::uint64_t csd) const;
  std::uint32_t func_id(std::uint64_t func, std::uint64_t info) const;

 private:
  // time.cpp
  void dispatch();  // runs next_cpu()'s CPUs from the host context
  int next_cpu();   // runs arrivals due first; the CPU to resume next, or -1
  int next_cpu_after(CpuState& c, Cycles t);  // c to resume at t, then next_cpu()
  Cycles next_event_time();
  bool can_run_inline_until(Cycles t);
  void park(CpuState& c, Park kind, std::optional<Cycles> until, bool wake_on_irq);
  void schedule_resume(CpuState& c, Cycles t);
  void resume(int cpu);             // from the run loop
  void enter_resumed(CpuState& c);  // c is about to run at max(its clock, now_)
  void take_interrupt(CpuState& c, int vector);
  void eoi(CpuState& c, int vector);
  // memory.cpp
  void park_on_line(CpuState& c, machine::LineId line, std::optional<Cycles> until);
  // The line access at c's clock, a miss waiting for a free fill buffer
  // first; returns the completion time (the CPU's clock is not moved).
  Cycles access_line(CpuState& c, machine::LineId line, machine::Access kind);
  machine::CacheModel::Served serve_line(CpuState& c, machine::LineId line, machine::Access kind);
  void retire_due(CpuState& c);  // entries whose retire time has come, in order
  void retire_through(CpuState& c, Cycles t);
  void on_store_retire(int cpu, Cycles t);
  void schedule_retire(CpuState& c);
  void wake_waiters(machine::LineId line, Cycles t);
  // simulation.cpp
  void layout_arena();
  void cpu_main(CpuState& c);
  void idle_loop(CpuState& c);
  void poll_idle_once(CpuState& c);
  Outcome outcome();
  std::string unfinished_report() const;
  // ipi.cpp
  // `send` has the target; perform_writes fills in the call, vector, how and ICR writes.
  void perform_writes(CpuState& c, std::uint8_t vector, trace::IpiSend send,
                      xcall::x86::SendHow how, const std::vector<xcall::x86::IcrWrite>& writes);
  // virt.cpp
  bool vcpu_running(int cpu, Cycles now) const;
  void vm_exit(CpuState& c, trace::VmExitReason reason, Cycles cycles, std::uint32_t targets);
  // report.cpp
  std::string describe_cpu(int cpu) const;
  std::string function_label(std::uint64_t func, std::uint64_t info) const;

  machine::MachineConfig config_;
  Options options_;
  machine::Topology topology_;
  machine::CacheModel cache_;
  apic::InterruptController apic_;
  engine::Engine engine_;         // APIC message arrivals
  engine::WakeQueue resumes_{0};  // CPU resumes; sized in the constructor
  Cycles now_ = 0;                // time of the arrival or resume being run
  Cycles limit_ = 0;              // Options::time_limit, or kForever: nothing runs after it
  bool stop_requested_ = false;
  // Progress, the livelock guard and the monitor (sync()).
  std::uint64_t steps_ = 0, steps_at_progress_ = 0;
  Cycles progress_time_ = 0;
  bool interrupted_ = false, stalled_ = false;
  std::string stall_report_;
  void check_progress(CpuState& c);
  FiberHost fiber_host_;
  Recorder recorder_;
  std::unique_ptr<Arena> arena_;
  SimPlatform platform_{*this};
  std::unique_ptr<XcallLib> xcall_;

  // Arena regions (layout_arena); addresses only map words to dense ids.
  xcall::XcallState<SimPlatform>* state_ = nullptr;
  xcall::XcallPerCpu<SimPlatform>* percpu_ = nullptr;
  Csd* cfd_ = nullptr;
  char* private_base_ = nullptr;
  std::size_t private_stride_ = 0;
  char* idle_flags_base_ = nullptr;
  char* scratch_base_ = nullptr;
  char* stacks_base_ = nullptr;
  std::size_t stack_stride_ = 0;
  std::size_t stack_bytes_ = 0;

  std::vector<FuncSpec> functions_;
  std::map<int, VectorHandler> vector_handlers_;
  std::vector<std::vector<int>> waiters_;  // dense line -> parked waiters, in park order
  std::set<Cycles> arrival_events_;        // arrival times with an engine event scheduled
  // Arena line -> dense id + 1 (0: untouched); the stacks region counts one
  // line per CPU, at stacks_line_ + cpu.
  std::vector<machine::LineId> line_ids_;
  machine::LineId stacks_line_ = 0;
  machine::LineId stack_stride_lines_ = 1;
  machine::LineId next_line_ = 0;
  Mask online_;
  xcall::x86::SendPolicy policy_;
  bool hypervisor_writes_ = false;  // KVM's per-target deliveries: not the guest's ICR writes
  Cycles stuck_timeout_ = 0;
  int running_ = -1;
  bool ran_ = false;
  bool stuck_ = false;
  std::string stuck_report_;
  Cycles stuck_time_ = 0;
  std::array<std::uint64_t, xcall::kWarningCount> warnings_{};
  std::vector<std::string> warning_messages_;
  std::uint64_t cache_transfers_base_ = 0, cache_hits_base_ = 0;

  std::vector<CpuState> cpus_;  // last: fibers go first (they run code over the members above)
};

// A word's address <-> the info pointer of a registered function: the id
// itself (plus one), so no host address ever identifies a function.
void* info_of(FuncId id);
void sim_func(void* info);
xcall::smp_cond_func_t cond_func(Cond cond);

}  // namespace xcallsim::smp::detail
