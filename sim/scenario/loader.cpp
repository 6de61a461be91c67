// Scenario TOML -> Scenario (schema: docs/scenario-reference.md).
#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <stdexcept>

#include "sim/scenario/scenario.hpp"
#include "xcall/types.hpp"

namespace xcallsim::scenario {
namespace {

using config::Array;
using config::Choice;
using config::Table;

constexpr std::array kOps{
    Choice<OpKind>{"compute", OpKind::Compute},
    Choice<OpKind>{"irq_off", OpKind::IrqOff},
    Choice<OpKind>{"repeat", OpKind::Repeat},
    Choice<OpKind>{"xcall", OpKind::Xcall},
    Choice<OpKind>{"xcall_mask", OpKind::XcallMask},
    Choice<OpKind>{"xcall_private", OpKind::XcallPrivate},
    Choice<OpKind>{"xcall_any", OpKind::XcallAny},
    Choice<OpKind>{"ipi", OpKind::Ipi},
    Choice<OpKind>{"set_tpr", OpKind::SetTpr},
};
constexpr std::array kFlags{
    Choice<std::uint32_t>{"sync", xcall::XCALL_TYPE_SYNC},
    Choice<std::uint32_t>{"async", xcall::XCALL_TYPE_ASYNC},
    Choice<std::uint32_t>{"irq_work", xcall::XCALL_TYPE_IRQ_WORK},
    Choice<std::uint32_t>{"ttwu", xcall::XCALL_TYPE_TTWU},
};
constexpr std::array kProfiles{
    Choice<smp::Profile>{"seed", smp::Profile::Seed},
    Choice<smp::Profile>{"upstream", smp::Profile::Upstream},
};
constexpr std::array<std::string_view, 6> kConds{"all", "none", "odd", "even", "node0", "not_self"};
constexpr std::int64_t kMaxCycles = std::int64_t{1} << 48;

class Loader {
 public:
  explicit Loader(Scenario& out) : out_(out) {}

  void load(Table root) {
    out_.source = root.source();
    out_.name = root.required_string("name");
    out_.description = root.optional_string("description").value_or("");
    out_.seed = static_cast<std::uint64_t>(
        root.optional_int("seed", {0, std::numeric_limits<std::int64_t>::max()}).value_or(1));
    out_.profile = root.optional_enum("profile", kProfiles);
    load_functions(root.required_array("functions"));
    if (auto vectors = root.optional_array("vectors")) load_vectors(*vectors);
    Array cpus = root.required_array("cpu");
    for (std::size_t i = 0; i < cpus.size(); ++i) load_program(cpus.table_at(i));
    root.finish();
  }

 private:
  void load_functions(const Array& list) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      Table t = list.table_at(i);
      std::string name = t.required_string("name");
      if (by_name_.count(name)) {
        t.fail("name", "function '" + name + "' is defined twice",
               "give each function a unique name");
      }
      auto cycles = static_cast<machine::Cycles>(t.required_int("cycles", {0, kMaxCycles}));
      by_name_.emplace(name, static_cast<std::uint32_t>(out_.functions.size()));
      out_.functions.push_back({std::move(name), cycles});
      t.finish();
    }
  }

  // Scenario-defined interrupt vectors, e.g. for a priority mix (SEM-46..48).
  // 0xfb/0xfc belong to the xcall library; 0-31 are exceptions/reserved.
  void load_vectors(const Array& list) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      Table t = list.table_at(i);
      auto vector = static_cast<std::uint8_t>(t.required_int("vector", {32, 255}));
      if (vector == 0xfb || vector == 0xfc) {
        t.fail("vector", "vectors 0xfb and 0xfc carry xcalls", "pick another vector (32-250)");
      }
      for (const auto& [known, handler] : out_.vectors) {
        if (known == vector) t.fail("vector", "vector defined twice", "define each vector once");
      }
      smp::VectorHandler handler{
          t.required_string("name"),
          static_cast<machine::Cycles>(t.required_int("cycles", {0, kMaxCycles})),
          t.optional_bool("irqs_on").value_or(false)};
      defined_vectors_.push_back(vector);
      out_.vectors.emplace_back(vector, std::move(handler));
      t.finish();
    }
  }

  void load_program(Table t) {
    CpuProgram program;
    program.where = t.position();
    program.cpus = cpu_list(t, "cpus");
    if (program.cpus.base == CpuList::Base::Others || program.cpus.base == CpuList::Base::Self) {
      t.fail("cpus", "'" + program.cpus.text + "' is relative to a running CPU",
             "name the CPUs that run this program, e.g. \"all\" or \"0-3\"");
    }
    program.ops = ops(t.required_array("program"), 0);
    t.finish();
    out_.programs.push_back(std::move(program));
  }

  std::vector<Op> ops(const Array& list, int depth) {
    if (depth > 16)
      list.fail_here("ops are nested too deeply", "flatten the program (at most 16 levels)");
    std::vector<Op> result;
    for (std::size_t i = 0; i < list.size(); ++i) result.push_back(op(list.table_at(i), depth));
    return result;
  }

  Op op(Table t, int depth) {
    Op op;
    op.where = t.position();
    op.kind = t.required_enum("op", kOps);
    switch (op.kind) {
      case OpKind::Compute:
        if (t.contains("cycles")) {
          op.cycles = cycles(t, "cycles");
        } else {
          op.min_cycles = cycles(t, "min");
          op.max_cycles = cycles(t, "max");
          if (op.max_cycles < op.min_cycles) t.fail("max", "max is below min", "make max >= min");
        }
        break;
      case OpKind::IrqOff:
        op.body = ops(t.required_array("body"), depth + 1);
        break;
      case OpKind::Repeat:
        op.count = static_cast<std::uint64_t>(t.required_int("count", {0, kMaxCycles}));
        op.body = ops(t.required_array("body"), depth + 1);
        break;
      case OpKind::Xcall:
        op.target = target(t);
        call_fields(t, op);
        op.cond = cond(t);
        break;
      case OpKind::XcallMask:
        op.mask = cpu_list(t, "mask");
        call_fields(t, op);
        op.cond = cond(t);
        break;
      case OpKind::XcallPrivate:
        op.target = target(t);
        op.slot = static_cast<int>(t.optional_int("slot", {0, 63}).value_or(0));
        call_fields(t, op);
        break;
      case OpKind::XcallAny:
        op.mask = cpu_list(t, "mask");
        call_fields(t, op);
        break;
      case OpKind::Ipi:
        op.target = static_cast<int>(t.required_int("target", {0, 65535}));
        op.vector = static_cast<std::uint8_t>(t.required_int("vector", {0, 255}));
        if (std::find(defined_vectors_.begin(), defined_vectors_.end(), op.vector) ==
            defined_vectors_.end()) {
          t.fail("vector", "vector " + std::to_string(op.vector) + " has no handler",
                 "define it in `vectors = [{ vector = N, name = \"...\", cycles = N }]`");
        }
        break;
      case OpKind::SetTpr:
        op.vector = static_cast<std::uint8_t>(t.required_int("value", {0, 255}));
        break;
    }
    t.finish();
    return op;
  }

  void call_fields(Table& t, Op& op) {
    std::string name = t.required_string("func");
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      t.fail("func", "unknown function '" + name + "'",
             "define it in `functions = [{ name = \"" + name + "\", cycles = N }]`");
    }
    op.func = it->second;
    op.flags = t.required_enum("flags", kFlags);
  }

  static std::optional<std::string> cond(Table& t) {
    auto index = t.optional_choice("cond", kConds);
    if (!index) return std::nullopt;
    return std::string(kConds[*index]);
  }

  static machine::Cycles cycles(Table& t, std::string_view key) {
    return static_cast<machine::Cycles>(t.required_int(key, {0, kMaxCycles}));
  }

  // An integer CPU id, "self", or "all" (XCALL_ALL).
  static int target(Table& t) {
    if (t.holds_string("target")) {
      constexpr std::array<std::string_view, 2> kNames{"all", "self"};
      return t.required_choice("target", kNames) == 0 ? xcall::XCALL_ALL : kSelfTarget;
    }
    return static_cast<int>(t.required_int("target", {-4096, 65535}));
  }

  static CpuList cpu_list(Table& t, std::string_view key) {
    std::string text = t.required_string(key);
    try {
      return parse_cpu_list(text);
    } catch (const std::invalid_argument& e) {
      t.fail(key, e.what(), "write \"all\", \"others\", \"self\" or ids and ranges like \"0-3,8\"");
    }
  }

  Scenario& out_;
  std::map<std::string, std::uint32_t> by_name_;
  std::vector<std::uint8_t> defined_vectors_;
};

}  // namespace

Scenario load_scenario(const std::filesystem::path& file) {
  Scenario scenario;
  Loader(scenario).load(config::Document::load(file).root());
  return scenario;
}

Scenario parse_scenario(std::string_view toml_text, std::string_view source_name) {
  Scenario scenario;
  Loader(scenario).load(config::Document::parse(toml_text, source_name).root());
  return scenario;
}

}  // namespace xcallsim::scenario
