// The simulator-owned memory every shared word lives in (internal to sim/smp).
// Contract: one contiguous, page-aligned, zero-filled mapping whose layout
// depends only on the inputs (CPU count, sizes), never on host addresses, so
// a word's arena line is (offset in arena) / 64 and identical across runs.
// carve() hands out aligned pieces in call order; guard() makes a page range
// inaccessible (stack overflow traps instead of corrupting a neighbour).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/machine/machine.hpp"

namespace xcallsim::smp::detail {

inline constexpr std::size_t kLineBytes = 64;
inline constexpr std::size_t kPageBytes = 4096;

constexpr std::size_t align_up(std::size_t n, std::size_t align) {
  return (n + align - 1) / align * align;
}

class Arena {
 public:
  explicit Arena(std::size_t bytes);  // throws std::bad_alloc if the mapping fails
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // The next `bytes` at `align` (a power of two); throws std::logic_error when full.
  void* carve(std::size_t bytes, std::size_t align);
  void guard(void* page_aligned, std::size_t bytes);

  bool contains(const void* p) const {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    return a >= base() && a < base() + size_;
  }
  std::size_t offset_of(const void* p) const {
    return reinterpret_cast<std::uintptr_t>(p) - base();
  }
  // The cache line of a word; throws std::logic_error outside the arena.
  // Inline: every simulated access asks.
  machine::LineId line_of(const void* p) const {
    if (!contains(p)) [[unlikely]]
      outside();
    return static_cast<machine::LineId>(offset_of(p) / kLineBytes);
  }
  std::size_t size() const { return size_; }
  std::size_t used() const { return next_; }

 private:
  void unpoison();  // ASan: forget poison left from an earlier mapping here
  [[noreturn, gnu::cold]] static void outside();
  std::uintptr_t base() const { return reinterpret_cast<std::uintptr_t>(memory_); }
  void* memory_ = nullptr;
  std::size_t size_ = 0;
  std::size_t next_ = 0;
};

}  // namespace xcallsim::smp::detail
