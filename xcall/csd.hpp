// The call-single data structures of SEMANTICS 2.1 and the lock-free llist
// they are queued on, parameterized by the Platform's shared-word type.
// Contract: a csd is owned by whoever allocated it (a sender's cfd slot, a
// CPU's csd_data, a stack frame, or the caller of smp_xcall_private); while
// CSD_FLAG_LOCK is set it belongs to the mechanism and must not be touched.
// Fields are accessed only through the Platform (see platform/contract.hpp).
// Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "xcall/types.hpp"

namespace xcallsim::xcall {

// struct llist_node / llist_head (include/linux/llist.h).
template <class P>
struct llist_node {
  typename P::template shared<llist_node*> next;
};
template <class P>
struct llist_head {
  typename P::template shared<llist_node<P>*> first;
};

// struct __call_single_node: the entry type of call_single_queue. src/dst are
// written only with CSD lock-wait debugging on (SEMANTICS 2.1.1).
template <class P>
struct call_single_node {
  llist_node<P> llist;
  typename P::template shared<uint32_t> u_flags;
  typename P::template shared<uint16_t> src;
  typename P::template shared<uint16_t> dst;
};

namespace detail {
constexpr size_t pow2_at_least(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
template <class P>
constexpr size_t csd_alignment() {
  return pow2_at_least(sizeof(call_single_node<P>) +
                       sizeof(typename P::template shared<smp_call_func_t>) +
                       sizeof(typename P::template shared<void*>));
}
}  // namespace detail

// call_single_data_t: aligned to its own (power-of-two) size so that one csd
// never spans two cache lines (SEMANTICS 2.1.3). CSD_INIT leaves the flags 0:
// ASYNC and unlocked.
template <class P>
struct alignas(detail::csd_alignment<P>()) call_single_data {
  call_single_node<P> node;
  typename P::template shared<smp_call_func_t> func;
  typename P::template shared<void*> info;
};

// container_of(node, call_single_data, node.llist): valid because both are
// standard-layout and llist is the first member of the first member.
template <class P>
call_single_data<P>* csd_of(llist_node<P>* node) {
  static_assert(__is_standard_layout(call_single_data<P>), "csd must be standard-layout");
  static_assert(offsetof(call_single_data<P>, node) == 0, "node must come first");
  return reinterpret_cast<call_single_data<P>*>(node);
}

// llist_add(): cmpxchg push at the head; true if the list was empty before.
template <class P>
bool llist_add(P& p, llist_node<P>* node, llist_head<P>& head) {
  llist_node<P>* first = p.load_relaxed(head.first);
  do {
    p.store_relaxed(node->next, first);
  } while (!p.cmpxchg(head.first, first, node));
  return first == nullptr;
}

// llist_del_all(): take the whole chain, newest first.
template <class P>
llist_node<P>* llist_del_all(P& p, llist_head<P>& head) {
  return p.xchg(head.first, static_cast<llist_node<P>*>(nullptr));
}

// llist_reverse_order(): newest-first chain -> FIFO; counts the entries.
template <class P>
llist_node<P>* llist_reverse_order(P& p, llist_node<P>* head, int& count) {
  llist_node<P>* reversed = nullptr;
  count = 0;
  while (head != nullptr) {
    llist_node<P>* entry = head;
    head = p.load_relaxed(head->next);
    p.store_relaxed(entry->next, reversed);
    reversed = entry;
    ++count;
  }
  return reversed;
}

}  // namespace xcallsim::xcall
