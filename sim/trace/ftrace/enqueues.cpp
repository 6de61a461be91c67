// The call layer of an imported trace, enqueue passes: queue emptiness,
// inferred enqueues, callback links, IPI intents (call_layer.hpp).
#include <algorithm>
#include <bit>
#include <deque>

#include "sim/trace/ftrace/call_layer.hpp"

namespace xcallsim::trace::ftrace::detail::calls {

// An IPI (sent, elided, or intended) to the target before the CPU's next
// enqueue there or its next call boundary: the queue was empty (SEMANTICS 10).
void Layer::mark_empty_queues() {
  for (std::size_t i = 0; i < p_.size(); ++i) {
    Record& r = p_[i].record;
    if (r.kind != Kind::CsdQueue) continue;
    CsdQueue queue = CsdQueue::from(r);
    queue.queue_was_empty = scan_after(
        i, [&](const Record& q) { return covers(q, queue.target); },
        [&](const Record& q) {
          return q.kind == Kind::XcallIssue || q.kind == Kind::XcallReturn ||
                 (q.kind == Kind::CsdQueue && CsdQueue::from(q).target == queue.target);
        });
    if (r.call != 0 && queue.type == CsdType::Async)
      queue.type = csd_type_of(calls_[r.call - 1].record.flags);
    r = queue.to_record();
  }
}

// Callback runs of `func` on `cpu` with time in [from, to].
bool Layer::ran(std::uint32_t cpu, std::uint32_t func, std::uint64_t from, std::uint64_t to) const {
  auto it = runs_.find({cpu, func});
  if (it == runs_.end()) return false;
  auto at = std::lower_bound(it->second.begin(), it->second.end(), from);
  return at != it->second.end() && *at <= to;
}

std::vector<std::uint32_t> Layer::requested(const Call& call) const {
  std::vector<std::uint32_t> out;
  const XcallIssue& issue = call.record;
  if (!issue.target_is_mask) {  // smp_call_function: every other CPU
    for (std::uint32_t cpu = 0; cpu < static_cast<std::uint32_t>(cpu_count_); ++cpu)
      if (cpu != issue.cpu) out.push_back(cpu);
    return out;
  }
  if (issue.target >= masks_.size()) return out;
  const auto& words = masks_[issue.target];
  for (std::size_t w = 0; w < words.size(); ++w)
    for (std::uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
      const auto cpu = static_cast<std::uint32_t>(64 * w + std::countr_zero(bits));
      if (cpu != issue.cpu) out.push_back(cpu);
    }
  return out;
}

std::size_t Layer::enqueue_point(const Call& call) const {
  const std::uint32_t id = call.record.call;
  const auto& list = by_cpu_.at(call.record.cpu);
  auto at = std::lower_bound(list.begin(), list.end(), call.issue);
  for (std::size_t n = 0; at != list.end() && ++at != list.end() && n < kScanLimit; ++n) {
    const Pending& q = p_[*at];
    if (q.context != call.context || q.record.call != id) continue;
    const Kind k = q.record.kind;
    if (k == Kind::IpiSend || k == Kind::IpiElided || k == Kind::XcallReturn ||
        (k == Kind::FuncEntry && FuncEntry::from(q.record).local))
      return *at;
  }
  return kNoIndex;
}

// The enqueues no event shows: the single path's one csd, the many path's
// inlined llist_add per target (SEMANTICS 18): every requested target
// without a cond function, else those an IPI or a callback run shows.
void Layer::infer_enqueues() {
  for (const Pending& p : p_) {
    const Record& r = p.record;
    if (r.kind == Kind::FuncEntry && !FuncEntry::from(r).local)
      runs_[{r.cpu, FuncEntry::from(r).func}].push_back(r.time);
  }
  std::map<std::size_t, std::vector<Pending>> extra;
  // A guard for hostile input (a 65536-CPU header and many all-CPU calls):
  // real captures infer far fewer csds than this per record.
  const std::uint64_t budget = 16 * std::uint64_t{p_.size()} + 65536;
  for (std::size_t c = 0; c < calls_.size() && stats_.inferred_enqueues < budget; ++c) {
    Call& call = calls_[c];
    const XcallIssue& issue = call.record;
    if (call.enqueue_seen) continue;
    std::sort(call.ipi_targets.begin(), call.ipi_targets.end());
    if (call.ret != kNoIndex && XcallReturn::from(p_[call.ret].record).ret < 0) continue;
    std::vector<std::uint32_t> targets;
    auto ipi_to = [&](std::uint32_t t) {
      return std::binary_search(call.ipi_targets.begin(), call.ipi_targets.end(), t);
    };
    if (issue.api == Api::CallFunctionSingle || issue.api == Api::CallFunctionSingleAsync) {
      if (issue.target < static_cast<std::uint32_t>(cpu_count_) && issue.target != issue.cpu)
        targets.push_back(issue.target);
    } else if (issue.api == Api::CallFunctionAny) {
      if (!call.ipi_targets.empty()) targets.push_back(call.ipi_targets.front());
    } else if (is_many(issue.api)) {
      const bool sync = csd_type_of(issue.flags) == CsdType::Sync;
      const std::uint64_t until =
          sync && call.ret != kNoIndex ? p_[call.ret].record.time : ~std::uint64_t{0};
      for (std::uint32_t t : requested(call))
        if (call.cond == CondArg::Absent || ipi_to(t) ||
            (issue.func != kNoFunc && ran(t, issue.func, issue.time, until)))
          targets.push_back(t);
    }
    // The llist_adds come after the csd_lock waits, right before the call's
    // IPIs (or its local run, or its wait): there, not at the issue, which
    // may be milliseconds earlier, so callbacks find their csd in queue order.
    const std::size_t before = enqueue_point(call);
    const std::size_t after = before == kNoIndex ? call.issue : before - 1;
    const std::uint64_t at = before == kNoIndex ? issue.time : p_[before].record.time;
    for (std::uint32_t t : targets) {
      Pending q{.record = CsdQueue{.time = at,
                                   .cpu = issue.cpu,
                                   .call = issue.call,
                                   .target = t,
                                   .csd = call.csd,
                                   .type = csd_type_of(issue.flags),
                                   .queue_was_empty = ipi_to(t),
                                   .inferred = true}
                              .to_record(),
                .context = call.context};
      extra[after].push_back(q);
      ++stats_.inferred_enqueues;
    }
  }
  // Two calls' enqueues may follow one record (one placed at its IPI, one at
  // an issue with nothing after it): keep the trace in time order.
  for (auto& [after, queued] : extra)
    std::stable_sort(queued.begin(), queued.end(), [](const Pending& a, const Pending& b) {
      return a.record.time < b.record.time;
    });
  compact(extra);
}

// A callback on a CPU ran the oldest waiting enqueue there of its csd
// (csd events) or its function (probes), skipping those of SYNC calls that
// had returned before it; its exit is the innermost open run of that
// function on the CPU.
bool Layer::returned_before(std::uint32_t call, std::uint64_t time) const {
  if (call == 0) return false;
  const Call& c = calls_[call - 1];
  return csd_type_of(c.record.flags) == CsdType::Sync && c.ret != kNoIndex &&
         p_[c.ret].record.time < time;
}

void Layer::link_callbacks() {
  struct Waiting {
    std::uint32_t call, func, csd;
    CsdType type;
  };
  struct Open {
    std::uint32_t func, call, csd;
  };
  std::map<std::uint32_t, std::deque<Waiting>> waiting;  // target -> enqueues
  std::map<std::uint16_t, std::vector<Open>> open;
  for (std::size_t i = 0; i < p_.size(); ++i) {
    Record& r = p_[i].record;
    if (r.kind == Kind::CsdQueue) {
      const CsdQueue queue = CsdQueue::from(r);
      std::uint32_t func = p_[i].func;
      if (r.call != 0 && calls_[r.call - 1].record.func != kNoFunc)
        func = calls_[r.call - 1].record.func;
      auto& q = waiting[queue.target];
      q.push_back({r.call, func, queue.csd, queue.type});
      if (q.size() > kPendingLimit) q.pop_front();
    } else if (r.kind == Kind::FuncEntry) {
      FuncEntry entry = FuncEntry::from(r);
      if (!entry.local) {
        auto& q = waiting[r.cpu];
        // A SYNC call that returned has run all its csds (csd_lock_wait): one
        // still waiting here ran unseen (a missed kprobe hit) and must not take
        // this later run from the csd it belongs to.
        std::erase_if(q, [&](const Waiting& w) { return returned_before(w.call, r.time); });
        auto it = std::find_if(q.begin(), q.end(), [&](const Waiting& w) {
          return entry.csd != kNone ? w.csd == entry.csd : w.func == entry.func;
        });
        if (it != q.end()) {
          entry.call = it->call;
          if (entry.site != FuncSite::FlushTtwu) entry.site = site_of(it->type);
          if (entry.csd == kNone) entry.csd = it->csd;
          stats_.callbacks_linked += it->call != 0;
          q.erase(it);
        }
        r = entry.to_record();
      }
      auto& stack = open[r.cpu];
      stack.push_back({entry.func, entry.call, entry.csd});
      if (stack.size() > kNestLimit) stack.erase(stack.begin());  // never to exit
    } else if (r.kind == Kind::FuncExit) {
      auto& stack = open[r.cpu];
      const std::uint32_t func = FuncExit::from(r).func;
      auto it =
          std::find_if(stack.rbegin(), stack.rend(), [&](const Open& o) { return o.func == func; });
      if (it == stack.rend()) continue;
      const Open o = *it;
      stack.erase(std::next(it).base());
      modify<FuncExit>(r, [&](FuncExit& x) {
        x.call = o.call;
        x.csd = o.csd;
      });
    }
  }
}

// send_call_function_single_ipi() hits told mark_empty_queues() which
// queues were empty; they become IPIs only in a trace with no other send
// events, and not where the idle-poll elision followed (SEMANTICS 11).
void Layer::resolve_intents() {
  const bool other_sends = std::any_of(p_.begin(), p_.end(), [](const Pending& p) {
    return p.record.kind == Kind::IpiSend && p.origin != Origin::IpiIntent;
  });
  for (std::size_t i = 0; i < p_.size(); ++i) {
    if (p_[i].origin != Origin::IpiIntent) continue;
    const std::uint32_t target = IpiSend::from(p_[i].record).target;
    drop_[i] = other_sends ||
               scan_after(
                   i,
                   [&](const Record& q) {
                     return q.kind == Kind::IpiElided && IpiElided::from(q).target == target;
                   },
                   [&](const Record& q) {
                     return q.kind == Kind::IpiSend || q.kind == Kind::CsdQueue ||
                            q.kind == Kind::XcallReturn;
                   });
  }
}

}  // namespace xcallsim::trace::ftrace::detail::calls
