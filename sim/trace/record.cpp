// Names of the trace record's enums and a one-line text form of a record.
#include "sim/trace/record.hpp"

#include <fmt/format.h>

namespace xcallsim::trace {

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::XcallIssue:
      return "XcallIssue";
    case Kind::XcallReturn:
      return "XcallReturn";
    case Kind::CsdQueue:
      return "CsdQueue";
    case Kind::IpiSend:
      return "IpiSend";
    case Kind::IpiElided:
      return "IpiElided";
    case Kind::IpiDeliver:
      return "IpiDeliver";
    case Kind::IrrCoalesced:
      return "IrrCoalesced";
    case Kind::IrqEntry:
      return "IrqEntry";
    case Kind::IrqExit:
      return "IrqExit";
    case Kind::FuncEntry:
      return "FuncEntry";
    case Kind::FuncExit:
      return "FuncExit";
    case Kind::CsdUnlock:
      return "CsdUnlock";
    case Kind::Eoi:
      return "Eoi";
    case Kind::ApicError:
      return "ApicError";
    case Kind::Warning:
      return "Warning";
    case Kind::LockWaitBegin:
      return "LockWaitBegin";
    case Kind::LockWaitEnd:
      return "LockWaitEnd";
    case Kind::FlushBegin:
      return "FlushBegin";
    case Kind::FlushEnd:
      return "FlushEnd";
    case Kind::StuckCall:
      return "StuckCall";
    case Kind::CsdLock:
      return "CsdLock";
    case Kind::IcrWrite:
      return "IcrWrite";
    case Kind::IcrBusyWait:
      return "IcrBusyWait";
    case Kind::ProgramEnd:
      return "ProgramEnd";
    case Kind::Mark:
      return "Mark";
    case Kind::WorkloadInfo:
      return "WorkloadInfo";
    case Kind::FuncCost:
      return "FuncCost";
    case Kind::VectorDef:
      return "VectorDef";
    case Kind::CpuOffline:
      return "CpuOffline";
    case Kind::Compute:
      return "Compute";
    case Kind::IrqDisable:
      return "IrqDisable";
    case Kind::IrqEnable:
      return "IrqEnable";
    case Kind::RawIpi:
      return "RawIpi";
    case Kind::SetTpr:
      return "SetTpr";
    case Kind::IdleUntil:
      return "IdleUntil";
    case Kind::PrivateBusy:
      return "PrivateBusy";
    case Kind::XcallArgs:
      return "XcallArgs";
    case Kind::VmExit:
      return "VmExit";
    case Kind::VcpuWake:
      return "VcpuWake";
  }
  return "Unknown";
}

std::string_view to_string(Api api) {
  switch (api) {
    case Api::Single:
      return "smp_xcall";
    case Api::Cond:
      return "smp_xcall_cond";
    case Api::Mask:
      return "smp_xcall_mask";
    case Api::MaskCond:
      return "smp_xcall_mask_cond";
    case Api::Private:
      return "smp_xcall_private";
    case Api::Any:
      return "smp_xcall_any";
    case Api::CallFunctionSingle:
      return "smp_call_function_single";
    case Api::CallFunctionSingleAsync:
      return "smp_call_function_single_async";
    case Api::CallFunctionMany:
      return "smp_call_function_many";
    case Api::CallFunction:
      return "smp_call_function";
    case Api::CallFunctionAny:
      return "smp_call_function_any";
    case Api::OnEachCpuCondMask:
      return "on_each_cpu_cond_mask";
    case Api::CallSingleQueue:
      return "__smp_call_single_queue";
  }
  return "unknown";
}

std::string_view csd_type_name(std::uint32_t flags) {
  switch (csd_type_of(flags)) {
    case CsdType::Sync:
      return "SYNC";
    case CsdType::IrqWork:
      return "IRQ_WORK";
    case CsdType::Ttwu:
      return "TTWU";
    case CsdType::Async:
      break;
  }
  return "ASYNC";
}

std::string_view to_string(VmExitReason reason) {
  switch (reason) {
    case VmExitReason::IcrWrite:
      return "icr-write";
    case VmExitReason::IcrFastpath:
      return "icr-fastpath";
    case VmExitReason::Hypercall:
      return "pv-send-ipi";
    case VmExitReason::AvicIncompleteIpi:
      return "avic-incomplete-ipi";
    case VmExitReason::ExternalInterrupt:
      return "external-interrupt";
    case VmExitReason::Eoi:
      return "eoi";
    case VmExitReason::Hlt:
      return "hlt";
  }
  return "unknown";
}

std::string_view to_string(SendHow how) {
  switch (how) {
    case SendHow::Unicast:
      return "unicast";
    case SendHow::ShorthandAllButSelf:
      return "shorthand-all-but-self";
    case SendHow::ShorthandAll:
      return "shorthand-all";
    case SendHow::ClusterMulticast:
      return "cluster-multicast";
    case SendHow::PerCpuLoop:
      return "per-cpu-loop";
    case SendHow::LogicalFlat:
      return "logical-flat";
    case SendHow::Nothing:
      return "nothing";
    case SendHow::PvHypercall:
      return "pv-hypercall";
    case SendHow::Unknown:
      break;
  }
  return "unknown";
}

namespace {

std::string func_name(const Trace& trace, std::uint32_t id) {
  if (id < trace.functions.size()) return trace.functions[id];
  return id == kNone ? std::string("-") : fmt::format("func#{}", id);
}

// The fields of one typed record after its head, as " name=value ...".
struct Fields {
  const Trace& trace;
  std::string operator()(const XcallIssue& x) const {
    return fmt::format(" {} flags={:#x} {}={} func={}", to_string(x.api), x.flags,
                       x.target_is_mask ? "mask" : "cpu", static_cast<std::int32_t>(x.target),
                       func_name(trace, x.func));
  }
  std::string operator()(const XcallReturn& x) const {
    return fmt::format(" {} ret={}", to_string(x.api), x.ret);
  }
  std::string operator()(const XcallArgs& x) const {
    return fmt::format(" cond={} slot={}", static_cast<std::uint32_t>(x.cond),
                       x.has_slot ? std::to_string(x.slot) : std::string("-"));
  }
  std::string operator()(const CsdQueue& x) const {
    return fmt::format(" to=cpu{} csd={} type={} queue_was_empty={}{}", x.target,
                       static_cast<std::int32_t>(x.csd),
                       csd_type_name(static_cast<std::uint32_t>(x.type)), x.queue_was_empty,
                       x.inferred ? " inferred" : "");
  }
  std::string operator()(const FuncEntry& x) const {
    return fmt::format(" func={} csd={} local={} site={}", func_name(trace, x.func),
                       static_cast<std::int32_t>(x.csd), x.local ? 1 : 0,
                       static_cast<std::uint32_t>(x.site));
  }
  std::string operator()(const FuncExit& x) const {
    return fmt::format(" func={} csd={}", func_name(trace, x.func),
                       static_cast<std::int32_t>(x.csd));
  }
  std::string operator()(const IpiSend& x) const {
    return fmt::format(" to={}{} vector={:#x} how={} writes={}", x.target_is_mask ? "mask" : "",
                       x.target, x.vector, to_string(x.how), x.icr_writes);
  }
  template <Kind K>
  requires(K == Kind::IpiDeliver || K == Kind::IrrCoalesced) std::string operator()(
      const Typed<K>& x) const {
    return fmt::format(" vector={:#x} from=cpu{}", x.vector, static_cast<std::int32_t>(x.sender));
  }
  template <Kind K>
  requires(K == Kind::IrqEntry || K == Kind::IrqExit || K == Kind::Eoi) std::string operator()(
      const Typed<K>& x) const {
    return fmt::format(" vector={:#x}", x.vector);
  }
  std::string operator()(const StuckCall& x) const {
    return fmt::format(" csd={} target=cpu{} func={} waited={}us", x.csd, x.target,
                       func_name(trace, x.func), x.waited_us);
  }
  std::string operator()(const Warning& x) const {
    return fmt::format(" code={} arg={} func={}", static_cast<std::uint32_t>(x.code), x.arg,
                       func_name(trace, x.func));
  }
  std::string operator()(const FuncCost& x) const {
    return fmt::format(" func={} cycles={}", func_name(trace, x.func), x.cycles);
  }
  std::string operator()(const VectorDef& x) const {
    return fmt::format(" vector={:#x} cycles={} irqs_on={}", x.vector, x.cycles, x.irqs_on ? 1 : 0);
  }
  std::string operator()(const Compute& x) const { return fmt::format(" cycles={}", x.cycles); }
  std::string operator()(const IdleUntil& x) const { return fmt::format(" until={}", x.until); }
  std::string operator()(const RawIpi& x) const {
    return fmt::format(" to=cpu{} vector={:#x}", x.target, x.vector);
  }
  template <Kind K>
  requires(K == Kind::Mark || K == Kind::SetTpr) std::string operator()(const Typed<K>& x) const {
    return fmt::format(" value={}", x.value);
  }
  std::string operator()(const CsdUnlock& x) const {
    return fmt::format(" csd={} was_locked={}", x.csd, x.was_locked);
  }
  std::string operator()(const CsdLock& x) const { return fmt::format(" csd={}", x.csd); }
  template <Kind K>
  requires(K == Kind::LockWaitBegin || K == Kind::LockWaitEnd) std::string operator()(
      const Typed<K>& x) const {
    return fmt::format(" csd={} target=cpu{}", x.csd, x.target);
  }
  template <Kind K>
  requires(K == Kind::FlushBegin || K == Kind::FlushEnd) std::string operator()(
      const Typed<K>& x) const {
    return fmt::format(" entries={} source={}", x.entries, static_cast<std::uint32_t>(x.source));
  }
  std::string operator()(const IpiElided& x) const { return fmt::format(" to=cpu{}", x.target); }
  std::string operator()(const ApicError& x) const {
    return fmt::format(" esr={:#x} status={}", x.esr, x.status);
  }
  std::string operator()(const IcrWrite& x) const {
    return fmt::format(" lo={:#x} hi={:#x} messages={} while_busy={}", x.icr_lo, x.icr_hi,
                       x.messages, x.while_busy);
  }
  std::string operator()(const IcrBusyWait& x) const { return fmt::format(" cycles={}", x.cycles); }
  std::string operator()(const VmExit& x) const {
    return fmt::format(" reason={} cycles={} targets={}", to_string(x.reason), x.cycles, x.targets);
  }
  std::string operator()(const VcpuWake& x) const {
    return fmt::format(" cycles={} polled={}", x.cycles, x.polled ? 1 : 0);
  }
  std::string operator()(const WorkloadInfo& x) const {
    return fmt::format(
        " poll_idle={} csd_lock_wait_debug={} stop_when_stuck={} slots={} "
        "relax={} stuck_timeout={}us",
        x.poll_idle, x.csd_lock_wait_debug, x.stop_when_stuck, x.private_slots, x.relax_cycles,
        x.stuck_timeout_us);
  }
  template <Kind K>
  requires(K == Kind::ProgramEnd || K == Kind::CpuOffline || K == Kind::IrqDisable ||
           K == Kind::IrqEnable) std::string
  operator()(const Typed<K>&) const {
    return {};
  }
  std::string operator()(const PrivateBusy& x) const {
    return fmt::format(" slot={} busy={}", x.slot, x.busy);
  }
  std::string operator()(const Record&) const { return " (unknown kind)"; }
};

}  // namespace

std::string to_string(const Record& r, const Trace& trace) {
  return fmt::format("{} cpu{} #{} {}", r.time, r.cpu, r.call, to_string(r.kind)) +
         visit(r, Fields{trace});
}

}  // namespace xcallsim::trace
