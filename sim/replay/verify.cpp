// The invariant checker: one pass over the records, per-call bookkeeping.
#include "sim/replay/verify.hpp"

#include "sim/replay/verify_tally.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xcallsim::replay {
namespace {

using trace::Kind;
using trace::Record;

using detail::coverage;
using detail::Present;
using detail::Tally;
using trace::CsdType;

// cpu -> count, for the handful of CPUs one call touches (flat: no
// allocation per entry, linear search over a few elements).
class Counts {
 public:
  void add(std::uint32_t cpu) {
    for (auto& [key, n] : items_)
      if (key == cpu) return void(++n);
    items_.emplace_back(cpu, 1);
  }
  int get(std::uint32_t cpu) const {
    for (const auto& [key, n] : items_)
      if (key == cpu) return n;
    return 0;
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<std::pair<std::uint32_t, int>> items_;
};

struct Call {
  bool issued_seen = false;
  std::uint64_t issued = 0;
  std::size_t index = 0;  // of its XcallIssue
  std::uint16_t cpu = 0;
  std::uint32_t flags = 0;
  trace::Api api{};
  std::uint32_t func = trace::kNoFunc;
  bool returned = false;
  Counts queued;          // target -> csds queued
  Counts entries, exits;  // cpu -> function runs
  // Targets whose empty queue got a csd of this call and no IPI yet: (target, time).
  std::vector<std::pair<std::uint32_t, std::uint64_t>> need_ipi;
};

// Calls by id: dense ids (what writers produce) index a vector; any other id
// (a hostile trace) falls back to a map, so memory stays bounded by the input.
class Calls {
 public:
  explicit Calls(std::size_t records) : dense_limit_(records + 1) {}
  Call* find(std::uint32_t id) {
    if (id < dense_.size()) return dense_[id].issued_seen ? &dense_[id] : nullptr;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? nullptr : &it->second;
  }
  // nullptr if the call was already issued.
  Call* create(std::uint32_t id) {
    Call* call = nullptr;
    if (id < dense_limit_) {
      if (id >= dense_.size()) dense_.resize(std::max<std::size_t>(id + 1, 2 * dense_.size()));
      call = &dense_[id];
    } else {
      call = &sparse_[id];
    }
    if (call->issued_seen) return nullptr;
    call->issued_seen = true;
    return call;
  }
  template <class F>
  void for_each(F&& f) {
    for (std::size_t id = 0; id < dense_.size(); ++id)
      if (dense_[id].issued_seen) f(static_cast<std::uint32_t>(id), dense_[id]);
    for (auto& [id, call] : sparse_) f(id, call);
  }

 private:
  std::size_t dense_limit_;
  std::vector<Call> dense_;
  std::map<std::uint32_t, Call> sparse_;
};

struct Checker {
  const trace::Trace& trace;
  const VerifyOptions& options;
  Present present;
  Tally tally;
  std::vector<Violation> out;
  Calls calls;
  // Pending IPIs of csds whose call is unknown (call 0 in imported traces, or
  // a sender other than the caller): keyed by (cpu, call) instead.
  std::map<std::pair<std::uint16_t, std::uint32_t>, Call> orphans;
  // Lookup-only tables (never iterated, so hashing cannot change the output):
  // csd -> (call, time) while locked; sender << 32 | target -> ASYNC calls queued.
  std::unordered_map<std::uint32_t, std::pair<std::uint32_t, std::uint64_t>> locked;
  std::unordered_map<std::uint64_t, std::deque<std::uint32_t>> fifo;

  static std::uint64_t fifo_key(std::uint32_t sender, std::uint32_t target) {
    return std::uint64_t{sender} << 32 | target;
  }

  void report(const Record& r, Rule rule, std::string what) {
    out.push_back({r.time, r.cpu, r.call, rule, std::move(what)});
  }

  // An IPI (or an elision) from the call's sender covers that target.
  Call* pending_of(const Record& r, bool create) {
    Call* call = calls.find(r.call);
    if (call != nullptr && call->cpu == r.cpu) return call;
    auto it = orphans.find({r.cpu, r.call});
    if (it != orphans.end()) return &it->second;
    if (!create) return nullptr;
    Call& orphan = orphans[{r.cpu, r.call}];
    orphan.cpu = r.cpu;
    return &orphan;
  }

  void cover(const Record& r, std::uint32_t target) {
    Call* call = pending_of(r, false);
    if (call == nullptr) return;
    auto& need = call->need_ipi;
    need.erase(std::remove_if(need.begin(), need.end(),
                              [target](const auto& n) { return n.first == target; }),
               need.end());
  }

  void ipi_send(const Record& r) {
    const auto send = trace::IpiSend::from(r);
    if (send.how == trace::SendHow::Nothing) return;
    if (!send.target_is_mask) return cover(r, send.target);
    const std::uint32_t id = send.target;
    if (id >= trace.masks.size()) return;
    const auto& words = trace.masks[id];
    for (std::size_t w = 0; w < words.size(); ++w)
      for (std::uint32_t bit = 0; bit < 64; ++bit)
        if ((words[w] >> bit) & 1u) cover(r, static_cast<std::uint32_t>(64 * w + bit));
  }

  void missing_ipis(std::uint32_t id, Call& call) {
    for (const auto& [target, t] : call.need_ipi)
      out.push_back({t, call.cpu, id, Rule::MissingIpi,
                     fmt::format("csd queued on cpu{}'s empty queue but no IPI was sent or "
                                 "elided for it",
                                 target)});
    call.need_ipi.clear();
  }

  void csd_queue(const Record& r) {
    const auto queue = trace::CsdQueue::from(r);
    const CsdType type = trace::csd_type_of(queue.type);
    if ((type == CsdType::Sync || type == CsdType::Async) && queue.csd != trace::kNone &&
        present.unlocks) {
      ++tally.reuse;
      const auto [it, fresh] = locked.try_emplace(queue.csd, r.call, r.time);
      if (!fresh) {
        report(r, Rule::CsdReuse,
               fmt::format("csd {} queued while still locked by call #{} (queued at t={})",
                           queue.csd, it->second.first, it->second.second));
        it->second = {r.call, r.time};
      }
    }
    if (Call* call = calls.find(r.call)) call->queued.add(queue.target);
    if (queue.queue_was_empty && !options.imported) {
      ++tally.ipi;
      pending_of(r, true)->need_ipi.emplace_back(queue.target, r.time);
    }
    if (type == CsdType::Async) fifo[fifo_key(r.cpu, queue.target)].push_back(r.call);
  }

  void func_entry(const Record& r) {
    Call* call = calls.find(r.call);
    if (call == nullptr) return;
    call->entries.add(r.cpu);
    if (trace::FuncEntry::from(r).site != trace::FuncSite::FlushAsync) return;
    auto q = fifo.find(fifo_key(call->cpu, r.cpu));
    if (q == fifo.end()) return;
    const auto pos = std::find(q->second.begin(), q->second.end(), r.call);
    if (pos == q->second.end()) return;
    ++tally.fifo;
    if (pos != q->second.begin())
      report(r, Rule::FifoOrder,
             fmt::format("ASYNC function of call #{} from cpu{} ran before call #{}, queued "
                         "earlier by the same sender",
                         r.call, call->cpu, q->second.front()));
    q->second.erase(pos);
  }

  void xcall_return(const Record& r) {
    Call* found = calls.find(r.call);
    if (found == nullptr || found->returned) {
      report(r, Rule::ReturnWithoutIssue, "XcallReturn of a call that was not issued (or open)");
      return;
    }
    Call& call = *found;
    call.returned = true;
    // Checked where the trace shows the function's runs (or, for a call
    // naming none, any runs): else a callback without events is no evidence.
    const bool traced = call.func == trace::kNoFunc ? present.func_entries
                                                    : present.funcs_run.count(call.func) != 0;
    if (trace::csd_type_of(call.flags) == CsdType::Sync)
      ++(traced ? tally.sync : tally.sync_untraced);
    if (trace::csd_type_of(call.flags) == CsdType::Sync && traced) {
      bool blind_target = false;
      for (const auto& [target, n] : call.queued) {
        if (target <= 0xFFFF && call.exits.get(target) >= n) continue;
        if (target <= 0xFFFF && blind_during(static_cast<std::uint16_t>(target), call.issued)) {
          blind_target = true;
          continue;
        }
        report(r, Rule::SyncReturnedEarly,
               fmt::format("SYNC call returned before its function finished on cpu{}", target));
      }
      tally.sync_blind += blind_target;
      for (const auto& [cpu, n] : call.entries)
        if (call.exits.get(cpu) < n && call.queued.get(cpu) == 0)
          report(r, Rule::SyncReturnedEarly,
                 fmt::format("SYNC call returned while its function still runs on cpu{}", cpu));
    }
    missing_ipis(r.call, call);
  }

  // Imported: a call-function handler (0xfb/0xfc) always flushes the queue
  // (generic_smp_call_function_interrupt), so one with no FlushBegin, in a
  // trace that has them, is a handler whose probe hits the capture missed
  // (kprobes hit while another probe runs on that CPU are dropped). The
  // callbacks it ran are not in the trace: no evidence either way.
  struct Handler {
    std::uint64_t entered;
    bool call_function, flushed;
  };
  std::map<std::uint16_t, std::vector<Handler>> handlers;
  std::map<std::uint16_t, std::vector<std::uint64_t>> blind;  // cpu -> entry times

  void irq_entry(const Record& r) {
    const std::uint32_t vector = trace::IrqEntry::from(r).vector;
    handlers[r.cpu].push_back({r.time, vector == 0xfb || vector == 0xfc, false});
  }
  void irq_exit(const Record& r) {
    auto& stack = handlers[r.cpu];
    if (stack.empty()) return;
    const Handler h = stack.back();
    stack.pop_back();
    if (h.call_function && !h.flushed && present.flushes && options.imported)
      blind[r.cpu].push_back(h.entered);
  }
  bool blind_during(std::uint16_t cpu, std::uint64_t since) const {
    auto it = blind.find(cpu);
    return it != blind.end() && !it->second.empty() && it->second.back() >= since;
  }

  void issue(const Record& r, std::size_t index) {
    Call* call = calls.create(r.call);
    if (call == nullptr) return;
    const auto x = trace::XcallIssue::from(r);
    call->issued = r.time;
    call->index = index;
    call->cpu = r.cpu;
    call->flags = x.flags;
    call->api = x.api;
    call->func = x.func;
  }

  // A call without its return: a violation, unless its API has no return
  // events at all (async single, TTWU and irq_work calls return nothing a
  // probe sees) or, imported, nothing follows it on its CPU (cut by the end).
  void unreturned(std::uint32_t id, const Call& call) {
    if (!present.returned_apis.count(call.api)) {
      ++tally.untraced[call.api];
      return;
    }
    if (call.returned) {
      ++tally.returns;
      return;
    }
    if (options.imported && present.last_call[call.cpu] <= call.index) {
      ++tally.cut;
      return;
    }
    ++tally.returns;
    out.push_back({call.issued, call.cpu, id, Rule::Unreturned, "call issued, never returned"});
  }

  void run() {
    for (std::size_t i = 0; i < trace.records.size(); ++i) {
      const Record& r = trace.records[i];
      switch (r.kind) {
        case Kind::XcallIssue:
          issue(r, i);
          break;
        case Kind::XcallReturn:
          xcall_return(r);
          break;
        case Kind::CsdQueue:
          csd_queue(r);
          break;
        case Kind::CsdUnlock:
          locked.erase(trace::CsdUnlock::from(r).csd);
          break;
        case Kind::IpiSend:
          ipi_send(r);
          break;
        case Kind::IpiElided:
          cover(r, trace::IpiElided::from(r).target);
          break;
        case Kind::FuncEntry:
          func_entry(r);
          break;
        case Kind::FuncExit:
          if (Call* call = calls.find(r.call)) call->exits.add(r.cpu);
          break;
        case Kind::IrqEntry:
          irq_entry(r);
          break;
        case Kind::IrqExit:
          irq_exit(r);
          break;
        case Kind::FlushBegin:
          if (auto& stack = handlers[r.cpu]; !stack.empty()) stack.back().flushed = true;
          break;
        default:
          break;
      }
    }
    calls.for_each([this](std::uint32_t id, Call& call) {
      unreturned(id, call);
      missing_ipis(id, call);
    });
    for (auto& [key, orphan] : orphans) missing_ipis(key.second, orphan);
    std::stable_sort(out.begin(), out.end(),
                     [](const Violation& x, const Violation& y) { return x.time < y.time; });
  }
};

}  // namespace

std::string_view to_string(Rule rule) {
  switch (rule) {
    case Rule::Unreturned:
      return "unreturned";
    case Rule::ReturnWithoutIssue:
      return "return-without-issue";
    case Rule::SyncReturnedEarly:
      return "sync-returned-early";
    case Rule::FifoOrder:
      return "fifo-order";
    case Rule::CsdReuse:
      return "csd-reuse";
    case Rule::MissingIpi:
      return "missing-ipi";
  }
  return "unknown";
}

std::string to_string(const Violation& v) {
  return fmt::format("t={} cpu{} call #{}: {}: {}", v.time, v.cpu, v.call, to_string(v.rule),
                     v.what);
}

VerifyReport verify_report(const trace::Trace& trace, const VerifyOptions& options) {
  Checker checker{trace, options, Present(trace), {}, {}, Calls(trace.records.size()), {}, {}, {},
                  {},    {}};
  checker.run();
  return {std::move(checker.out), coverage(checker.tally, checker.present, options)};
}

std::vector<Violation> verify(const trace::Trace& trace) {
  return verify_report(trace).violations;
}

}  // namespace xcallsim::replay
