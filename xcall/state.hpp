// Per-CPU and global state of the cross-call mechanism (SEMANTICS 2.1.4),
// laid over storage the platform allocates.
// Contract: the platform provides value-initialized arrays (all shared words
// zero): `percpu[nr]` and `cfd_csds[nr * nr]` (target-major:
// like Linux's alloc_percpu, a sender's csds for different targets live in
// different targets' areas, so targets unlocking them do not false-share), keeps them alive
// as long as the Xcall object, and never touches them itself. The library
// never allocates. cfd masks in XcallPerCpu are private to their CPU (used
// with preemption off); everything else is shared and accessed through the
// Platform only.
#pragma once

#include <stdint.h>

#include "xcall/cpumask.hpp"
#include "xcall/csd.hpp"
#include "xcall/trace_events.hpp"

namespace xcallsim::xcall {

// csd_lock_record(): what a CPU's flush is running now, for stuck reports.
template <class P>
struct CsdRecord {
  typename P::template shared<call_single_data<P>*> cur_csd;
  typename P::template shared<smp_call_func_t> cur_csd_func;
  typename P::template shared<void*> cur_csd_info;
};

template <class P>
struct alignas(64) XcallPerCpu {
  // DEFINE_PER_CPU_SHARED_ALIGNED(call_single_queue): every sender writes it.
  alignas(64) llist_head<P> call_single_queue;
  // Upstream async smp_call_function_single() csd (csd_data).
  alignas(64) call_single_data<P> csd_data;
  alignas(64) CsdRecord<P> record;
  // cfd_data: this CPU as a sender; csds live in XcallState::cfd_csd().
  cpumask<P::max_cpus> cfd_cpumask;
  cpumask<P::max_cpus> cfd_cpumask_ipi;
};

template <class P>
struct XcallGlobals {
  typename P::template shared<uint32_t> csd_bug_count;       // SEM-30 bug ids
  typename P::template shared<uint32_t> offline_ipi_warned;  // SEM-21 "static bool warned"
};

template <class P>
class XcallState {
 public:
  constexpr XcallState(XcallPerCpu<P>* percpu, call_single_data<P>* cfd_csds, int nr_cpus)
      : percpu_(percpu), cfd_csds_(cfd_csds), nr_cpus_(nr_cpus) {}
  XcallState(const XcallState&) = delete;
  XcallState& operator=(const XcallState&) = delete;

  int nr_cpus() const { return nr_cpus_; }
  XcallPerCpu<P>& cpu(int c) { return percpu_[c]; }
  // The csd `sender` uses for `target` in mask calls (cfd->pcpu[target].csd).
  call_single_data<P>& cfd_csd(int sender, int target) {
    return cfd_csds_[static_cast<long>(target) * nr_cpus_ + sender];
  }
  XcallGlobals<P>& globals() { return globals_; }

  // Identify a csd for tracing from its address alone (no memory access).
  // Stack and caller-owned csds are both reported as External.
  void classify(const void* csd, CsdKind& kind, int& owner, int& index) const {
    const auto a = reinterpret_cast<uintptr_t>(csd);
    const auto cfd0 = reinterpret_cast<uintptr_t>(cfd_csds_);
    const auto cfd_end =
        reinterpret_cast<uintptr_t>(cfd_csds_ + static_cast<long>(nr_cpus_) * nr_cpus_);
    owner = index = -1;
    kind = csd == nullptr ? CsdKind::None : CsdKind::External;
    if (a >= cfd0 && a < cfd_end) {
      const long slot = static_cast<long>((a - cfd0) / sizeof(call_single_data<P>));
      kind = CsdKind::Cfd;
      owner = static_cast<int>(slot % nr_cpus_);
      index = static_cast<int>(slot / nr_cpus_);
      return;
    }
    const auto pc0 = reinterpret_cast<uintptr_t>(percpu_);
    const auto pc_end = reinterpret_cast<uintptr_t>(percpu_ + nr_cpus_);
    if (a >= pc0 && a < pc_end) {
      const int c = static_cast<int>((a - pc0) / sizeof(XcallPerCpu<P>));
      if (csd == &percpu_[c].csd_data) {
        kind = CsdKind::CsdData;
        owner = c;
      }
    }
  }

 private:
  XcallPerCpu<P>* percpu_;
  call_single_data<P>* cfd_csds_;
  int nr_cpus_;
  XcallGlobals<P> globals_{};
};

// Static storage for a fixed CPU count (the guest): `storage.state` is ready
// to hand to Xcall. Large N belongs on the heap of a hosted platform instead.
template <class P, int N>
struct XcallStaticStorage {
  XcallPerCpu<P> percpu[N]{};
  call_single_data<P> cfd[N * N]{};
  XcallState<P> state{percpu, cfd, N};
};

}  // namespace xcallsim::xcall
