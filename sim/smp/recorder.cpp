// Recorder: the in-memory trace, mask table and call ids.
#include "sim/smp/recorder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace xcallsim::smp::detail {

void Recorder::init(int cpu_count, double ghz) {
  trace_.cpu_count = cpu_count;
  trace_.ghz = ghz;
}

void Recorder::emit(const trace::Record& record) {
  if (record.time < last_time_) {
    throw std::logic_error("smp: trace record at " + std::to_string(record.time) +
                           " after one at " + std::to_string(last_time_) +
                           " (a platform operation skipped its clock sync)");
  }
  last_time_ = record.time;
  if (sink_ != nullptr)
    sink_->record(record);
  else
    trace_.records.push_back(record);
}

void Recorder::add_function(std::string name) {
  trace_.functions.push_back(std::move(name));
  if (sink_ != nullptr) sink_->function(trace_.functions.back());
}

void Recorder::set_sink(trace::RecordSink* sink) {
  sink_ = sink;
  if (sink_ == nullptr) return;
  for (const std::string& name : trace_.functions) sink_->function(name);
  for (const auto& words : trace_.masks) sink_->mask(words);
}

std::uint32_t Recorder::mask_id(const std::uint64_t* words, std::size_t bits) {
  const std::size_t cpus = static_cast<std::size_t>(trace_.cpu_count);
  std::vector<std::uint64_t> key((cpus + 63) / 64, 0);
  for (std::size_t w = 0; w < key.size() && w * 64 < bits; ++w) key[w] = words[w];
  if (cpus % 64 != 0) key.back() &= (std::uint64_t{1} << (cpus % 64)) - 1;
  const auto [it, added] =
      mask_ids_.try_emplace(std::move(key), static_cast<std::uint32_t>(trace_.masks.size()));
  if (added) {
    trace_.masks.push_back(it->first);
    if (sink_ != nullptr) sink_->mask(trace_.masks.back());
  }
  return it->second;
}

namespace {
// Dense csd ids stay below (N + 2 + slots) * N; the table grows to cover them.
constexpr std::uint32_t kDenseCsdLimit = std::uint32_t{1} << 24;
}  // namespace

void Recorder::bind_csd(std::uint32_t csd, std::uint32_t call) {
  if (csd >= kDenseCsdLimit) {
    other_csd_calls_[csd] = call;
    return;
  }
  if (csd >= csd_calls_.size())
    csd_calls_.resize(std::max<std::size_t>(std::size_t{csd} + 1, 2 * csd_calls_.size()), 0);
  csd_calls_[csd] = call;
}

std::uint32_t Recorder::other_call_of_csd(std::uint32_t csd) const {
  const auto it = other_csd_calls_.find(csd);
  return it == other_csd_calls_.end() ? 0 : it->second;
}

}  // namespace xcallsim::smp::detail
