// CacheModel: owner/sharers per line, latency by distance, serialized RFOs.
#include <algorithm>
#include <stdexcept>

#include "sim/machine/machine.hpp"

namespace xcallsim::machine {

CacheModel::CacheModel(const Topology& topology, const CacheCosts& costs)
    : topology_(topology), costs_(costs) {}

CacheModel::Line& CacheModel::line_at(LineId line) {
  if (line >= kMaxLines) throw std::out_of_range("CacheModel: line id beyond kMaxLines");
  if (line >= lines_.size()) lines_.resize(std::size_t{line} + 1);
  return lines_[line];
}

std::vector<int> CacheModel::holders(LineId line) const {
  if (line >= lines_.size()) return {};
  const auto& h = lines_[line].holders;
  return {h.begin(), h.end()};
}

Cycles CacheModel::access(int cpu, LineId line_id, Access kind, Cycles now) {
  if (cpu < 0 || cpu >= topology_.cpu_count()) throw std::out_of_range("CacheModel: bad cpu");
  Line& line = line_at(line_id);
  auto& holders = line.holders;
  const auto me = static_cast<std::uint16_t>(cpu);
  const auto mine = std::lower_bound(holders.begin(), holders.end(), me);
  const bool held = mine != holders.end() && *mine == me;
  const Cycles hit = costs_.transfer[static_cast<int>(Distance::Self)];

  if (kind == Access::Read) {
    if (held) {
      ++hits_;
      return now + hit;
    }
    // Served by the cheapest holder, after any in-flight ownership transfer.
    Cycles latency = costs_.memory;
    if (holders.empty()) {
      ++memory_fetches_;
    } else {
      latency = costs_.transfer[static_cast<int>(topology_.distance(cpu, holders.front()))];
      for (std::uint16_t other : holders) {
        latency =
            std::min(latency, costs_.transfer[static_cast<int>(topology_.distance(cpu, other))]);
      }
    }
    ++transfers_;
    holders.insert(mine, me);
    return std::max(now, line.ready_at) + latency;
  }

  // Write / Atomic: needs the line exclusive.
  if (held && holders.size() == 1) {
    ++hits_;
    return now + hit;
  }
  // Invalidate every holder; the farthest acknowledgement bounds the RFO.
  Cycles latency = 0;
  if (holders.empty()) {
    latency = costs_.memory;
    ++memory_fetches_;
  }
  for (std::uint16_t other : holders) {
    latency = std::max(latency, costs_.transfer[static_cast<int>(topology_.distance(cpu, other))]);
  }
  ++transfers_;
  holders.assign(1, me);
  line.ready_at = std::max(now, line.ready_at) + latency;
  return line.ready_at;
}

}  // namespace xcallsim::machine
