#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "sim/scenario/scenario.hpp"

namespace xcallsim::scenario {
namespace {

int parse_id(std::string_view text) {
  int value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0) {
    throw std::invalid_argument("'" + std::string(text) + "' is not a CPU id");
  }
  return value;
}

}  // namespace

CpuList parse_cpu_list(std::string_view text) {
  CpuList list;
  list.text = std::string(text);
  if (text == "all") return list.base = CpuList::Base::All, list;
  if (text == "others") return list.base = CpuList::Base::Others, list;
  if (text == "self") return list.base = CpuList::Base::Self, list;
  if (text.empty()) throw std::invalid_argument("empty CPU list");
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto dash = item.find('-');
    int first = parse_id(item.substr(0, dash));
    int last = dash == std::string_view::npos ? first : parse_id(item.substr(dash + 1));
    if (last < first) {
      throw std::invalid_argument("range '" + std::string(item) + "' is backwards");
    }
    if (last - first > 65535)
      throw std::invalid_argument("range '" + std::string(item) + "' is too large");
    for (int id = first; id <= last; ++id) list.ids.push_back(id);
  }
  std::sort(list.ids.begin(), list.ids.end());
  list.ids.erase(std::unique(list.ids.begin(), list.ids.end()), list.ids.end());
  return list;
}

}  // namespace xcallsim::scenario
