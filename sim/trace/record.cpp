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
  switch (flags & 0x30) {
    case 0x10:
      return "SYNC";
    case 0x20:
      return "IRQ_WORK";
    case 0x30:
      return "TTWU";
    default:
      return "ASYNC";
  }
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
  }
  return "unknown";
}

namespace {

std::string func_name(const Trace& trace, std::uint32_t id) {
  if (id < trace.functions.size()) return trace.functions[id];
  return id == kNone ? std::string("-") : fmt::format("func#{}", id);
}

std::uint64_t wide(std::uint32_t lo, std::uint32_t hi) {
  return lo | (std::uint64_t{hi} << 32);
}

}  // namespace

std::string to_string(const Record& r, const Trace& trace) {
  std::string line = fmt::format("{} cpu{} #{} {}", r.time, r.cpu, r.call, to_string(r.kind));
  switch (r.kind) {
    case Kind::XcallIssue:
      return line + fmt::format(" {} flags={:#x} {}={} func={}", to_string(static_cast<Api>(r.a)),
                                r.b, (r.d & kMaskTarget) != 0 ? "mask" : "cpu",
                                static_cast<std::int32_t>(r.c),
                                func_name(trace, r.d & ~kMaskTarget));
    case Kind::XcallReturn:
      return line + fmt::format(" {} ret={}", to_string(static_cast<Api>(r.b)),
                                static_cast<std::int32_t>(r.a));
    case Kind::FuncEntry:
      return line + fmt::format(" func={} csd={} local={} site={}", func_name(trace, r.a),
                                static_cast<std::int32_t>(r.b), r.c, r.d);
    case Kind::FuncExit:
      return line +
             fmt::format(" func={} csd={}", func_name(trace, r.a), static_cast<std::int32_t>(r.b));
    case Kind::IpiSend:
      return line + fmt::format(" to={} vector={:#x} how={} writes={}", r.a, r.b,
                                to_string(static_cast<SendHow>(r.c)), r.d);
    case Kind::IpiDeliver:
    case Kind::IrrCoalesced:
      return line + fmt::format(" vector={:#x} from=cpu{}", r.a, static_cast<std::int32_t>(r.b));
    case Kind::IrqEntry:
    case Kind::IrqExit:
    case Kind::Eoi:
      return line + fmt::format(" vector={:#x}", r.a);
    case Kind::StuckCall:
      return line + fmt::format(" csd={} target=cpu{} func={} waited={}us", r.a, r.b,
                                func_name(trace, r.c), r.d);
    case Kind::FuncCost:
      return line + fmt::format(" func={} cycles={}", func_name(trace, r.a), wide(r.b, r.c));
    case Kind::VectorDef:
      return line + fmt::format(" vector={:#x} cycles={} irqs_on={}", r.a, wide(r.b, r.c), r.d);
    case Kind::Compute:
      return line + fmt::format(" cycles={}", wide(r.a, r.b));
    case Kind::IdleUntil:
      return line + fmt::format(" until={}", wide(r.a, r.b));
    case Kind::RawIpi:
      return line + fmt::format(" to=cpu{} vector={:#x}", r.a, r.b);
    default:
      return line + fmt::format(" a={} b={} c={} d={}", r.a, r.b, r.c, r.d);
  }
}

}  // namespace xcallsim::trace
