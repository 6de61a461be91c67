// Internal to sim/config: the toml++-backed state behind Table and Array views.
#pragma once

#include <toml++/toml.h>
#include <memory>
#include <set>
#include <string>

#include "sim/config/config.hpp"

namespace xcallsim::config {

struct DocumentData {
  std::string source;
  toml::table root;
};

struct TableState {
  std::shared_ptr<const DocumentData> doc;
  const toml::table* table = nullptr;
  std::string path;
  Position position;                         // of the table (its header or first key)
  std::set<std::string, std::less<>> known;  // keys a getter asked about
};

struct ArrayState {
  std::shared_ptr<const DocumentData> doc;
  const toml::array* array = nullptr;
  std::string path;
};

inline Position position_of(const toml::source_region& region) {
  return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column),
          region.path ? *region.path : std::string()};
}

// The file of a place: its own, else the document's.
inline const std::string& file_of(const Position& at, const std::string& document) {
  return at.file.empty() ? document : at.file;
}

// "an integer", "a string", ... for messages.
std::string_view type_phrase(toml::node_type type);

// Shared by Table and Array: reads a node as a typed value or throws at `where`.
struct NodeReader {
  const std::string& source;
  std::string label;  // "topology.sockets" or "topology.numa_distance[1][0]"
  Position where;

  [[noreturn]] void fail(std::string message, std::string fix) const;
  std::int64_t to_int(const toml::node& node, Range<std::int64_t> range) const;
  double to_double(const toml::node& node, Range<double> range) const;
  bool to_bool(const toml::node& node) const;
  std::string to_string(const toml::node& node) const;
  std::size_t to_choice(const toml::node& node, std::span<const std::string_view> names) const;
  [[noreturn]] void wrong_type(const toml::node& node, std::string_view expected) const;
};

}  // namespace xcallsim::config
