// What the simulator keeps per CPU (internal to sim/smp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/smp/fiber.hpp"
#include "sim/smp/smp.hpp"
#include "sim/smp/store_buffer.hpp"

namespace xcallsim::smp::detail {

// Why a CPU's fiber is suspended. Sync parks are not wakeable (the CPU is
// runnable and resumes at its own clock); the others end early when
// Core::wake() is called (a write to a waited line, an interrupt arrival).
enum class Park : std::uint8_t {
  None,     // running, or never started
  Sync,     // waiting for the engine to reach its clock
  Compute,  // Cpu::compute(): resumes at the end or at an interrupt arrival
  Wait,     // wait_until() / polling idle: a write to the line or an interrupt
  Halt,     // Cpu::idle_until(): the deadline or an interrupt
  Idle,     // program finished: an interrupt
};

struct CpuState {
  int id = 0;
  Cycles now = 0;  // this CPU's clock
  bool online = true;
  bool irqs_off = false;  // RFLAGS.IF == 0
  int irq_depth = 0;      // nested interrupt handlers (in_task() == (depth == 0))
  int preempt_count = 0;
  Program program;
  bool program_done = false;
  std::unique_ptr<Fiber> fiber;
  void* stack = nullptr;  // lowest address of the usable stack

  Park park = Park::None;
  bool wake_on_irq = false;
  // A vCPU halted in KVM (virt.cpp): since when (kForever: not halted),
  // when the wake-up KVM has under way completes (kForever: none), and
  // whether a pending interrupt was injected at VM entry (no exit of its own).
  Cycles halted_since = engine::kForever;
  Cycles wake_done = engine::kForever;
  bool injected_at_entry = false;
  std::uint64_t hypervisor_writes = 0;  // APIC writes KVM made for this vCPU's hypercalls

  // Memory model (memory.cpp): stores not yet visible, the time each fill
  // buffer frees up, and the time of the pending retire event (kForever: none).
  StoreBuffer stores;
  std::vector<Cycles> fill_free;
  Cycles retire_event = engine::kForever;

  // Trace bookkeeping: open calls issued by this CPU (innermost last), the
  // calls of the funcs it is running, and the func of a csd-based call being
  // issued (the library's XcallIssue cannot name it), plus the cond and csd
  // slot of the call being issued (its XcallArgs record).
  std::vector<std::uint32_t> calls;
  std::vector<std::uint32_t> funcs;
  std::optional<FuncId> issue_func;
  std::optional<Cond> issue_cond;
  std::optional<int> issue_slot;
  CpuCounters counters;
};

inline std::uint32_t current_call(const CpuState& c) {
  return c.calls.empty() ? 0 : c.calls.back();
}

}  // namespace xcallsim::smp::detail
