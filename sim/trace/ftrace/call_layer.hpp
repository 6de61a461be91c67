// Contract: the call layer's builder (internal to the ftrace importer; the
// entry point is build_call_layer() in importer.hpp). One Layer per import,
// run() once: it owns the pending records and returns the trace's records.
// Its passes (calls.cpp: dropping, pairing, attribution; enqueues.cpp:
// queue emptiness, inference, callback links) run in a fixed order over
// records sorted by time, so the result is a pure function of the input.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace::detail::calls {

constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
// Records of one CPU an enqueue looks ahead for the IPI it caused (the send
// follows within the same kernel function): keeps hostile input linear.
constexpr std::size_t kScanLimit = 256;
// Enqueues per target kept waiting for their callback; callbacks without
// events would otherwise keep every enqueue of the capture.
constexpr std::size_t kPendingLimit = 64;
// Open calls (or callback runs) per CPU a return (or exit) is matched
// against: real nesting is a few deep (a tick inside a wait); deeper ones
// are issues that never returned. Keeps matching linear on hostile input.
constexpr std::size_t kNestLimit = 64;

using Key = std::pair<std::uint16_t, Context>;  // cpu, context

struct Call {
  std::size_t issue = 0;  // index in pending
  std::size_t ret = kNoIndex;
  XcallIssue record;
  Context context = Context::Task;
  CondArg cond = CondArg::Unknown;
  std::uint32_t csd = kNone;
  bool enqueue_seen = false;
  std::vector<std::uint32_t> ipi_targets;  // cpus its IPIs (sent, elided, intended) covered
};

// Same family: a many_cond return pairs with an issue that SCF_RUN_LOCAL
// made an on_each_cpu one (probes.cpp).
inline Api family(Api api) {
  return api == Api::OnEachCpuCondMask ? Api::CallFunctionMany : api;
}

// `inner` is how `outer` is implemented in kernel/smp.c (SEMANTICS 15, 16):
// with both probed, the inner issue is the same call seen twice.
inline bool wraps(Api outer, Api inner) {
  switch (outer) {
    case Api::OnEachCpuCondMask:
    case Api::CallFunctionMany:
    case Api::CallFunction:
      return family(inner) == Api::CallFunctionMany;
    case Api::CallFunctionAny:
      return inner == Api::CallFunctionSingle;
    default:
      return false;
  }
}

inline bool is_many(Api api) {
  return family(api) == Api::CallFunctionMany || api == Api::CallFunction;
}

inline FuncSite site_of(CsdType type) {
  switch (csd_type_of(type)) {
    case CsdType::Sync:
      return FuncSite::FlushSync;
    case CsdType::Async:
      return FuncSite::FlushAsync;
    case CsdType::IrqWork:
      return FuncSite::FlushIrqWork;
    case CsdType::Ttwu:
      return FuncSite::FlushTtwu;
  }
  return FuncSite::FlushSync;
}

// A record that makes the target flush its queue: a call-function IPI
// (0xfb/0xfc) or the idle-poll elision. Not a reschedule IPI, nor 6.4's
// per-csd ipi_send_cpu(..., callback=func) events (vector 0: SEMANTICS 5).
inline bool wakes_flush(const Record& r) {
  if (r.kind == Kind::IpiElided) return true;
  if (r.kind != Kind::IpiSend) return false;
  const std::uint32_t vector = IpiSend::from(r).vector;
  return vector == kCallFunctionSingleVector || vector == kCallFunctionVector;
}

template <class X, class F>
void modify(Record& r, F&& f) {
  X x = X::from(r);
  f(x);
  r = x.to_record();
}

class Layer {
 public:
  Layer(std::vector<Pending> pending, const std::vector<std::vector<std::uint64_t>>& masks,
        int cpu_count, CallLayerStats& stats)
      : p_(std::move(pending)), masks_(masks), cpu_count_(cpu_count), stats_(stats) {}

  std::vector<Record> run();

 private:
  // A tracepoint beats a probe of the same fact: csd_queue_cpu fires inside
  // __smp_call_single_queue, which generic_exec_single calls.
  void drop_shadowed();
  bool queued_after(std::size_t exec) const;

  // A return closes the innermost open issue of its API family *and
  // context* on its CPU, not the stack top: a tick's async call inside a
  // waiting call must not steal the waiting call's return.
  void pair_returns();

  void drop_call(std::size_t issue);

  // Call ids in issue order; sender records go to the innermost active call
  // of their CPU and context. A call without a return (async single,
  // capture cut) stays active until the next issue, return, or interrupt
  // entry or exit of its context.
  void attribute();

  // Removes dropped records and inserts `extra` after the records they follow.
  void compact(const std::map<std::size_t, std::vector<Pending>>& extra);

  template <class F>
  void for_each_target(const Record& r, F&& f) const {
    if (r.kind == Kind::IpiElided) return f(IpiElided::from(r).target);
    const IpiSend send = IpiSend::from(r);
    if (!send.target_is_mask) return f(send.target);
    if (send.target >= masks_.size()) return;
    const auto& words = masks_[send.target];
    for (std::size_t w = 0; w < words.size(); ++w)
      for (std::uint32_t bit = 0; bit < 64; ++bit)
        if ((words[w] >> bit) & 1u) f(static_cast<std::uint32_t>(64 * w + bit));
  }

  bool covers(const Record& r, std::uint32_t target) const;

  // The first record after p_[i] on its CPU and in its context that answers
  // `hit` (true) or `stop` (false), looking at most kScanLimit records ahead.
  template <class Hit, class Stop>
  bool scan_after(std::size_t i, Hit&& hit, Stop&& stop) const {
    const auto& list = by_cpu_.at(p_[i].record.cpu);
    auto at = std::lower_bound(list.begin(), list.end(), i);
    for (std::size_t n = 0; ++at != list.end() && n < kScanLimit; ++n) {
      const Pending& q = p_[*at];
      if (q.context != p_[i].context) continue;
      if (hit(q.record)) return true;
      if (stop(q.record)) return false;
    }
    return false;
  }

  // An IPI (sent, elided, or intended) to the target before the CPU's next
  // enqueue there or its next call boundary: the queue was empty (SEMANTICS 10).
  void mark_empty_queues();

  // Callback runs of `func` on `cpu` with time in [from, to].
  bool ran(std::uint32_t cpu, std::uint32_t func, std::uint64_t from, std::uint64_t to) const;

  std::vector<std::uint32_t> requested(const Call& call) const;

  // The enqueues no event shows: the single path's one csd, the many path's
  // inlined llist_add per target (SEMANTICS 18): every requested target
  // without a cond function, else those an IPI or a callback run shows.
  void infer_enqueues();

  // Where a call's inferred enqueues go (they are inserted before this
  // index): its first IPI, elision, local run or return on its CPU and
  // context; kNoIndex if none follows (then right after its issue).
  std::size_t enqueue_point(const Call& call) const;

  // A callback on a CPU ran the oldest waiting enqueue there of its csd
  // (csd events) or its function (probes), skipping those of SYNC calls that
  // had returned before it (their run was not seen); its exit is the
  // innermost open run of that function on the CPU.
  void link_callbacks();

  // `call` is SYNC and returned before `time`: its csds have all run.
  bool returned_before(std::uint32_t call, std::uint64_t time) const;

  // send_call_function_single_ipi() hits told mark_empty_queues() which
  // queues were empty; they become IPIs only in a trace with no other send
  // events, and not where the idle-poll elision followed (SEMANTICS 11).
  void resolve_intents();

  std::vector<Pending> p_;
  const std::vector<std::vector<std::uint64_t>>& masks_;
  int cpu_count_;
  CallLayerStats& stats_;
  std::vector<bool> drop_;
  std::vector<std::size_t> ret_of_;
  std::vector<Call> calls_;                                   // call id - 1
  std::map<std::uint16_t, std::vector<std::size_t>> by_cpu_;  // indices, ascending
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint64_t>> runs_;
};

}  // namespace xcallsim::trace::ftrace::detail::calls
