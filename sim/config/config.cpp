// ConfigError, Document loading, typed node reading and "did you mean" helpers.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/config/state.hpp"
#include "sim/text/text.hpp"

namespace xcallsim::config {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{16} << 20;  // 16 MiB

std::string format_error(const std::string& file, int line, int column, const std::string& message,
                         const std::string& fix) {
  if (line <= 0) return fmt::format("{}: error: {}; fix: {}", file, message, fix);
  return fmt::format("{}:{}:{}: error: {}; fix: {}", file, line, column, message, fix);
}

std::string syntax_fix(std::string_view description) {
  if (description.find("redefine") != std::string_view::npos) {
    return "each key and table may be defined only once; remove or rename the duplicate";
  }
  return "correct the TOML syntax at this position (TOML v1.0: https://toml.io/en/v1.0.0)";
}

std::string quoted_list(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("\"{}\"", names[i]);
  }
  return out;
}

template <class T>
std::string range_text(Range<T> range) {
  const bool has_min = range.min != std::numeric_limits<T>::lowest();
  const bool has_max = range.max != std::numeric_limits<T>::max();
  if (has_min && has_max) return fmt::format("from {} to {}", range.min, range.max);
  if (has_min) return fmt::format("at least {}", range.min);
  return fmt::format("at most {}", range.max);
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, std::string message,
                         std::string fix)
    : std::runtime_error(format_error(file, line, column, message, fix)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)),
      fix_(std::move(fix)) {}

namespace {

std::shared_ptr<DocumentData> parse_data(std::string_view toml_text, std::string_view source_name) {
  auto data = std::make_shared<DocumentData>();
  data->source = std::string(source_name);
  try {
    data->root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    const Position at = position_of(error.source());
    throw ConfigError(data->source, at.line, at.column, std::string(error.description()),
                      syntax_fix(error.description()));
  }
  return data;
}

std::shared_ptr<DocumentData> load_data(const std::filesystem::path& file) {
  // A config is a small text file: refuse a device, a FIFO or a huge file
  // before reading (no endless read from /dev/zero).
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw ConfigError(file.string(), 0, 0, "not a regular file",
                      "name a TOML file, not a directory or a device");
  if (!ec && std::filesystem::is_regular_file(status) &&
      std::filesystem::file_size(file, ec) > kMaxConfigBytes && !ec)
    throw ConfigError(file.string(), 0, 0,
                      fmt::format("the file is larger than {} MiB", kMaxConfigBytes >> 20),
                      "a machine, scenario or sweep file is a few KiB: check the path");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    throw ConfigError(file.string(), 0, 0, "cannot read the file",
                      "check that the path exists and is a readable TOML file");
  }
  return parse_data(text.str(), file.string());
}

// `top`'s keys replace `into`'s; tables present in both merge key by key.
// Nodes are moved (a moved toml++ node keeps its source place; a copy would not).
void merge_into(toml::table& into, toml::table& top) {
  for (auto&& [key, value] : top) {
    if (auto* table = value.as_table()) {
      if (auto* existing = into.get_as<toml::table>(key.str())) {
        merge_into(*existing, *table);
        continue;
      }
    }
    value.visit([&, &k = key](auto& node) { into.insert_or_assign(k, std::move(node)); });
  }
}

// `chain`: the canonical paths of the files above, to refuse a cycle.
std::shared_ptr<DocumentData> layered(std::shared_ptr<DocumentData> top,
                                      const std::filesystem::path& folder,
                                      std::string_view base_key,
                                      std::vector<std::filesystem::path>& chain) {
  const toml::node* base = top->root.get(base_key);
  if (base == nullptr) return top;
  const Position at = position_of(base->source());
  const auto fail = [&](std::string message, std::string fix) {
    throw ConfigError(top->source, at.line, at.column, std::move(message), std::move(fix));
  };
  const auto* name = base->as_string();
  if (name == nullptr)
    fail(fmt::format("`{}` must be a string (a file name)", base_key),
         fmt::format("write {} = \"other.toml\"", base_key));
  const std::filesystem::path relative(name->get());
  if (relative.empty() || relative.is_absolute())
    fail(fmt::format("`{} = \"{}\"` is not a relative file name", base_key, name->get()),
         "name the base relative to this file's folder, e.g. \"../default.toml\"");
  const std::filesystem::path path = folder / relative;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    fail(fmt::format("`{} = \"{}\"`: no such file ({})", base_key, name->get(), path.string()),
         "name a file relative to this file's folder");
  if (!std::filesystem::is_regular_file(path, ec))
    fail(fmt::format("`{} = \"{}\"` is not a regular file ({})", base_key, name->get(),
                     path.string()),
         "name a TOML file, not a directory or a device");
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end())
    fail(fmt::format("`{} = \"{}\"` makes a cycle: {} is already a layer of this file", base_key,
                     name->get(), canonical.string()),
         fmt::format("point `{}` at a file that does not lead back here", base_key));
  if (static_cast<int>(chain.size()) > Document::kMaxLayers)
    fail(fmt::format("`{}` chains more than {} bases deep", base_key, Document::kMaxLayers),
         fmt::format("point `{}` at a file with a shorter chain", base_key));
  chain.push_back(canonical);
  std::shared_ptr<DocumentData> bottom =
      layered(load_data(path), path.parent_path(), base_key, chain);
  merge_into(bottom->root, top->root);
  bottom->source = top->source;
  return bottom;
}

std::shared_ptr<DocumentData> layered(std::shared_ptr<DocumentData> top,
                                      const std::filesystem::path& self,
                                      std::string_view base_key) {
  std::error_code ec;
  std::vector<std::filesystem::path> chain{std::filesystem::weakly_canonical(self, ec)};
  return layered(std::move(top), self.parent_path(), base_key, chain);
}

}  // namespace

Document Document::make(std::shared_ptr<DocumentData> data) {
  auto state = std::make_shared<TableState>();
  state->table = &data->root;
  state->position = {1, 1, {}};
  state->doc = std::move(data);
  return Document(Table(std::move(state)));
}

Document Document::parse(std::string_view toml_text, std::string_view source_name) {
  return make(parse_data(toml_text, source_name));
}

Document Document::load(const std::filesystem::path& file) {
  return make(load_data(file));
}

Document Document::load_layered(const std::filesystem::path& file, std::string_view base_key) {
  return make(layered(load_data(file), file, base_key));
}

Document Document::load_layered(const std::filesystem::path& file, std::string_view base_key,
                                std::string_view overlay_toml, std::string_view overlay_name) {
  std::shared_ptr<DocumentData> bottom = layered(load_data(file), file, base_key);
  std::shared_ptr<DocumentData> top = parse_data(overlay_toml, overlay_name);
  merge_into(bottom->root, top->root);
  return make(std::move(bottom));
}

Document Document::parse_layered(std::string_view toml_text, std::string_view source_name,
                                 std::string_view base_key) {
  return make(
      layered(parse_data(toml_text, source_name), std::filesystem::path(source_name), base_key));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates) {
  // A likely typo: a few edits, and fewer edits than the word is long.
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance && d < std::max(word.size(), candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string_view type_phrase(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

void NodeReader::fail(std::string message, std::string fix) const {
  throw ConfigError(file_of(where, source), where.line, where.column, std::move(message),
                    std::move(fix));
}

void NodeReader::wrong_type(const toml::node& node, std::string_view expected) const {
  fail(fmt::format("`{}` must be {}, not {}", label, expected, type_phrase(node.type())),
       fmt::format("write {} here", expected));
}

std::int64_t NodeReader::to_int(const toml::node& node, Range<std::int64_t> range) const {
  const auto* value = node.as_integer();
  if (value == nullptr) wrong_type(node, "an integer");
  const std::int64_t v = value->get();
  if (v < range.min || v > range.max) {
    fail(fmt::format("`{}` = {} is out of range", label, v),
         fmt::format("use an integer {}", range_text(range)));
  }
  return v;
}

double NodeReader::to_double(const toml::node& node, Range<double> range) const {
  double v = 0;
  if (const auto* f = node.as_floating_point()) {
    v = f->get();
  } else if (const auto* i = node.as_integer()) {
    v = static_cast<double>(i->get());
  } else {
    wrong_type(node, "a number");
  }
  if (!(v >= range.min && v <= range.max)) {  // also rejects nan
    fail(fmt::format("`{}` = {} is out of range", label, v),
         fmt::format("use a number {}", range_text(range)));
  }
  return v;
}

bool NodeReader::to_bool(const toml::node& node) const {
  const auto* value = node.as_boolean();
  if (value == nullptr) wrong_type(node, "a boolean (true or false)");
  return value->get();
}

std::string NodeReader::to_string(const toml::node& node) const {
  const auto* value = node.as_string();
  if (value == nullptr) wrong_type(node, "a string");
  // Config strings are one-line names and choices, shown on terminals and in
  // plot scripts: a control character is never meant (and a hostile one is refused).
  if (!text::is_printable(value->get()))
    fail(fmt::format("`{}` = \"{}\" holds a control character", label,
                     text::printable(value->get())),
         "remove it: strings in configs are single-line text");
  return value->get();
}

std::size_t NodeReader::to_choice(const toml::node& node,
                                  std::span<const std::string_view> names) const {
  const std::string text = to_string(node);
  const auto found = std::find(names.begin(), names.end(), text);
  if (found != names.end()) return static_cast<std::size_t>(found - names.begin());
  const auto near = closest_match(text, names);
  fail(fmt::format("`{}` = \"{}\" is not one of {}", label, text, quoted_list(names)),
       near ? fmt::format("did you mean \"{}\"?", *near)
            : fmt::format("use one of {}", quoted_list(names)));
}

}  // namespace xcallsim::config
