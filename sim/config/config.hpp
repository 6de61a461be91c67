// Contract: the strict TOML reader shared by machine configs and scenarios.
// Document owns the parsed tree; every Table/Array view shares that ownership,
// so views stay valid after the Document is gone. A Table remembers every key
// it was asked about (present or not); finish() then rejects the first key in
// the file that nobody asked about, suggesting the closest known one. Every
// failure is a ConfigError positioned at file:line:col (keys point at the key,
// array elements at the element, missing keys at their table). A layered
// document (load_layered) is several files merged key by key; each error
// names the file its key came from. Views are not thread-safe; nothing here
// depends on hash order or host addresses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xcallsim::config {

// One line: "file:line:col: error: <message>; fix: <fix>". When the place is
// unknown (line 0, e.g. an unreadable file) the ":line:col" part is omitted.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string message, std::string fix);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }
  const std::string& fix() const { return fix_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
  std::string fix_;
};

struct Position {
  int line = 0;
  int column = 0;
  std::string file;  // the file the place is in, when not the document's own (a layered base)
};

template <class T>
struct Range {
  T min = std::numeric_limits<T>::lowest();
  T max = std::numeric_limits<T>::max();
};

// One accepted spelling of an enum value.
template <class E>
struct Choice {
  std::string_view name;
  E value;
};

class Array;
struct DocumentData;
struct TableState;
struct ArrayState;

class Table {
 public:
  const std::string& source() const;    // file name used in messages
  const std::string& path() const;      // dotted path; empty for the root
  Position position() const;            // where the table starts
  bool contains(std::string_view key);  // also marks `key` as known
  // True if `key` is present and holds a string (for int-or-name values).
  bool holds_string(std::string_view key);

  std::int64_t required_int(std::string_view key, Range<std::int64_t> range = {});
  std::optional<std::int64_t> optional_int(std::string_view key, Range<std::int64_t> range = {});
  // Integers are accepted where a float is expected (`ghz = 2`).
  double required_double(std::string_view key, Range<double> range = {});
  std::optional<double> optional_double(std::string_view key, Range<double> range = {});
  bool required_bool(std::string_view key);
  std::optional<bool> optional_bool(std::string_view key);
  std::string required_string(std::string_view key);
  std::optional<std::string> optional_string(std::string_view key);
  // Returns the index of the matching name.
  std::size_t required_choice(std::string_view key, std::span<const std::string_view> names);
  std::optional<std::size_t> optional_choice(std::string_view key,
                                             std::span<const std::string_view> names);
  std::vector<std::int64_t> required_int_array(std::string_view key,
                                               Range<std::int64_t> range = {});
  Array required_array(std::string_view key);
  std::optional<Array> optional_array(std::string_view key);
  Table required_table(std::string_view key);
  std::optional<Table> optional_table(std::string_view key);

  template <class E, std::size_t N>
  E required_enum(std::string_view key, const std::array<Choice<E>, N>& choices) {
    return choices[required_choice(key, names_of(choices))].value;
  }
  template <class E, std::size_t N>
  std::optional<E> optional_enum(std::string_view key, const std::array<Choice<E>, N>& choices) {
    auto index = optional_choice(key, names_of(choices));
    if (!index) return std::nullopt;
    return choices[*index].value;
  }

  // Position of `key` in the file, or of this table if the key is absent.
  Position position_of(std::string_view key) const;
  // Error at `key` (or at this table if absent).
  [[noreturn]] void fail(std::string_view key, std::string message, std::string fix) const;
  [[noreturn]] void fail_here(std::string message, std::string fix) const;
  // Rejects the first key (in file order) no getter asked about.
  void finish() const;

 private:
  friend class Document;
  friend class Array;
  explicit Table(std::shared_ptr<TableState> state);
  template <class E, std::size_t N>
  static std::array<std::string_view, N> names_of(const std::array<Choice<E>, N>& choices) {
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i) names[i] = choices[i].name;
    return names;
  }
  std::shared_ptr<TableState> state_;
};

class Array {
 public:
  std::size_t size() const;
  const std::string& source() const;
  const std::string& path() const;  // e.g. "topology.numa_distance[1]"
  Position position() const;
  Position position_of(std::size_t index) const;
  std::int64_t int_at(std::size_t index, Range<std::int64_t> range = {}) const;
  double double_at(std::size_t index, Range<double> range = {}) const;
  std::string string_at(std::size_t index) const;
  // A scalar element (string, integer, float, bool) written as TOML source
  // text (strings quoted), e.g. to set the same value in another document.
  std::string toml_at(std::size_t index) const;
  Array array_at(std::size_t index) const;
  // Tables inside arrays (`[[x]]`) are strict too: call finish() on them.
  Table table_at(std::size_t index) const;
  [[noreturn]] void fail_at(std::size_t index, std::string message, std::string fix) const;
  [[noreturn]] void fail_here(std::string message, std::string fix) const;

 private:
  friend class Table;
  explicit Array(std::shared_ptr<ArrayState> state);
  std::shared_ptr<ArrayState> state_;
};

class Document {
 public:
  // Reads and parses a file; unreadable files and syntax errors -> ConfigError.
  static Document load(const std::filesystem::path& file);
  static Document parse(std::string_view toml_text, std::string_view source_name);
  // A layered document: if the root has a string `base_key` ("base"), the
  // file it names (relative to this file's folder) is loaded first, layered
  // the same way (at most kMaxLayers deep), and this file's keys replace
  // its keys, tables merging key by key (at most kMaxLayers bases; no
  // cycles, no absolute names). Every error names the file and line the
  // offending key came from.
  static constexpr int kMaxLayers = 4;
  static Document load_layered(const std::filesystem::path& file, std::string_view base_key);
  static Document parse_layered(std::string_view toml_text, std::string_view source_name,
                                std::string_view base_key);
  // load_layered(file), then `overlay_toml` (named `overlay_name` in errors)
  // laid over it the same way: a layer that does not come from a file.
  static Document load_layered(const std::filesystem::path& file, std::string_view base_key,
                               std::string_view overlay_toml, std::string_view overlay_name);
  Table root() const { return root_; }

 private:
  explicit Document(Table root) : root_(std::move(root)) {}
  static Document make(std::shared_ptr<DocumentData> data);
  Table root_;
};

// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, if it is close enough to be a likely typo.
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

}  // namespace xcallsim::config
