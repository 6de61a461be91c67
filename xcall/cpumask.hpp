// Fixed-size CPU bitmap (Linux struct cpumask) for up to N CPUs.
// Contract: a plain value type, no sharing: each CPU's cfd masks are private
// to that CPU (SEMANTICS 2.1.4), so nothing here goes through the Platform.
// Out-of-range CPU numbers are ignored by set/clear and test false; iteration
// is always in ascending CPU order; "none" is -1. Freestanding.
#pragma once

#include <stdint.h>

namespace xcallsim::xcall {

template <int N>
class cpumask {
  static_assert(N > 0, "a cpumask needs at least one CPU");

 public:
  static constexpr int kBits = N;
  static constexpr int kWords = (N + 63) / 64;

  constexpr cpumask() = default;

  static constexpr cpumask of(int cpu) {
    cpumask m;
    m.set(cpu);
    return m;
  }
  // CPUs [0, count): e.g. "all possible CPUs" for count = nr_cpu_ids.
  static constexpr cpumask first_n(int count) {
    cpumask m;
    for (int cpu = 0; cpu < count && cpu < N; ++cpu) m.set(cpu);
    return m;
  }

  constexpr void set(int cpu) {
    if (in_range(cpu)) words_[word(cpu)] |= bit(cpu);
  }
  constexpr void clear(int cpu) {
    if (in_range(cpu)) words_[word(cpu)] &= ~bit(cpu);
  }
  constexpr bool test(int cpu) const {
    return in_range(cpu) && (words_[word(cpu)] & bit(cpu)) != 0;
  }
  constexpr void clear_all() {
    for (auto& w : words_) w = 0;
  }

  constexpr bool empty() const {
    for (auto w : words_)
      if (w != 0) return false;
    return true;
  }
  constexpr int weight() const {
    int n = 0;
    for (auto w : words_) n += __builtin_popcountll(w);
    return n;
  }
  constexpr int first() const { return next(-1); }
  // The lowest set CPU greater than `cpu`, or -1.
  constexpr int next(int cpu) const {
    int start = cpu + 1;
    if (start < 0) start = 0;
    for (int w = start / 64; w < kWords; ++w) {
      uint64_t bits = words_[w];
      if (w == start / 64) bits &= ~uint64_t{0} << (start % 64);
      if (bits != 0) return w * 64 + __builtin_ctzll(bits);
    }
    return -1;
  }
  // Calls f(cpu) for every set CPU, ascending.
  template <class F>
  constexpr void for_each(F&& f) const {
    for (int cpu = first(); cpu >= 0; cpu = next(cpu)) f(cpu);
  }

  constexpr cpumask& operator&=(const cpumask& o) {
    for (int w = 0; w < kWords; ++w) words_[w] &= o.words_[w];
    return *this;
  }
  constexpr cpumask& operator|=(const cpumask& o) {
    for (int w = 0; w < kWords; ++w) words_[w] |= o.words_[w];
    return *this;
  }
  constexpr cpumask& andnot(const cpumask& o) {
    for (int w = 0; w < kWords; ++w) words_[w] &= ~o.words_[w];
    return *this;
  }
  friend constexpr cpumask operator&(cpumask a, const cpumask& b) { return a &= b; }
  friend constexpr cpumask operator|(cpumask a, const cpumask& b) { return a |= b; }
  friend constexpr bool operator==(const cpumask& a, const cpumask& b) {
    for (int w = 0; w < kWords; ++w)
      if (a.words_[w] != b.words_[w]) return false;
    return true;
  }
  // cpumask_first_and(): the lowest CPU set in both, or -1.
  constexpr int first_and(const cpumask& o) const { return (*this & o).first(); }

  // Raw view for trace writers (bit c of word c/64 is CPU c).
  constexpr const uint64_t* words() const { return words_; }

 private:
  static constexpr bool in_range(int cpu) { return cpu >= 0 && cpu < N; }
  static constexpr int word(int cpu) { return cpu / 64; }
  static constexpr uint64_t bit(int cpu) { return uint64_t{1} << (cpu % 64); }

  uint64_t words_[kWords] = {};
};

}  // namespace xcallsim::xcall
