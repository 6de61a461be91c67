// CacheModel: owner/sharers per line, latency by distance; requests that need
// the owner (RFOs, downgrades of an exclusive line) queue at the line.
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

bool CacheModel::leaving(const Line& line, std::uint16_t cpu, Cycles now) {
  return now < line.ready_at &&
         std::find(line.leaving.begin(), line.leaving.end(), cpu) != line.leaving.end();
}

bool CacheModel::hits(int cpu, LineId line_id, Access kind, Cycles now) const {
  if (line_id >= lines_.size()) return false;
  const Line& line = lines_[line_id];
  const auto me = static_cast<std::uint16_t>(cpu);
  const bool held = std::binary_search(line.holders.begin(), line.holders.end(), me);
  if (kind == Access::Read) return held || leaving(line, me, now);
  return held && line.holders.size() == 1;
}

std::vector<int> CacheModel::holders(LineId line) const {
  if (line >= lines_.size()) return {};
  const auto& h = lines_[line].holders;
  return {h.begin(), h.end()};
}

CacheModel::Served CacheModel::serve(int cpu, LineId line_id, Access kind, Cycles now) {
  if (cpu < 0 || cpu >= topology_.cpu_count()) throw std::out_of_range("CacheModel: bad cpu");
  Line& line = line_at(line_id);
  auto& holders = line.holders;
  const auto me = static_cast<std::uint16_t>(cpu);
  const auto mine = std::lower_bound(holders.begin(), holders.end(), me);
  const bool held = mine != holders.end() && *mine == me;
  const Cycles hit = costs_.transfer[static_cast<int>(Distance::Self)];

  if (kind == Access::Read) {
    if (held || leaving(line, me, now)) {
      ++hits_;
      return {now, now + hit};
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
    const Cycles start = std::max(now, line.ready_at);
    const Cycles done = start + latency;
    if (line.exclusive) {
      // The owner must answer (and downgrade its copy): a request to the owner
      // queues like an RFO; readers of a shared line are served in parallel.
      line.ready_at = done;
      line.exclusive = false;
    }
    holders.insert(mine, me);
    return {start, done};
  }

  // Write / Atomic: needs the line exclusive.
  if (held && holders.size() == 1) {
    ++hits_;
    line.exclusive = true;
    return {now, now + hit};
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
  const Cycles start = std::max(now, line.ready_at);
  line.leaving.clear();
  for (std::uint16_t other : holders)
    if (other != me) line.leaving.push_back(other);
  holders.assign(1, me);
  line.exclusive = true;
  line.ready_at = start + latency;
  return {start, line.ready_at};
}

}  // namespace xcallsim::machine
