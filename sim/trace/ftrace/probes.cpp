// kprobe/kretprobe lines (ftrace_import.hpp): the smp_call_function* family,
// the enqueue and send helpers of kernel/smp.c, the flush, and callbacks.
#include <fmt/format.h>

#include <array>
#include <string>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace::detail {
namespace {

constexpr std::uint32_t kScfWait = 1;      // SCF_WAIT, kernel/smp.c (SEMANTICS 16)
constexpr std::uint32_t kScfRunLocal = 2;  // SCF_RUN_LOCAL

enum class Role : std::uint8_t {
  Issue,
  Enqueue,
  ExecSingle,
  IpiIntent,
  SendSingle,
  SendMask,
  Flush
};

// A probed kernel function and its parameters in order, so that a probe
// with unnamed arguments (arg1=, arg2=, ...) is read as one with names.
struct Probe {
  std::string_view symbol;
  Role role;
  Api api;
  bool many;  // the target is a mask argument, not a cpu
  std::array<std::string_view, 5> params;
};
constexpr std::array kProbes{
    Probe{"smp_call_function_single",
          Role::Issue,
          Api::CallFunctionSingle,
          false,
          {"cpu", "func", "info", "wait"}},
    Probe{"smp_call_function_single_async",
          Role::Issue,
          Api::CallFunctionSingleAsync,
          false,
          {"cpu", "csd"}},
    Probe{"smp_call_function_any",
          Role::Issue,
          Api::CallFunctionAny,
          true,
          {"mask", "func", "info", "wait"}},
    Probe{"smp_call_function_many_cond",
          Role::Issue,
          Api::CallFunctionMany,
          true,
          {"mask", "func", "info", "scf_flags", "cond"}},
    Probe{"smp_call_function_many",
          Role::Issue,
          Api::CallFunctionMany,
          true,
          {"mask", "func", "info", "wait"}},
    Probe{"smp_call_function", Role::Issue, Api::CallFunction, false, {"func", "info", "wait"}},
    Probe{"on_each_cpu_cond_mask",
          Role::Issue,
          Api::OnEachCpuCondMask,
          true,
          {"cond", "func", "info", "wait", "mask"}},
    Probe{"generic_exec_single", Role::ExecSingle, {}, false, {"cpu", "csd"}},
    Probe{"__smp_call_single_queue", Role::Enqueue, {}, false, {"cpu", "node"}},
    Probe{"send_call_function_single_ipi", Role::IpiIntent, {}, false, {"cpu"}},
    Probe{"native_send_call_func_single_ipi", Role::SendSingle, {}, false, {"cpu"}},
    Probe{"native_send_call_func_ipi", Role::SendMask, {}, false, {"mask"}},
    Probe{"__flush_smp_call_function_queue", Role::Flush, {}, false, {"warn_cpu_offline"}},
    Probe{"flush_smp_call_function_queue", Role::Flush, {}, false, {}},
    Probe{"flush_smp_call_function_from_idle", Role::Flush, {}, false, {}},
};

// Other names a probe definition may give a parameter.
std::array<std::string_view, 3> aliases(std::string_view param) {
  if (param == "scf_flags") return {"scf_flags", "flags", ""};
  if (param == "cond") return {"cond", "cond_func", ""};
  if (param == "node") return {"node", "csd", ""};
  if (param == "mask") return {"mask", "cpumask", ""};
  return {param, "", ""};
}

// The value of `param` in a probe's arguments: by name, else by position.
std::optional<std::string_view> argument(std::string_view args, const Probe& probe,
                                         std::string_view param, bool* positional = nullptr) {
  for (std::string_view name : aliases(param))
    if (!name.empty())
      if (auto v = field(args, name)) return v;
  for (std::size_t i = 0; i < probe.params.size(); ++i) {
    if (probe.params[i] != param) continue;
    if (positional != nullptr) *positional = true;
    return field(args, "arg" + std::to_string(i + 1));
  }
  return std::nullopt;
}

}  // namespace

bool Importer::kprobe(const EventLine& ev) {
  auto body = parse_kprobe_body(ev.body);
  if (!body) return false;
  std::string_view symbol = body->symbol;
  if (symbol.empty()) symbol = probe_symbol(ev.event, &body->is_return);  // trace-cmd hex form
  EventLine args = ev;
  args.body = body->args;
  const Probe* probe = nullptr;
  for (const Probe& p : kProbes)
    if (p.symbol == symbol) probe = &p;
  if (probe == nullptr) {  // perhaps a callback: kept if some func= names it (finish)
    auto [it, fresh] = candidate_ids_.try_emplace(std::string(symbol),
                                                  static_cast<std::uint32_t>(candidates_.size()));
    if (fresh) candidates_.emplace_back(symbol);
    const Record r = body->is_return ? FuncExit{.func = kNone, .csd = kNone}.to_record()
                                     : FuncEntry{.func = kNone, .csd = kNone}.to_record();
    emit(ev, r, Origin::CallbackProbe).candidate = it->second;
    return true;
  }
  auto value = [&](std::string_view param) { return argument(args.body, *probe, param); };
  auto uint_of = [&](std::string_view param) -> std::optional<std::uint64_t> {
    auto text = value(param);
    if (!text) return std::nullopt;
    auto v = parse_uint(*text);
    if (!v) fail(ev, fmt::format("{}=<unsigned integer> (or its position)", param));
    return v;
  };
  auto cpu_of = [&](std::string_view param) -> std::optional<std::uint32_t> {
    auto v = uint_of(param);
    if (!v) return std::nullopt;
    if (*v >= 65536) fail(ev, fmt::format("{}=<cpu number below 65536>", param));
    note_cpu(*v);
    return static_cast<std::uint32_t>(*v);
  };
  auto mask_of = [&]() -> std::optional<std::uint32_t> {
    bool positional = false;
    auto text = argument(args.body, *probe, "mask", &positional);
    // An unnamed argument that is the cpumask pointer itself, not its first
    // word (+0(%di)), says nothing about the targets.
    if (!text || (positional && parse_uint(*text).value_or(0) >= 0xffff'0000'0000'0000u))
      return std::nullopt;
    return mask_id(ev, *text);
  };
  if (body->is_return) {
    if (probe->role != Role::Issue) {
      ++result_.counted_only[std::string(symbol) + " (return)"];
      return true;
    }
    auto ret = field(args.body, "ret");
    if (!ret) ret = field(args.body, "arg1");
    std::optional<std::int64_t> code = ret ? parse_int(*ret) : std::int64_t{0};
    if (!code) fail(ev, "ret=<integer>");
    emit(ev, XcallReturn{.ret = static_cast<std::int32_t>(*code), .api = probe->api}.to_record());
    return true;
  }
  switch (probe->role) {
    case Role::Issue: {
      // Record flags are CSD types (SYNC = 0x10): `wait` of the single/many
      // calls, SCF_WAIT of smp_call_function_many_cond's scf_flags; with
      // SCF_RUN_LOCAL the many call also runs on self, as on_each_cpu does.
      const std::uint64_t scf = uint_of("scf_flags").value_or(0);
      const bool wait = uint_of("wait").value_or(0) != 0 || (scf & kScfWait) != 0;
      Api api = probe->api;
      if (api == Api::CallFunctionMany && (scf & kScfRunLocal) != 0) api = Api::OnEachCpuCondMask;
      XcallIssue issue{.api = api,
                       .flags = static_cast<std::uint32_t>(wait ? CsdType::Sync : CsdType::Async),
                       .target = kNone,
                       .func = kNoFunc};
      if (auto f = value("func"); f && !symbol_name(*f).empty() && !parse_uint(*f))
        issue.func = function_id(symbol_name(*f)) & ~kMaskTarget;
      if (probe->many) {
        if (auto mask = mask_of()) {
          issue.target = *mask;
          issue.target_is_mask = true;
        }
      } else if (auto cpu = cpu_of("cpu")) {
        issue.target = *cpu;
      }
      Pending& p = emit(ev, issue.to_record());
      if (auto cond = value("cond"))
        p.cond = is_null_pointer(*cond) ? CondArg::Absent : CondArg::Present;
      else if (probe->api == Api::CallFunctionMany && probe->params[4] != "cond")
        p.cond = CondArg::Absent;  // smp_call_function_many has no cond by definition
      if (api == Api::CallFunction) p.cond = CondArg::Absent;
      if (auto csd = value("csd"); csd && !is_null_pointer(*csd)) p.csd = csd_id(*csd);
      return true;
    }
    case Role::ExecSingle:
    case Role::Enqueue: {
      auto cpu = cpu_of("cpu");
      if (!cpu) break;
      // generic_exec_single() on its own CPU runs func inline, queues nothing (SEMANTICS 12).
      if (probe->role == Role::ExecSingle && *cpu == parse_uint(ev.cpu).value_or(kNone)) break;
      CsdQueue queue{.target = *cpu, .csd = kNone};
      if (auto node = value("node"); node && !is_null_pointer(*node)) queue.csd = csd_id(*node);
      auto flags = field(args.body, "u_flags");
      if (!flags) flags = field(args.body, "flags");
      if (flags) {
        auto v = parse_uint(*flags);
        if (!v) fail(ev, "flags=<the csd's u_flags, unsigned>");
        queue.type = csd_type_of(static_cast<std::uint32_t>(*v));
      }
      Pending& p = emit(ev, queue.to_record(),
                        probe->role == Role::Enqueue ? Origin::QueueProbe : Origin::ExecProbe);
      if (auto f = value("func"); f && !symbol_name(*f).empty() && !parse_uint(*f))
        p.func = function_id(symbol_name(*f));
      return true;
    }
    case Role::IpiIntent:
    case Role::SendSingle: {
      auto cpu = cpu_of("cpu");
      if (!cpu) break;  // no target fetched: nothing a record can say
      emit(ev,
           IpiSend{.target = *cpu,
                   .vector = kCallFunctionSingleVector,
                   .how = probe->role == Role::SendSingle ? SendHow::Unicast : SendHow::Unknown}
               .to_record(),
           probe->role == Role::IpiIntent ? Origin::IpiIntent : Origin::Event);
      return true;
    }
    case Role::SendMask: {
      auto mask = mask_of();
      if (!mask) break;
      emit(ev, IpiSend{.target = *mask, .target_is_mask = true, .vector = kCallFunctionVector}
                   .to_record());
      return true;
    }
    case Role::Flush: {
      // The snapshot's size is not in the probe: entries = kNone (unknown).
      const FlushSource source =
          context_of(ev.flags) == Context::Hardirq ? FlushSource::Interrupt : FlushSource::Idle;
      emit(ev, FlushBegin{.entries = kNone, .source = source}.to_record());
      return true;
    }
  }
  ++result_.counted_only[std::string(symbol)];
  return true;
}

// A probed symbol is a callback if the capture names it as a func anywhere
// (a call's func=, csd_queue_cpu, csd_function_entry); else only counted.
void Importer::resolve_candidates() {
  std::vector<std::uint32_t> func_of(candidates_.size(), kNone);
  for (std::size_t i = 0; i < candidates_.size(); ++i)
    if (auto it = function_ids_.find(candidates_[i]); it != function_ids_.end())
      func_of[i] = it->second;
  std::erase_if(pending_, [&](Pending& p) {
    if (p.origin != Origin::CallbackProbe) return false;
    const std::uint32_t func = func_of[p.candidate];
    const bool entry = p.record.kind == Kind::FuncEntry;
    if (func == kNone) {
      ++result_.counted_only[candidates_[p.candidate] + (entry ? "" : " (return)")];
      --result_.events_imported;
      return true;
    }
    const std::uint64_t time = p.record.time;
    const std::uint16_t cpu = p.record.cpu;
    p.record = entry ? FuncEntry{.time = time, .cpu = cpu, .func = func, .csd = kNone}.to_record()
                     : FuncExit{.time = time, .cpu = cpu, .func = func, .csd = kNone}.to_record();
    return false;
  });
}

}  // namespace xcallsim::trace::ftrace::detail
