// Reading a sweep file (docs/sweep-format.md).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include <array>
#include <set>

#include "sim/config/config.hpp"
#include "sim/sweep/sweep.hpp"

namespace xcallsim::sweep {
namespace {

namespace fs = std::filesystem;

struct MetricName {
  std::string_view name;
  Metric metric;
  bool per_call;
};
constexpr std::array<MetricName, 17> kMetrics{{
    {"calls", Metric::Calls, false},
    {"unreturned", Metric::Unreturned, false},
    {"sim_cycles", Metric::SimCycles, false},
    {"sim_us", Metric::SimUs, false},
    {"ipis_delivered", Metric::IpisDelivered, false},
    {"irqs_handled", Metric::IrqsHandled, false},
    {"warnings", Metric::Warnings, false},
    {"count", Metric::Count, true},
    {"p50_ns", Metric::P50Ns, true},
    {"p99_ns", Metric::P99Ns, true},
    {"max_ns", Metric::MaxNs, true},
    {"p50_cycles", Metric::P50Cycles, true},
    {"p99_cycles", Metric::P99Cycles, true},
    {"ipis", Metric::Ipis, true},
    {"icr_writes", Metric::IcrWrites, true},
    {"avoided", Metric::Avoided, true},
    {"host_ms", Metric::HostMs, false},
}};

constexpr std::array<config::Choice<SendMode>, 4> kSendModes{{
    {"preset", SendMode::Preset},
    {"xapic-physical", SendMode::XApicPhysical},
    {"x2apic-cluster", SendMode::X2ApicCluster},
    {"x2apic-physical", SendMode::X2ApicPhysical},
}};

// A file named in the spec: relative to the spec's own folder.
std::vector<std::string> files(config::Table& root, std::string_view key, const fs::path& base) {
  config::Array list = root.required_array(key);
  if (list.size() == 0) root.fail(key, fmt::format("`{}` is empty", key), "name at least one file");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string name = list.string_at(i);
    const fs::path path = fs::path(name).is_absolute() ? fs::path(name) : base / name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      list.fail_at(i, fmt::format("`{}` names no file: {}", key, path.string()),
                   "give a path relative to the sweep file's folder, or an absolute one");
    if (!seen.insert(name).second)
      list.fail_at(i, fmt::format("`{}` names {} twice", key, name), "list each file once");
    out.push_back(path.lexically_normal().string());
  }
  return out;
}

Column read_column(config::Table t) {
  Column c;
  std::array<std::string_view, kMetrics.size()> names{};
  for (std::size_t i = 0; i < kMetrics.size(); ++i) names[i] = kMetrics[i].name;
  const MetricName& m = kMetrics[t.required_choice("metric", names)];
  c.metric = m.metric;
  c.call = t.optional_string("call").value_or("");
  if (m.per_call && c.call.empty())
    t.fail("call", fmt::format("metric `{}` is per call kind", m.name),
           "add call = \"smp_xcall SYNC\" (a row label of the summary)");
  if (!m.per_call && !c.call.empty())
    t.fail("call", fmt::format("metric `{}` is not per call kind", m.name), "remove `call`");
  c.header = t.optional_string("header").value_or(
      c.call.empty() ? std::string(m.name) : fmt::format("{} {}", m.name, c.call));
  t.finish();
  return c;
}

// A [[vary]] axis; every machine of the sweep must declare the key
// overridable and load with every value (checked here, at the spec's place).
Vary read_vary(config::Table t, const std::vector<std::string>& machines) {
  Vary v;
  v.key = t.required_string("key");
  config::Array values = t.required_array("values");
  if (values.size() == 0)
    t.fail("values", "`values` is empty", "give the key at least one value, e.g. values = [1, 2]");
  for (std::size_t i = 0; i < values.size(); ++i) v.values.push_back(values.toml_at(i));
  t.finish();
  for (const std::string& m : machines) {
    const machine::MachineConfig plain = machine::load_machine_config(m);
    if (std::find(plain.overridable.begin(), plain.overridable.end(), v.key) ==
        plain.overridable.end())
      t.fail("key",
             fmt::format("`{}` is not declared overridable by {}", v.key,
                         fs::path(m).filename().string()),
             fmt::format("add \"{}\" to `overridable = [...]` in {}", v.key, m));
    for (std::size_t i = 0; i < v.values.size(); ++i) {
      try {
        machine::load_machine_config(m, {{v.key, v.values[i]}});
      } catch (const config::ConfigError& e) {
        values.fail_at(i,
                       fmt::format("{} = {} is not a valid {}: {}", v.key, v.values[i],
                                   fs::path(m).filename().string(), e.message()),
                       e.fix());
      }
    }
  }
  return v;
}

PlotSpec read_plot(config::Table t, const Spec& spec) {
  PlotSpec p;
  const std::string x = t.required_string("x");
  const auto axis =
      std::find_if(spec.vary.begin(), spec.vary.end(), [&](const Vary& v) { return v.key == x; });
  if (axis == spec.vary.end())
    t.fail("x", fmt::format("plot x `{}` is not a [[vary]] key of this sweep", x),
           "name the key of one [[vary]] (its values make the x axis)");
  for (const std::string& value : axis->values) {
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size())
      t.fail("x", fmt::format("plot x `{}` has a value that is not a number ({})", x, value),
             "plot against a [[vary]] key with numeric values");
  }
  p.x_axis = static_cast<std::size_t>(axis - spec.vary.begin());
  const std::string y = t.required_string("y");
  const auto column = std::find_if(spec.columns.begin(), spec.columns.end(),
                                   [&](const Column& c) { return c.header == y; });
  if (column == spec.columns.end())
    t.fail("y", fmt::format("plot y `{}` is not a column of this sweep", y),
           "name a [[column]]'s header, e.g. \"p50_ns smp_xcall SYNC\"");
  p.y_column = static_cast<std::size_t>(column - spec.columns.begin());
  p.title = t.optional_string("title").value_or(spec.name);
  t.finish();
  return p;
}

Spec read_spec(config::Table root, const fs::path& base_dir) {
  Spec spec;
  spec.source = root.source();
  spec.name = root.required_string("name");
  spec.machines = files(root, "machines", base_dir);
  spec.scenarios = files(root, "scenarios", base_dir);
  spec.profiles = {std::nullopt};
  if (auto list = root.optional_array("profiles")) {
    spec.profiles.clear();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string p = list->string_at(i);
      if (p == "scenario")
        spec.profiles.push_back(std::nullopt);
      else if (p == "seed")
        spec.profiles.push_back(smp::Profile::Seed);
      else if (p == "upstream")
        spec.profiles.push_back(smp::Profile::Upstream);
      else
        list->fail_at(i, fmt::format("profile \"{}\" is not known", p),
                      "use \"seed\", \"upstream\" or \"scenario\" (the scenario's own)");
    }
  }
  spec.send_modes = {SendMode::Preset};
  if (auto list = root.optional_array("send_modes")) {
    spec.send_modes.clear();
    std::array<std::string_view, kSendModes.size()> names{};
    for (std::size_t i = 0; i < kSendModes.size(); ++i) names[i] = kSendModes[i].name;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string m = list->string_at(i);
      std::size_t k = 0;
      while (k < names.size() && names[k] != m) ++k;
      if (k == names.size())
        list->fail_at(i, fmt::format("send mode \"{}\" is not known", m),
                      "use preset, xapic-physical, x2apic-cluster or x2apic-physical");
      spec.send_modes.push_back(kSendModes[k].value);
    }
  }
  if (auto axes = root.optional_array("vary")) {
    for (std::size_t i = 0; i < axes->size(); ++i) {
      spec.vary.push_back(read_vary(axes->table_at(i), spec.machines));
      for (std::size_t j = 0; j < i; ++j)
        if (spec.vary[j].key == spec.vary[i].key)
          axes->fail_at(i, fmt::format("`{}` is varied twice", spec.vary[i].key),
                        "give each key one [[vary]] with all its values");
    }
  }
  spec.seeds = {std::nullopt};
  if (root.contains("seeds")) {
    spec.seeds.clear();
    for (const std::int64_t s : root.required_int_array("seeds", {0, INT64_MAX}))
      spec.seeds.push_back(static_cast<std::uint64_t>(s));
  }
  spec.shorthand = root.optional_bool("shorthand");
  spec.time_limit =
      static_cast<std::uint64_t>(root.optional_int("time_limit", {0, INT64_MAX}).value_or(0));
  config::Array columns = root.required_array("column");
  if (columns.size() == 0)
    root.fail("column", "no [[column]]", "add [[column]] tables: metric = \"p50_ns\", ...");
  for (std::size_t i = 0; i < columns.size(); ++i)
    spec.columns.push_back(read_column(columns.table_at(i)));
  if (auto plot = root.optional_table("plot")) spec.plot = read_plot(*plot, spec);
  root.finish();
  return spec;
}

}  // namespace

Spec parse_spec(std::string_view toml_text, std::string_view source_name,
                const fs::path& base_dir) {
  return read_spec(config::Document::parse(toml_text, source_name).root(), base_dir);
}

Spec load_spec(const fs::path& file) {
  return read_spec(config::Document::load(file).root(), fs::absolute(file).parent_path());
}

std::string_view to_string(SendMode mode) {
  for (const auto& c : kSendModes)
    if (c.value == mode) return c.name;
  return "?";
}

}  // namespace xcallsim::sweep
