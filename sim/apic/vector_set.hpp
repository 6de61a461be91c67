// A set of the 256 interrupt vectors (the shape of IRR, ISR and TMR), with an
// O(1) highest-member query: four 64-bit words scanned from the top.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace xcallsim::apic {

class VectorSet {
 public:
  bool test(std::uint8_t v) const { return (words_[v >> 6] >> (v & 63)) & 1U; }
  void set(std::uint8_t v) { words_[v >> 6] |= bit(v); }
  void reset(std::uint8_t v) { words_[v >> 6] &= ~bit(v); }
  void assign(std::uint8_t v, bool on) { on ? set(v) : reset(v); }
  void clear() { words_ = {}; }

  // The highest vector in the set, or -1 when empty.
  int highest() const {
    for (int w = 3; w >= 0; --w) {
      const std::uint64_t word = words_[static_cast<std::size_t>(w)];
      if (word != 0) return w * 64 + 63 - std::countl_zero(word);
    }
    return -1;
  }
  bool empty() const { return (words_[0] | words_[1] | words_[2] | words_[3]) == 0; }
  int count() const {
    int n = 0;
    for (std::uint64_t word : words_) n += std::popcount(word);
    return n;
  }
  // Word i holds vectors [64 i, 64 i + 63]; bit j of it is vector 64 i + j.
  const std::array<std::uint64_t, 4>& words() const { return words_; }

  friend bool operator==(const VectorSet&, const VectorSet&) = default;

 private:
  static std::uint64_t bit(std::uint8_t v) { return std::uint64_t{1} << (v & 63); }
  std::array<std::uint64_t, 4> words_{};
};

}  // namespace xcallsim::apic
