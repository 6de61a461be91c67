// Strict Table and Array views: typed getters, positions, unknown-key check.
#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "sim/config/state.hpp"

namespace xcallsim::config {
namespace {

std::string joined(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string section_name(const std::string& path) {
  return path.empty() ? std::string("the top level") : fmt::format("[{}]", path);
}

}  // namespace

Table::Table(std::shared_ptr<TableState> state) : state_(std::move(state)) {}

const std::string& Table::source() const {
  return state_->doc->source;
}
const std::string& Table::path() const {
  return state_->path;
}
Position Table::position() const {
  return state_->position;
}

bool Table::contains(std::string_view key) {
  state_->known.emplace(key);
  return state_->table->contains(key);
}

Position Table::position_of(std::string_view key) const {
  const auto it = state_->table->find(key);
  if (it == state_->table->end()) return state_->position;
  return config::position_of(it->first.source());
}

void Table::fail(std::string_view key, std::string message, std::string fix) const {
  const Position at = position_of(key);
  throw ConfigError(file_of(at, source()), at.line, at.column, std::move(message), std::move(fix));
}

void Table::fail_here(std::string message, std::string fix) const {
  const Position& at = state_->position;
  throw ConfigError(file_of(at, source()), at.line, at.column, std::move(message), std::move(fix));
}

namespace {

// Finds `key`, marking it known; nullptr if absent.
const toml::node* lookup(TableState& state, std::string_view key) {
  state.known.emplace(key);
  return state.table->get(key);
}

NodeReader reader_for(const Table& table, std::string_view key) {
  return NodeReader{table.source(), joined(table.path(), key), table.position_of(key)};
}

}  // namespace

bool Table::holds_string(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  return node != nullptr && node->is_string();
}

// Missing required key: the error sits at the table; a near-miss key present
// in the file is the most likely cause, so the fix names it.
namespace {

[[noreturn]] void throw_missing(const Table& table, const TableState& state, std::string_view key,
                                std::string_view what) {
  std::vector<std::string_view> strangers;
  for (auto&& [present, value] : *state.table) {
    if (!state.known.contains(present.str())) strangers.push_back(present.str());
  }
  const std::string_view wanted[] = {key};
  std::string fix;
  for (std::string_view stranger : strangers) {
    if (closest_match(stranger, wanted)) {
      const Position at = table.position_of(stranger);
      fix = fmt::format("rename `{}` (line {}) to `{}`", stranger, at.line, key);
      break;
    }
  }
  if (fix.empty()) {
    fix = what == "a table"
              ? fmt::format("add a [{}] section", joined(table.path(), key))
              : fmt::format("add `{} = <{}>` to {}", key, what.substr(what.find(' ') + 1),
                            section_name(table.path()));
  }
  table.fail_here(fmt::format("missing required key `{}` in {}", key, section_name(table.path())),
                  std::move(fix));
}

}  // namespace

std::int64_t Table::required_int(std::string_view key, Range<std::int64_t> range) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) throw_missing(*this, *state_, key, "an integer");
  return reader_for(*this, key).to_int(*node, range);
}

std::optional<std::int64_t> Table::optional_int(std::string_view key, Range<std::int64_t> range) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  return reader_for(*this, key).to_int(*node, range);
}

double Table::required_double(std::string_view key, Range<double> range) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) throw_missing(*this, *state_, key, "a number");
  return reader_for(*this, key).to_double(*node, range);
}

std::optional<double> Table::optional_double(std::string_view key, Range<double> range) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  return reader_for(*this, key).to_double(*node, range);
}

bool Table::required_bool(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) throw_missing(*this, *state_, key, "a boolean");
  return reader_for(*this, key).to_bool(*node);
}

std::optional<bool> Table::optional_bool(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  return reader_for(*this, key).to_bool(*node);
}

std::string Table::required_string(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) throw_missing(*this, *state_, key, "a string");
  return reader_for(*this, key).to_string(*node);
}

std::optional<std::string> Table::optional_string(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  return reader_for(*this, key).to_string(*node);
}

std::size_t Table::required_choice(std::string_view key, std::span<const std::string_view> names) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) throw_missing(*this, *state_, key, "a string");
  return reader_for(*this, key).to_choice(*node, names);
}

std::optional<std::size_t> Table::optional_choice(std::string_view key,
                                                  std::span<const std::string_view> names) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  return reader_for(*this, key).to_choice(*node, names);
}

std::vector<std::int64_t> Table::required_int_array(std::string_view key,
                                                    Range<std::int64_t> range) {
  const Array array = required_array(key);
  std::vector<std::int64_t> values;
  values.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) values.push_back(array.int_at(i, range));
  return values;
}

std::optional<Array> Table::optional_array(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  const auto* array = node->as_array();
  if (array == nullptr) reader_for(*this, key).wrong_type(*node, "an array");
  auto state = std::make_shared<ArrayState>();
  state->doc = state_->doc;
  state->array = array;
  state->path = joined(path(), key);
  return Array(std::move(state));
}

Array Table::required_array(std::string_view key) {
  auto array = optional_array(key);
  if (!array) throw_missing(*this, *state_, key, "an array");
  return std::move(*array);
}

std::optional<Table> Table::optional_table(std::string_view key) {
  const toml::node* node = lookup(*state_, key);
  if (node == nullptr) return std::nullopt;
  const auto* table = node->as_table();
  if (table == nullptr) reader_for(*this, key).wrong_type(*node, "a table");
  auto state = std::make_shared<TableState>();
  state->doc = state_->doc;
  state->table = table;
  state->path = joined(path(), key);
  state->position = config::position_of(table->source());
  return Table(std::move(state));
}

Table Table::required_table(std::string_view key) {
  auto table = optional_table(key);
  if (!table) throw_missing(*this, *state_, key, "a table");
  return std::move(*table);
}

void Table::finish() const {
  // Report the first stranger in file order (toml::table iterates by key).
  std::optional<std::string_view> first;
  Position first_at{};
  for (auto&& [key, value] : *state_->table) {
    if (state_->known.contains(key.str())) continue;
    const Position at = config::position_of(key.source());
    if (!first || std::pair(at.line, at.column) < std::pair(first_at.line, first_at.column)) {
      first = key.str();
      first_at = at;
    }
  }
  if (!first) return;
  std::vector<std::string_view> known(state_->known.begin(), state_->known.end());
  std::string fix;
  if (const auto near = closest_match(*first, known)) {
    fix = fmt::format("did you mean `{}`?", *near);
  } else {
    fix = "remove it; keys accepted here:";
    for (std::string_view k : known) fix += fmt::format(" {}", k);
  }
  throw ConfigError(file_of(first_at, source()), first_at.line, first_at.column,
                    fmt::format("unknown key `{}` in {}", *first, section_name(path())),
                    std::move(fix));
}

Array::Array(std::shared_ptr<ArrayState> state) : state_(std::move(state)) {}

std::size_t Array::size() const {
  return state_->array->size();
}
const std::string& Array::source() const {
  return state_->doc->source;
}
const std::string& Array::path() const {
  return state_->path;
}
Position Array::position() const {
  return config::position_of(state_->array->source());
}

Position Array::position_of(std::size_t index) const {
  if (index >= size()) return position();
  return config::position_of(state_->array->get(index)->source());
}

namespace {

const toml::node& element(const ArrayState& state, std::size_t index) {
  const toml::node* node = state.array->get(index);
  if (node == nullptr) throw std::out_of_range("config::Array: index " + std::to_string(index));
  return *node;
}

NodeReader element_reader(const Array& array, std::size_t index) {
  return NodeReader{array.source(), fmt::format("{}[{}]", array.path(), index),
                    array.position_of(index)};
}

}  // namespace

std::int64_t Array::int_at(std::size_t index, Range<std::int64_t> range) const {
  return element_reader(*this, index).to_int(element(*state_, index), range);
}

double Array::double_at(std::size_t index, Range<double> range) const {
  return element_reader(*this, index).to_double(element(*state_, index), range);
}

std::string Array::string_at(std::size_t index) const {
  return element_reader(*this, index).to_string(element(*state_, index));
}

std::string Array::toml_at(std::size_t index) const {
  const toml::node& node = element(*state_, index);
  if (!node.is_string() && !node.is_integer() && !node.is_floating_point() && !node.is_boolean())
    element_reader(*this, index).wrong_type(node, "a string, a number or a boolean");
  std::ostringstream text;
  node.visit([&](const auto& value) { text << value; });
  return text.str();
}

Array Array::array_at(std::size_t index) const {
  const toml::node& node = element(*state_, index);
  const auto* array = node.as_array();
  if (array == nullptr) element_reader(*this, index).wrong_type(node, "an array");
  auto state = std::make_shared<ArrayState>();
  state->doc = state_->doc;
  state->array = array;
  state->path = fmt::format("{}[{}]", path(), index);
  return Array(std::move(state));
}

Table Array::table_at(std::size_t index) const {
  const toml::node& node = element(*state_, index);
  const auto* table = node.as_table();
  if (table == nullptr) element_reader(*this, index).wrong_type(node, "a table");
  auto state = std::make_shared<TableState>();
  state->doc = state_->doc;
  state->table = table;
  state->path = fmt::format("{}[{}]", path(), index);
  state->position = config::position_of(table->source());
  return Table(std::move(state));
}

void Array::fail_at(std::size_t index, std::string message, std::string fix) const {
  const Position at = position_of(index);
  throw ConfigError(file_of(at, source()), at.line, at.column, std::move(message), std::move(fix));
}

void Array::fail_here(std::string message, std::string fix) const {
  const Position at = position();
  throw ConfigError(file_of(at, source()), at.line, at.column, std::move(message), std::move(fix));
}

}  // namespace xcallsim::config
