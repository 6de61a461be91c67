// Ready-made shared-word operations over plain_shared<T> with the GCC/Clang
// __atomic builtins: real atomics, no cost model. For platforms that run on
// real CPUs (the bare-metal guest, host threads); inherit and add the rest
// of the contract. Freestanding.
#pragma once

#include <stdint.h>

#include "xcall/platform/contract.hpp"

namespace xcallsim::xcall {

struct BuiltinAtomicsOps {
  template <class T>
  using shared = plain_shared<T>;

  template <class T>
  T load_acquire(const shared<T>& w) {
    return __atomic_load_n(&w.value, __ATOMIC_ACQUIRE);
  }
  template <class T>
  T load_relaxed(const shared<T>& w) {
    return __atomic_load_n(&w.value, __ATOMIC_RELAXED);
  }
  template <class T>
  void store_release(shared<T>& w, T v) {
    __atomic_store_n(&w.value, v, __ATOMIC_RELEASE);
  }
  template <class T>
  void store_relaxed(shared<T>& w, T v) {
    __atomic_store_n(&w.value, v, __ATOMIC_RELAXED);
  }
  template <class T>
  bool cmpxchg(shared<T>& w, T& expected, T desired) {
    return __atomic_compare_exchange_n(&w.value, &expected, desired, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
  }
  template <class T>
  T xchg(shared<T>& w, T v) {
    return __atomic_exchange_n(&w.value, v, __ATOMIC_SEQ_CST);
  }
  template <class T>
  T fetch_or(shared<T>& w, T v) {
    return __atomic_fetch_or(&w.value, v, __ATOMIC_SEQ_CST);
  }
};

}  // namespace xcallsim::xcall
