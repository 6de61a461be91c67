// Event-specific mapping of ftrace lines to trace records (see ftrace_import.hpp).
#include <array>
#include <string>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace::detail {
namespace {

constexpr std::uint32_t kCallFunctionVector = 252;
constexpr std::uint32_t kScfWait = 1;  // SCF_WAIT in kernel/smp.c (SCF_RUN_LOCAL = 2)
constexpr std::uint32_t kCallFunctionSingleVector = 251;
constexpr std::uint32_t kRescheduleVector = 253;
constexpr std::uint32_t kUnknownVector = 0;  // the callback is not an IPI handler we know

struct Sender {
  std::string_view symbol;
  Api api;
  bool many;  // mask argument, not a cpu
};
constexpr std::array kSenders{
    Sender{"smp_call_function_single", Api::CallFunctionSingle, false},
    Sender{"smp_call_function_single_async", Api::CallFunctionSingleAsync, false},
    Sender{"smp_call_function_any", Api::CallFunctionAny, true},
    Sender{"smp_call_function_many_cond", Api::CallFunctionMany, true},
    Sender{"smp_call_function_many", Api::CallFunctionMany, true},
    Sender{"smp_call_function", Api::CallFunction, false},
    Sender{"on_each_cpu_cond_mask", Api::OnEachCpuCondMask, true},
};

std::uint32_t vector_for_callback(std::string_view callback, std::uint32_t ipi_vector) {
  std::string_view name = symbol_name(callback);
  if (name.empty()) return kRescheduleVector;  // smp_send_reschedule() traces a NULL callback
  if (name == "generic_smp_call_function_single_interrupt") return ipi_vector;
  return kUnknownVector;
}

}  // namespace

const std::map<std::string_view, Importer::Handler>& Importer::handlers() {
  static const std::map<std::string_view, Handler> table{
      {"call_function_entry", &Importer::irq_vector},
      {"call_function_exit", &Importer::irq_vector},
      {"call_function_single_entry", &Importer::irq_vector},
      {"call_function_single_exit", &Importer::irq_vector},
      {"reschedule_entry", &Importer::irq_vector},
      {"reschedule_exit", &Importer::irq_vector},
      {"ipi_send_cpu", &Importer::ipi_send_cpu},
      {"ipi_send_cpumask", &Importer::ipi_send_cpumask},
      {"csd_queue_cpu", &Importer::csd_queue_cpu},
      {"csd_function_entry", &Importer::csd_function},
      {"csd_function_exit", &Importer::csd_function},
      {"sched_wake_idle_without_ipi", &Importer::wake_idle_without_ipi},
  };
  return table;
}

void Importer::irq_vector(const EventLine& ev) {
  const std::uint32_t vector = uint_field(ev, "vector");
  if (ev.event.ends_with("_entry")) {
    emit(ev, IrqEntry{.vector = vector}.to_record());
  } else {
    emit(ev, IrqExit{.vector = vector}.to_record());
  }
}

void Importer::ipi_send_cpu(const EventLine& ev) {
  std::uint32_t cpu = cpu_field(ev, "cpu");
  auto callback = field(ev.body, "callback");
  if (!callback) fail(ev, "callback=<symbol>");
  emit(ev, IpiSend{.target = cpu,
                   .vector = vector_for_callback(*callback, kCallFunctionSingleVector),
                   .how = SendHow::Unicast}
               .to_record());
}

void Importer::ipi_send_cpumask(const EventLine& ev) {
  auto mask = field(ev.body, "cpumask");
  if (!mask) fail(ev, "cpumask=<cpu list or hex bitmap>");
  auto callback = field(ev.body, "callback");
  if (!callback) fail(ev, "callback=<symbol>");
  emit(ev, IpiSend{.target = mask_id(ev, *mask),
                   .target_is_mask = true,
                   .vector = vector_for_callback(*callback, kCallFunctionVector)}
               .to_record());
}

void Importer::csd_queue_cpu(const EventLine& ev) {
  std::uint32_t cpu = cpu_field(ev, "cpu");
  auto func = field(ev.body, "func");
  auto csd = field(ev.body, "csd");
  if (!func || !csd) fail(ev, "func=<symbol> and csd=<pointer>");
  std::string_view name = symbol_name(*func);
  function_id(name);
  const CsdType type = name == "sched_ttwu_pending" ? CsdType::Ttwu
                       : name == "irq_work_single"  ? CsdType::IrqWork
                                                    : CsdType::Async;
  emit(ev, CsdQueue{.target = cpu, .csd = csd_id(*csd), .type = type}.to_record());
}

void Importer::csd_function(const EventLine& ev) {
  auto func = field(ev.body, "func");
  auto csd = field(ev.body, "csd");
  if (!func || !csd) fail(ev, "func=<symbol>, csd=<pointer>");
  std::string_view name = symbol_name(*func);
  std::uint32_t fid = name.empty() ? kNone : function_id(name);
  bool local = is_null_pointer(*csd);
  std::uint32_t cid = local ? kNone : csd_id(*csd);
  if (ev.event.ends_with("_exit")) {
    emit(ev, FuncExit{.func = fid, .csd = cid}.to_record());
    return;
  }
  const FuncSite site = local                          ? FuncSite::Local
                        : name == "sched_ttwu_pending" ? FuncSite::FlushTtwu
                                                       : FuncSite::FlushSync;
  emit(ev, FuncEntry{.func = fid, .csd = cid, .local = local, .site = site}.to_record());
}

void Importer::wake_idle_without_ipi(const EventLine& ev) {
  emit(ev, IpiElided{.target = cpu_field(ev, "cpu")}.to_record());
}

bool Importer::kprobe(const EventLine& ev) {
  auto body = parse_kprobe_body(ev.body);
  if (!body) return false;
  EventLine args = ev;
  args.body = body->args;
  for (const Sender& sender : kSenders) {
    if (body->symbol != sender.symbol) continue;
    const Api api = sender.api;
    if (body->is_return) {
      auto ret = field(args.body, "ret");
      std::optional<std::int64_t> value = ret ? parse_int(*ret) : std::int64_t{0};
      if (!value) fail(ev, "ret=<integer>");
      emit(ev, XcallReturn{.ret = static_cast<std::int32_t>(*value), .api = api}.to_record());
      return true;
    }
    // Record flags are CSD types (SYNC = 0x10): `wait` of the single/many
    // calls, SCF_WAIT (bit 0) of smp_call_function_many_cond's scf_flags
    // (kernel/smp.c; a probe may name the argument flags= or scf_flags=).
    bool wait = false;
    if (field(args.body, "wait")) wait = uint_field(args, "wait") != 0;
    for (const std::string_view key : {"flags", "scf_flags"})
      if (field(args.body, key)) wait = (uint_field(args, key) & kScfWait) != 0;
    XcallIssue issue{.api = api,
                     .flags = static_cast<std::uint32_t>(wait ? CsdType::Sync : CsdType::Async),
                     .target = kNone,
                     .func = kNoFunc};
    if (auto f = field(args.body, "func"); f && !symbol_name(*f).empty())
      issue.func = function_id(symbol_name(*f)) & ~kMaskTarget;
    if (auto mask = field(args.body, "mask"); mask && sender.many) {
      issue.target = mask_id(ev, *mask);
      issue.target_is_mask = true;
    } else if (field(args.body, "cpu")) {
      issue.target = cpu_field(args, "cpu");
    }
    emit(ev, issue.to_record());
    return true;
  }
  // A send whose probe did not fetch its target has no representable record
  // (IpiSend needs a CPU or a mask): such probes are only counted below.
  if (!body->is_return && body->symbol == "native_send_call_func_single_ipi" &&
      field(args.body, "cpu")) {
    emit(ev, IpiSend{.target = cpu_field(args, "cpu"),
                     .vector = kCallFunctionSingleVector,
                     .how = SendHow::Unicast}
                 .to_record());
    return true;
  }
  if (!body->is_return && body->symbol == "native_send_call_func_ipi") {
    if (auto mask = field(args.body, "mask")) {
      emit(ev,
           IpiSend{
               .target = mask_id(ev, *mask), .target_is_mask = true, .vector = kCallFunctionVector}
               .to_record());
      return true;
    }
  }
  std::string key(body->symbol);
  if (body->is_return) key += " (return)";
  ++result_.counted_only[key];
  return true;
}

}  // namespace xcallsim::trace::ftrace::detail
