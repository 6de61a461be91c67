// Host-side access to the shared region (internal to sim/devmodel).
// Contract: every load or store of a shared word is a single atomic access
// (the guest runs concurrently in another process), so a value is read
// exactly once and TSan sees no plain race. Guest-written words are loaded;
// host-written words are stored; nothing here validates (request.hpp does).
#pragma once

#include <cstdint>

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

inline shm::TraceEntry copy_trace_entry(const shm::TraceEntry* src) {
  shm::TraceEntry c;
  c.time = load_relaxed(&src->time);
  c.kind = load_relaxed(&src->kind);
  c.cpu = load_relaxed(&src->cpu);
  c.call = load_relaxed(&src->call);
  c.a = load_relaxed(&src->a);
  c.b = load_relaxed(&src->b);
  c.c = load_relaxed(&src->c);
  c.d = load_relaxed(&src->d);
  return c;
}

}  // namespace xcallsim::devmodel::detail
