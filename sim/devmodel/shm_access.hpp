// Host-side access to the shared region (internal to sim/devmodel).
// Contract: every load or store of a shared word is a single atomic access
// (the guest runs concurrently in another process), so a value is read
// exactly once and TSan sees no plain race. Guest-written words are loaded;
// host-written words are stored; nothing here validates (request.hpp does).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "sim/devmodel/shm_layout.hpp"

namespace xcallsim::devmodel::detail {

template <class T>
T load_relaxed(const T* p) {
  return __atomic_load_n(p, __ATOMIC_RELAXED);
}
template <class T>
T load_acquire(const T* p) {
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
template <class T>
void store_relaxed(T* p, T v) {
  __atomic_store_n(p, v, __ATOMIC_RELAXED);
}
template <class T>
void store_release(T* p, T v) {
  __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
inline void fence_release() {
  __atomic_thread_fence(__ATOMIC_RELEASE);
}
inline void fence_acquire() {
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
}

// The one read of a request entry: each field loaded once into a private copy.
inline shm::Request copy_request(const shm::Request* src) {
  shm::Request c;
  c.seq = load_relaxed(&src->seq);
  c.op = load_relaxed(&src->op);
  c.flags = load_relaxed(&src->flags);
  c.arg0 = load_relaxed(&src->arg0);
  c.arg1 = load_relaxed(&src->arg1);
  c.tsc = load_relaxed(&src->tsc);
  c.reserved = load_relaxed(&src->reserved);
  c.check = load_relaxed(&src->check);
  return c;
}

// A ring entry as the bytes it holds: a trace record's wire form, loaded as
// the four 64-bit words the guest stores (guest/devmodel/devmodel.hpp).
inline std::array<unsigned char, shm::kTraceEntrySize> copy_trace_entry(
    const shm::TraceEntry* src) {
  const auto* words = reinterpret_cast<const std::uint64_t*>(src);
  std::uint64_t copy[shm::kTraceEntrySize / 8];
  for (std::size_t i = 0; i < shm::kTraceEntrySize / 8; ++i) copy[i] = load_relaxed(&words[i]);
  std::array<unsigned char, shm::kTraceEntrySize> out{};
  std::memcpy(out.data(), copy, out.size());
  return out;
}

}  // namespace xcallsim::devmodel::detail
