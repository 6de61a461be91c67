// Event-specific mapping of ftrace lines to trace records (see ftrace_import.hpp).
#include <string>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace::detail {
namespace {

constexpr std::uint32_t kRescheduleVector = 253;
constexpr std::uint32_t kUnknownVector = 0;  // the callback is not an IPI handler we know

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
      // The rest of irq_vectors (class x86_irq_vector, "vector=%d"): handlers
      // that nest with the call-function ones (a tick's async call runs in
      // local_timer's), so the per-CPU handler stack stays whole.
      {"local_timer_entry", &Importer::irq_vector},
      {"local_timer_exit", &Importer::irq_vector},
      {"irq_work_entry", &Importer::irq_vector},
      {"irq_work_exit", &Importer::irq_vector},
      {"spurious_apic_entry", &Importer::irq_vector},
      {"spurious_apic_exit", &Importer::irq_vector},
      {"error_apic_entry", &Importer::irq_vector},
      {"error_apic_exit", &Importer::irq_vector},
      {"x86_platform_ipi_entry", &Importer::irq_vector},
      {"x86_platform_ipi_exit", &Importer::irq_vector},
      {"thermal_apic_entry", &Importer::irq_vector},
      {"thermal_apic_exit", &Importer::irq_vector},
      {"threshold_apic_entry", &Importer::irq_vector},
      {"threshold_apic_exit", &Importer::irq_vector},
      {"deferred_error_apic_entry", &Importer::irq_vector},
      {"deferred_error_apic_exit", &Importer::irq_vector},
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
  const std::uint32_t fid = name.empty() ? kNone : function_id(name);
  // SYNC vs ASYNC is not in the event: the call layer takes it from the call.
  const CsdType type = name == "sched_ttwu_pending" ? CsdType::Ttwu
                       : name == "irq_work_single"  ? CsdType::IrqWork
                                                    : CsdType::Async;
  emit(ev, CsdQueue{.target = cpu, .csd = csd_id(*csd), .type = type}.to_record(),
       Origin::CsdTracepoint)
      .func = fid;
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
    emit(ev, FuncExit{.func = fid, .csd = cid}.to_record(), Origin::CsdTracepoint);
    return;
  }
  const FuncSite site = local                          ? FuncSite::Local
                        : name == "sched_ttwu_pending" ? FuncSite::FlushTtwu
                                                       : FuncSite::FlushSync;
  emit(ev, FuncEntry{.func = fid, .csd = cid, .local = local, .site = site}.to_record(),
       Origin::CsdTracepoint);
}

void Importer::wake_idle_without_ipi(const EventLine& ev) {
  emit(ev, IpiElided{.target = cpu_field(ev, "cpu")}.to_record());
}

}  // namespace xcallsim::trace::ftrace::detail
