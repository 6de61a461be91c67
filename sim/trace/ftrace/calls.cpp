// The call layer of an imported trace (importer.hpp; docs/ftrace-import.md "Calls").
#include <algorithm>
#include <deque>
#include <map>

#include "sim/trace/ftrace/importer.hpp"

namespace xcallsim::trace::ftrace::detail {
namespace {

constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
// Records of one CPU an enqueue looks ahead for the IPI it caused (the send
// follows within the same kernel function): keeps hostile input linear.
constexpr std::size_t kScanLimit = 256;
// Enqueues per target kept waiting for their callback; callbacks without
// events would otherwise keep every enqueue of the capture.
constexpr std::size_t kPendingLimit = 64;

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
Api family(Api api) {
  return api == Api::OnEachCpuCondMask ? Api::CallFunctionMany : api;
}

// `inner` is how `outer` is implemented in kernel/smp.c (SEMANTICS 15, 16):
// with both probed, the inner issue is the same call seen twice.
bool wraps(Api outer, Api inner) {
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

bool is_many(Api api) {
  return family(api) == Api::CallFunctionMany || api == Api::CallFunction;
}

FuncSite site_of(CsdType type) {
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

  std::vector<Record> run() {
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

 private:
  // A tracepoint beats a probe of the same fact: csd_queue_cpu fires inside
  // __smp_call_single_queue, which generic_exec_single calls.
  void drop_shadowed() {
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
                 (o == Origin::ExecProbe && (csd_queue || queue_probe)) ||
                 (o == Origin::CallbackProbe && csd_func);
    }
  }

  // A return closes the innermost open issue of its API family *and
  // context* on its CPU, not the stack top: a tick's async call inside a
  // waiting call must not steal the waiting call's return.
  void pair_returns() {
    ret_of_.assign(p_.size(), kNoIndex);
    std::map<std::uint16_t, std::vector<std::size_t>> open;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (drop_[i]) continue;
      const Record& r = p_[i].record;
      if (r.kind == Kind::XcallIssue) open[r.cpu].push_back(i);
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

  void drop_call(std::size_t issue) {
    drop_[issue] = true;
    if (ret_of_[issue] != kNoIndex) drop_[ret_of_[issue]] = true;
  }

  // Call ids in issue order; sender records go to the innermost active call
  // of their CPU and context. A call without a return (async single,
  // capture cut) stays active until the next issue, return or interrupt exit
  // of its context.
  void attribute() {
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
          if (top != nullptr && wraps(top->record.api, issue.api) &&
              top->record.func == issue.func) {
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
            if (r.kind != Kind::CsdQueue)
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
  void compact(const std::map<std::size_t, std::vector<Pending>>& extra) {
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

  bool covers(const Record& r, std::uint32_t target) const {
    if (r.kind != Kind::IpiSend && r.kind != Kind::IpiElided) return false;
    bool hit = false;
    for_each_target(r, [&](std::uint32_t t) { hit |= t == target; });
    return hit;
  }

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
  void mark_empty_queues() {
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
  bool ran(std::uint32_t cpu, std::uint32_t func, std::uint64_t from, std::uint64_t to) const {
    auto it = runs_.find({cpu, func});
    if (it == runs_.end()) return false;
    auto at = std::lower_bound(it->second.begin(), it->second.end(), from);
    return at != it->second.end() && *at <= to;
  }

  std::vector<std::uint32_t> requested(const Call& call) const {
    std::vector<std::uint32_t> out;
    const XcallIssue& issue = call.record;
    for (std::uint32_t cpu = 0; cpu < static_cast<std::uint32_t>(cpu_count_); ++cpu) {
      bool in = !issue.target_is_mask;  // smp_call_function: every other CPU
      if (issue.target_is_mask && issue.target < masks_.size()) {
        const auto& words = masks_[issue.target];
        in = cpu / 64 < words.size() && ((words[cpu / 64] >> (cpu % 64)) & 1u);
      }
      if (in && cpu != issue.cpu) out.push_back(cpu);
    }
    return out;
  }

  // The enqueues no event shows: the single path's one csd, the many path's
  // inlined llist_add per target (SEMANTICS 18): every requested target
  // without a cond function, else those an IPI or a callback run shows.
  void infer_enqueues() {
    for (const Pending& p : p_) {
      const Record& r = p.record;
      if (r.kind == Kind::FuncEntry && !FuncEntry::from(r).local)
        runs_[{r.cpu, FuncEntry::from(r).func}].push_back(r.time);
    }
    std::map<std::size_t, std::vector<Pending>> extra;
    for (std::size_t c = 0; c < calls_.size(); ++c) {
      const Call& call = calls_[c];
      const XcallIssue& issue = call.record;
      if (call.enqueue_seen) continue;
      if (call.ret != kNoIndex && XcallReturn::from(p_[call.ret].record).ret < 0) continue;
      std::vector<std::uint32_t> targets;
      auto ipi_to = [&](std::uint32_t t) {
        return std::find(call.ipi_targets.begin(), call.ipi_targets.end(), t) !=
               call.ipi_targets.end();
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
      for (std::uint32_t t : targets) {
        Pending q{.record = CsdQueue{.time = issue.time,
                                     .cpu = issue.cpu,
                                     .call = issue.call,
                                     .target = t,
                                     .csd = call.csd,
                                     .type = csd_type_of(issue.flags),
                                     .queue_was_empty = ipi_to(t),
                                     .inferred = true}
                                .to_record(),
                  .context = call.context};
        extra[call.issue].push_back(q);
        ++stats_.inferred_enqueues;
      }
    }
    compact(extra);
  }

  // A callback on a CPU ran the oldest waiting enqueue there of its csd
  // (csd events) or its function (probes); its exit is the innermost open
  // run of that function on the CPU.
  void link_callbacks() {
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
        open[r.cpu].push_back({entry.func, entry.call, entry.csd});
      } else if (r.kind == Kind::FuncExit) {
        auto& stack = open[r.cpu];
        const std::uint32_t func = FuncExit::from(r).func;
        auto it = std::find_if(stack.rbegin(), stack.rend(),
                               [&](const Open& o) { return o.func == func; });
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
  void resolve_intents() {
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

}  // namespace

std::vector<Record> build_call_layer(std::vector<Pending> pending,
                                     const std::vector<std::vector<std::uint64_t>>& masks,
                                     int cpu_count, CallLayerStats& stats) {
  return Layer(std::move(pending), masks, cpu_count, stats).run();
}

}  // namespace xcallsim::trace::ftrace::detail
