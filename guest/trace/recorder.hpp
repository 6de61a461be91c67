// The guest's event recorder: per-CPU rings of trace records (same kinds as
// the simulator's, mapped by the shared sim/trace/xcall_map.hpp) in the
// trace area that the host reads from the guest's RAM file
// (sim/qemu/guest_abi.hpp has the layout and the ring protocol).
// Contract: trace_init() once on the BSP before any other call here and
// before the APs start; afterwards every function is callable from any CPU
// in any context. A CPU writes only its own ring, with IRQs off, so a
// handler that interrupts a record in progress cannot interleave. Call ids
// come from one atomic counter (unique, 1-based; the host renumbers them in
// issue order). Per-CPU call/func stacks are 8 deep; an overflow is counted
// in CpuSlot::lost and makes the host flag the trace incomplete.
#pragma once

#include <stdint.h>

#include "sim/qemu/guest_abi.hpp"
#include "sim/trace/records.hpp"
#include "xcall/trace_events.hpp"
#include "xcall/types.hpp"

namespace guest {

namespace abi = ::xcallsim::qemu::abi;
namespace tk = ::xcallsim::trace;

void trace_init(uint32_t capacity, const char* scenario, uint64_t iters, uint64_t burst);
bool trace_ready();
abi::AreaHeader& trace_area();

void trace_set_cpu_count(int n);
void trace_set_status(abi::GuestStatus status);
void trace_set_phase(abi::CpuPhase phase);  // this CPU
void trace_set_apic_id(int cpu, uint32_t apic_id);

// Scenario functions, named as in the matching configs/scenarios file; the
// id is the registration order. Returns the id (kNone if the table is full).
uint32_t trace_register_func(const char* name, xcallsim::xcall::smp_call_func_t func);
void trace_clear_funcs();

// The function of this CPU's next XcallIssue when the call names none
// (smp_xcall_private takes a csd): sc::xcall_private() sets it.
void trace_set_issue_func(xcallsim::xcall::smp_call_func_t func);

// The library's events (GuestPlatform::trace).
void trace_xcall_event(const xcallsim::xcall::TraceEvent& ev);
// A platform record on this CPU at its TSC, tied to its innermost open call
// (the record's time, cpu and call are set here).
void trace_emit(tk::Record record);

// csds queued and not yet run by their target (CsdQueue minus remote
// FuncExit): 0 once every queued function has finished.
int64_t trace_outstanding();

}  // namespace guest
