// The call layer of an imported trace, first passes: shadowed probes,
// return pairing, attribution (call_layer.hpp; docs/ftrace-import.md "Calls").
#include <algorithm>

#include "sim/trace/ftrace/call_layer.hpp"

namespace xcallsim::trace::ftrace::detail {
namespace calls {

std::vector<Record> Layer::run() {
  drop_shadowed();
  pair_returns();
  attribute();
  compact({});
  mark_empty_queues();
  infer_enqueues();
  link_callbacks();
  resolve_intents();
  std::vector<Record> out;
  out.reserve(p_.size());
  for (std::size_t i = 0; i < p_.size(); ++i)
    if (!drop_[i]) out.push_back(p_[i].record);
  return out;
}

// A tracepoint beats a probe of the same fact: csd_queue_cpu fires inside
// __smp_call_single_queue, which generic_exec_single calls.
void Layer::drop_shadowed() {
  bool csd_queue = false, csd_func = false, queue_probe = false;
  for (const Pending& p : p_) {
    csd_queue |= p.origin == Origin::CsdTracepoint && p.record.kind == Kind::CsdQueue;
    csd_func |= p.origin == Origin::CsdTracepoint && p.record.kind != Kind::CsdQueue;
    queue_probe |= p.origin == Origin::QueueProbe;
  }
  drop_.assign(p_.size(), false);
  for (std::size_t i = 0; i < p_.size(); ++i) {
    const Origin o = p_[i].origin;
    drop_[i] = (o == Origin::QueueProbe && csd_queue) ||
               (o == Origin::ExecProbe && (csd_queue || (queue_probe && queued_after(i)))) ||
               (o == Origin::CallbackProbe && csd_func);
  }
}

// A generic_exec_single hit is shadowed by the __smp_call_single_queue hit
// it makes, the next enqueue on its CPU and context, for the same target.
// Where the build inlined __smp_call_single_queue into generic_exec_single
// (Debian's 6.1), that probe sees only the TTWU wakelist: the exec hit stays.
bool Layer::queued_after(std::size_t i) const {
  const Pending& exec = p_[i];
  const std::uint32_t target = CsdQueue::from(exec.record).target;
  // At most kScanLimit records of any CPU ahead (the hit follows at once on
  // its CPU), so hostile input with many exec hits stays linear.
  for (std::size_t j = i + 1; j < p_.size() && j - i <= kScanLimit; ++j) {
    const Pending& q = p_[j];
    if (q.record.cpu != exec.record.cpu || q.context != exec.context) continue;
    if (q.record.kind == Kind::CsdQueue)
      return q.origin == Origin::QueueProbe && CsdQueue::from(q.record).target == target;
    if (q.record.kind == Kind::XcallIssue || q.record.kind == Kind::XcallReturn) return false;
  }
  return false;
}

// A return closes the innermost open issue of its API family *and
// context* on its CPU, not the stack top: a tick's async call inside a
// waiting call must not steal the waiting call's return.
void Layer::pair_returns() {
  ret_of_.assign(p_.size(), kNoIndex);
  std::map<std::uint16_t, std::vector<std::size_t>> open;
  for (std::size_t i = 0; i < p_.size(); ++i) {
    if (drop_[i]) continue;
    const Record& r = p_[i].record;
    if (r.kind == Kind::XcallIssue) {
      auto& stack = open[r.cpu];
      stack.push_back(i);
      if (stack.size() > kNestLimit) stack.erase(stack.begin());  // unreturned, and buried
    }
    if (r.kind != Kind::XcallReturn) continue;
    auto& stack = open[r.cpu];
    const Api api = family(XcallReturn::from(r).api);
    auto it = std::find_if(stack.rbegin(), stack.rend(), [&](std::size_t j) {
      return family(XcallIssue::from(p_[j].record).api) == api && p_[j].context == p_[i].context;
    });
    if (it == stack.rend()) {  // its issue lies before the capture (or window) began
      drop_[i] = true;
      ++stats_.returns_dropped;
      continue;
    }
    ret_of_[*it] = i;
    stack.erase(std::next(it).base());
  }
}

void Layer::drop_call(std::size_t issue) {
  drop_[issue] = true;
  if (ret_of_[issue] != kNoIndex) drop_[ret_of_[issue]] = true;
}

// Call ids in issue order; sender records go to the innermost active call
// of their CPU and context. A call without a return (async single,
// capture cut) stays active until the next issue, return, or interrupt
// entry or exit of its context.
void Layer::attribute() {
  struct Active {
    std::uint32_t call;
    bool weak;
  };
  std::map<Key, std::vector<Active>> active;
  std::map<std::size_t, std::uint32_t> call_of_return;
  for (std::size_t i = 0; i < p_.size(); ++i) {
    if (drop_[i]) continue;
    Pending& p = p_[i];
    Record& r = p.record;
    auto& stack = active[{r.cpu, p.context}];
    auto pop_weak = [&] {
      while (!stack.empty() && stack.back().weak) stack.pop_back();
    };
    const Call* top = stack.empty() ? nullptr : &calls_[stack.back().call - 1];
    switch (r.kind) {
      case Kind::XcallIssue: {
        pop_weak();
        top = stack.empty() ? nullptr : &calls_[stack.back().call - 1];
        const XcallIssue issue = XcallIssue::from(r);
        if (top != nullptr && wraps(top->record.api, issue.api) && top->record.func == issue.func) {
          drop_call(i);
          break;
        }
        Call call{.issue = i,
                  .ret = ret_of_[i],
                  .record = issue,
                  .context = p.context,
                  .cond = p.cond,
                  .csd = p.csd,
                  .enqueue_seen = false,
                  .ipi_targets = {}};
        calls_.push_back(std::move(call));
        r.call = static_cast<std::uint32_t>(calls_.size());
        calls_.back().record.call = r.call;
        stack.push_back({r.call, ret_of_[i] == kNoIndex});
        if (ret_of_[i] != kNoIndex) call_of_return[ret_of_[i]] = r.call;
        break;
      }
      case Kind::XcallReturn: {
        const std::uint32_t id = call_of_return[i];
        const Api api = calls_[id - 1].record.api;
        modify<XcallReturn>(r, [&](XcallReturn& x) {
          x.call = id;
          x.api = api;
        });
        while (!stack.empty() && stack.back().call != id) stack.pop_back();
        if (!stack.empty()) stack.pop_back();
        break;
      }
      // An interrupt's entry ends a returnless call of its context too: a
      // tick's async call is over by the next handler on that CPU (hardirq
      // handlers do not nest), even where the tick's own exit is not traced,
      // so that handler's callbacks are not the async call's local run.
      case Kind::IrqEntry:
      case Kind::IrqExit:
        pop_weak();
        break;
      case Kind::CsdQueue:
      case Kind::IpiSend:
      case Kind::IpiElided:
        if (top != nullptr) {
          r.call = top->record.call;
          Call& call = calls_[r.call - 1];
          call.enqueue_seen |= r.kind == Kind::CsdQueue;
          if (wakes_flush(r))
            for_each_target(r, [&](std::uint32_t t) { call.ipi_targets.push_back(t); });
        }
        break;
      case Kind::FuncEntry: {
        FuncEntry entry = FuncEntry::from(r);
        // A probed callback run by its caller in the caller's context is the local run.
        if (top != nullptr && entry.csd == kNone && !entry.local &&
            top->record.func == entry.func && p.origin == Origin::CallbackProbe) {
          entry.local = true;
          entry.site = FuncSite::Local;
        }
        if (entry.local && top != nullptr) entry.call = top->record.call;
        r = entry.to_record();
        break;
      }
      default:
        break;
    }
  }
}

// Removes dropped records and inserts `extra` after the records they follow.
void Layer::compact(const std::map<std::size_t, std::vector<Pending>>& extra) {
  std::vector<Pending> kept;
  std::vector<std::size_t> index(p_.size(), kNoIndex);
  for (std::size_t i = 0; i < p_.size(); ++i) {
    if (!drop_[i]) {
      index[i] = kept.size();
      kept.push_back(std::move(p_[i]));
    }
    if (auto it = extra.find(i); it != extra.end())
      kept.insert(kept.end(), it->second.begin(), it->second.end());
  }
  for (Call& call : calls_) {
    call.issue = index[call.issue];
    call.ret = call.ret == kNoIndex ? kNoIndex : index[call.ret];
  }
  p_ = std::move(kept);
  drop_.assign(p_.size(), false);
  by_cpu_.clear();
  for (std::size_t i = 0; i < p_.size(); ++i) by_cpu_[p_[i].record.cpu].push_back(i);
}

bool Layer::covers(const Record& r, std::uint32_t target) const {
  if (!wakes_flush(r)) return false;
  bool hit = false;
  for_each_target(r, [&](std::uint32_t t) { hit |= t == target; });
  return hit;
}

}  // namespace calls

std::vector<Record> build_call_layer(std::vector<Pending> pending,
                                     const std::vector<std::vector<std::uint64_t>>& masks,
                                     int cpu_count, CallLayerStats& stats) {
  return calls::Layer(std::move(pending), masks, cpu_count, stats).run();
}

}  // namespace xcallsim::trace::ftrace::detail
