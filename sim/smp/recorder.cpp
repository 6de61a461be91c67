// Recorder: the in-memory trace, mask table and call ids.
#include "sim/smp/recorder.hpp"

#include <stdexcept>
#include <string>

namespace xcallsim::smp::detail {

void Recorder::init(int cpu_count, double ghz) {
  trace_.cpu_count = cpu_count;
  trace_.ghz = ghz;
}

void Recorder::emit(const trace::Record& record) {
  if (!trace_.records.empty() && record.time < trace_.records.back().time) {
    throw std::logic_error("smp: trace record at " + std::to_string(record.time) +
                           " after one at " + std::to_string(trace_.records.back().time) +
                           " (a platform operation skipped its clock sync)");
  }
  trace_.records.push_back(record);
}

std::uint32_t Recorder::mask_id(const std::uint64_t* words, std::size_t bits) {
  const std::size_t cpus = static_cast<std::size_t>(trace_.cpu_count);
  std::vector<std::uint64_t> key((cpus + 63) / 64, 0);
  for (std::size_t w = 0; w < key.size() && w * 64 < bits; ++w) key[w] = words[w];
  if (cpus % 64 != 0) key.back() &= (std::uint64_t{1} << (cpus % 64)) - 1;
  const auto [it, added] =
      mask_ids_.try_emplace(std::move(key), static_cast<std::uint32_t>(trace_.masks.size()));
  if (added) trace_.masks.push_back(it->first);
  return it->second;
}

std::uint32_t Recorder::call_of_csd(std::uint32_t csd) const {
  const auto it = csd_calls_.find(csd);
  return it == csd_calls_.end() ? 0 : it->second;
}

}  // namespace xcallsim::smp::detail
