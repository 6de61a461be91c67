// Machine config loader: TOML schema (docs/config-reference.md) -> MachineConfig.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sim/config/config.hpp"
#include "sim/machine/check.hpp"
#include "sim/machine/machine.hpp"
#include "sim/machine/virt_config.hpp"

namespace xcallsim::machine {
namespace {

using config::Choice;
using config::Range;

constexpr Range<std::int64_t> kCycleRange{0, 1'000'000'000};

constexpr std::array<Choice<ApicMode>, 2> kApicModes{
    {{"xapic", ApicMode::XApic}, {"x2apic", ApicMode::X2Apic}}};
constexpr std::array<Choice<IpiDestMode>, 3> kDestModes{{{"physical", IpiDestMode::Physical},
                                                         {"flat", IpiDestMode::LogicalFlat},
                                                         {"cluster", IpiDestMode::LogicalCluster}}};

int to_int(std::int64_t v) {
  return static_cast<int>(v);
}
Cycles cycles(config::Table& table, std::string_view key) {
  return static_cast<Cycles>(table.required_int(key, kCycleRange));
}

// One cost per Distance. `ccx` exists only when the topology has a CCX level;
// otherwise SameCcx never occurs and its slot mirrors `socket`.
std::array<Cycles, kDistanceCount> read_distance_costs(config::Table table, bool has_ccx) {
  std::array<Cycles, kDistanceCount> costs{};
  costs[static_cast<int>(Distance::Self)] = cycles(table, "self");
  costs[static_cast<int>(Distance::SmtSibling)] = cycles(table, "smt");
  costs[static_cast<int>(Distance::SameSocket)] = cycles(table, "socket");
  costs[static_cast<int>(Distance::CrossSocket)] = cycles(table, "cross_socket");
  if (has_ccx) {
    costs[static_cast<int>(Distance::SameCcx)] = cycles(table, "ccx");
  } else {
    if (table.contains("ccx")) {
      table.fail("ccx",
                 fmt::format("`{}.ccx` is set but the topology has no CCX level", table.path()),
                 "remove it, or set topology.cores_per_ccx");
    }
    costs[static_cast<int>(Distance::SameCcx)] = costs[static_cast<int>(Distance::SameSocket)];
  }
  table.finish();
  return costs;
}

TopologyConfig read_topology(config::Table table) {
  TopologyConfig t;
  t.sockets = to_int(table.required_int("sockets", {1, 64}));
  t.cores_per_socket = to_int(table.required_int("cores_per_socket", {1, detail::kMaxCpus}));
  t.threads_per_core = to_int(table.required_int("threads_per_core", {1, 8}));
  t.cores_per_ccx = to_int(table.optional_int("cores_per_ccx", {1, detail::kMaxCpus}).value_or(0));
  if (auto matrix = table.optional_array("numa_distance")) {
    for (std::size_t i = 0; i < matrix->size(); ++i) {
      const config::Array row = matrix->array_at(i);
      auto& values = t.numa_distance.emplace_back();
      for (std::size_t j = 0; j < row.size(); ++j)
        values.push_back(to_int(row.int_at(j, {0, 255})));
    }
  }
  table.finish();
  return t;
}

ApicConfig read_apic(config::Table table, bool has_ccx) {
  ApicConfig apic;
  apic.mode = table.optional_enum("mode", kApicModes).value_or(ApicMode::XApic);
  apic.dest_mode = table.optional_enum("dest_mode", kDestModes).value_or(IpiDestMode::Physical);
  apic.use_shorthand = table.optional_bool("shorthand").value_or(true);
  config::Table cost = table.required_table("cost");
  apic.costs.icr_write = cycles(cost, "icr_write");
  apic.costs.entry = cycles(cost, "entry");
  apic.costs.exit = cycles(cost, "exit");
  apic.costs.eoi = cycles(cost, "eoi");
  apic.costs.delivery = read_distance_costs(cost.required_table("delivery"), has_ccx);
  cost.finish();
  table.finish();
  return apic;
}

CacheCosts read_cache(config::Table table, bool has_ccx) {
  CacheCosts cache;
  cache.memory = cycles(table, "memory");
  cache.transfer = read_distance_costs(table.required_table("transfer"), has_ccx);
  // Absent: no store buffer (every store waits for its line, as before TSO).
  cache.store_buffer = to_int(table.optional_int("store_buffer", {0, 1024}).value_or(0));
  const auto fill = table.optional_int("fill_buffers", {1, 256});
  if (cache.store_buffer > 0 && !fill)
    table.fail_here("[cache] has `store_buffer` but no `fill_buffers`",
                    "add `fill_buffers = <outstanding L1 misses>` (e.g. 12 on Skylake) to [cache]");
  cache.fill_buffers = to_int(fill.value_or(0));
  table.finish();
  return cache;
}

// Positions a rule violation at the offending key/element, or at the nearest
// enclosing table that exists (e.g. a defaulted key).
[[noreturn]] void report(config::Table table, const detail::Problem& problem) {
  std::string_view rest = problem.table;
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    auto sub = table.optional_table(rest.substr(0, dot));
    if (!sub) table.fail_here(problem.message, problem.fix);
    table = *sub;
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  if (problem.key.empty()) table.fail_here(problem.message, problem.fix);
  if (problem.index.empty() || !table.contains(problem.key)) {
    table.fail(problem.key, problem.message, problem.fix);
  }
  config::Array array = table.required_array(problem.key);
  for (std::size_t i = 0; i + 1 < problem.index.size(); ++i) {
    if (problem.index[i] >= array.size()) array.fail_here(problem.message, problem.fix);
    array = array.array_at(problem.index[i]);
  }
  array.fail_at(problem.index.back(), problem.message, problem.fix);
}

// A dotted path of bare TOML keys, not one of the keys that name or layer
// the config itself.
bool valid_override_key(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.' ||
      key.find("..") != std::string_view::npos)
    return false;
  for (const char ch : key)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.')
      return false;
  const std::string_view head = key.substr(0, key.find('.'));
  return head != "name" && head != "base" && head != "overridable";
}

// The document is layered (config::Document::load_layered): a preset with
// `base = "other.toml"` has that preset's keys under its own.
MachineConfig read_machine(const config::Document& document) {
  config::Table root = document.root();
  MachineConfig m;
  m.source = root.source();
  root.optional_string("base");  // consumed by the layering
  if (auto keys = root.optional_array("overridable")) {
    for (std::size_t i = 0; i < keys->size(); ++i) {
      std::string key = keys->string_at(i);
      if (!valid_override_key(key))
        keys->fail_at(
            i, fmt::format("`{}` is not a dotted key of this config", key),
            "name a key such as \"topology.cores_per_socket\" or \"apic.cost.icr_write\"");
      m.overridable.push_back(std::move(key));
    }
  }
  m.name = root.required_string("name");
  if (m.name.empty())
    root.fail("name", "`name` is empty", "name the machine, e.g. name = \"2x E5-2658\"");
  config::Table clock = root.required_table("clock");
  m.ghz = clock.required_double("ghz", {0.001, 100.0});
  clock.finish();
  m.topology = read_topology(root.required_table("topology"));
  // Before the costs: which cost keys exist depends on a valid topology.
  if (auto problem = detail::find_topology_problem(m.topology)) report(root, *problem);
  const bool has_ccx = m.topology.cores_per_ccx > 0;
  m.apic = read_apic(root.required_table("apic"), has_ccx);
  m.cache = read_cache(root.required_table("cache"), has_ccx);
  if (auto virt = root.optional_table("virtualization"))
    m.virt = detail::read_virtualization(*virt, m.apic.mode);
  root.finish();
  if (auto problem = detail::find_problem(m)) report(root, *problem);
  return m;
}

}  // namespace

MachineConfig load_machine_config(const std::filesystem::path& file) {
  return read_machine(config::Document::load_layered(file, "base"));
}

MachineConfig load_machine_config(const std::filesystem::path& file,
                                  const std::vector<Override>& overrides) {
  if (overrides.empty()) return load_machine_config(file);
  std::string overlay;
  for (const Override& o : overrides) {
    if (!valid_override_key(o.key))
      throw config::ConfigError(file.string(), 0, 0,
                                fmt::format("`{}` cannot be set from outside", o.key),
                                "vary a key the machine lists in `overridable = [...]`");
    overlay += fmt::format("{} = {}\n", o.key, o.value);
  }
  // One load: the overlay cannot touch `overridable` (refused above), so
  // the layered root's list is the file's own.
  const config::Document document =
      config::Document::load_layered(file, "base", overlay, file.string() + " (sweep override)");
  std::vector<std::string> declared;
  if (auto keys = document.root().optional_array("overridable"))
    for (std::size_t i = 0; i < keys->size(); ++i) declared.push_back(keys->string_at(i));
  for (const Override& o : overrides)
    if (std::find(declared.begin(), declared.end(), o.key) == declared.end())
      throw config::ConfigError(
          file.string(), 0, 0,
          fmt::format("`{}` is not declared overridable by this machine", o.key),
          fmt::format("add \"{}\" to its `overridable = [...]` list, or vary another key", o.key));
  return read_machine(document);
}

MachineConfig parse_machine_config(std::string_view toml_text, std::string_view source_name) {
  return read_machine(config::Document::parse_layered(toml_text, source_name, "base"));
}

}  // namespace xcallsim::machine
