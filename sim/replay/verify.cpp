// The invariant checker: one pass over the records, per-call bookkeeping.
#include "sim/replay/verify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <utility>

namespace xcallsim::replay {
namespace {

using trace::Kind;
using trace::Record;

constexpr std::uint32_t kTypeMask = 0x30, kTypeSync = 0x10, kTypeAsync = 0x00;
constexpr std::uint32_t kSiteFlushAsync = 1;  // xcall::FuncSite::FlushAsync

struct Call {
  std::uint64_t issued = 0;
  std::uint16_t cpu = 0;
  std::uint32_t flags = 0;
  bool returned = false;
  std::map<std::uint32_t, int> queued;          // target -> csds queued
  std::map<std::uint16_t, int> entries, exits;  // cpu -> function runs
};

struct Checker {
  const trace::Trace& trace;
  std::vector<Violation> out;
  std::map<std::uint32_t, Call> calls;
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint64_t>> locked;  // csd -> (call, t)
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::deque<std::uint32_t>> fifo;
  // (sender cpu, call) -> target -> time queued on an empty queue, not yet IPI'd
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::map<std::uint32_t, std::uint64_t>> need;

  void report(const Record& r, Rule rule, std::string what) {
    out.push_back({r.time, r.cpu, r.call, rule, std::move(what)});
  }

  void cover(const Record& r, std::uint32_t target) {
    const auto it = need.find({r.cpu, r.call});
    if (it != need.end()) it->second.erase(target);
  }

  void ipi_send(const Record& r) {
    if (r.c == static_cast<std::uint32_t>(trace::SendHow::Nothing)) return;
    if ((r.a & trace::kMaskTarget) == 0) return cover(r, r.a);
    const std::uint32_t id = r.a & ~trace::kMaskTarget;
    if (id >= trace.masks.size()) return;
    const auto& words = trace.masks[id];
    for (std::size_t w = 0; w < words.size(); ++w)
      for (std::uint32_t bit = 0; bit < 64; ++bit)
        if ((words[w] >> bit) & 1u) cover(r, static_cast<std::uint32_t>(64 * w + bit));
  }

  void missing_ipis(std::uint16_t cpu, std::uint32_t call) {
    const auto it = need.find({cpu, call});
    if (it == need.end()) return;
    for (const auto& [target, t] : it->second)
      out.push_back({t, cpu, call, Rule::MissingIpi,
                     fmt::format("csd queued on cpu{}'s empty queue but no IPI was sent or "
                                 "elided for it",
                                 target)});
    need.erase(it);
  }

  void csd_queue(const Record& r) {
    const std::uint32_t type = r.c & kTypeMask;
    if ((type == kTypeSync || type == kTypeAsync) && r.b != trace::kNone) {
      const auto [it, fresh] = locked.try_emplace(r.b, r.call, r.time);
      if (!fresh) {
        report(r, Rule::CsdReuse,
               fmt::format("csd {} queued while still locked by call #{} (queued at t={})", r.b,
                           it->second.first, it->second.second));
        it->second = {r.call, r.time};
      }
    }
    if (auto it = calls.find(r.call); it != calls.end()) ++it->second.queued[r.a];
    if (r.d == 1) need[{r.cpu, r.call}].emplace(r.a, r.time);
    if (type == kTypeAsync) fifo[{r.cpu, r.a}].push_back(r.call);
  }

  void func_entry(const Record& r) {
    const auto it = calls.find(r.call);
    if (it == calls.end()) return;
    ++it->second.entries[r.cpu];
    if (r.d != kSiteFlushAsync) return;
    auto q = fifo.find({it->second.cpu, r.cpu});
    if (q == fifo.end()) return;
    const auto pos = std::find(q->second.begin(), q->second.end(), r.call);
    if (pos == q->second.end()) return;
    if (pos != q->second.begin())
      report(r, Rule::FifoOrder,
             fmt::format("ASYNC function of call #{} from cpu{} ran before call #{}, queued "
                         "earlier by the same sender",
                         r.call, it->second.cpu, q->second.front()));
    q->second.erase(pos);
  }

  void xcall_return(const Record& r) {
    const auto it = calls.find(r.call);
    if (it == calls.end() || it->second.returned) {
      report(r, Rule::ReturnWithoutIssue, "XcallReturn of a call that was not issued (or open)");
      return;
    }
    Call& call = it->second;
    call.returned = true;
    if ((call.flags & kTypeMask) == kTypeSync) {
      for (const auto& [target, n] : call.queued) {
        const auto e = call.exits.find(static_cast<std::uint16_t>(target));
        if (target > 0xFFFF || e == call.exits.end() || e->second < n)
          report(r, Rule::SyncReturnedEarly,
                 fmt::format("SYNC call returned before its function finished on cpu{}", target));
      }
      for (const auto& [cpu, n] : call.entries)
        if (call.exits[cpu] < n && call.queued.count(cpu) == 0)
          report(r, Rule::SyncReturnedEarly,
                 fmt::format("SYNC call returned while its function still runs on cpu{}", cpu));
    }
    missing_ipis(r.cpu, r.call);
  }

  void issue(const Record& r) {
    const auto [it, fresh] = calls.try_emplace(r.call);
    if (!fresh) return;
    it->second.issued = r.time;
    it->second.cpu = r.cpu;
    it->second.flags = r.b;
  }

  void run() {
    for (const Record& r : trace.records) {
      switch (r.kind) {
        case Kind::XcallIssue:
          issue(r);
          break;
        case Kind::XcallReturn:
          xcall_return(r);
          break;
        case Kind::CsdQueue:
          csd_queue(r);
          break;
        case Kind::CsdUnlock:
          locked.erase(r.a);
          break;
        case Kind::IpiSend:
          ipi_send(r);
          break;
        case Kind::IpiElided:
          cover(r, r.a);
          break;
        case Kind::FuncEntry:
          func_entry(r);
          break;
        case Kind::FuncExit:
          if (auto it = calls.find(r.call); it != calls.end()) ++it->second.exits[r.cpu];
          break;
        default:
          break;
      }
    }
    for (const auto& [id, call] : calls)
      if (!call.returned)
        out.push_back({call.issued, call.cpu, id, Rule::Unreturned, "call issued, never returned"});
    while (!need.empty()) missing_ipis(need.begin()->first.first, need.begin()->first.second);
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

std::vector<Violation> verify(const trace::Trace& trace) {
  Checker checker{trace, {}, {}, {}, {}, {}};
  checker.run();
  return std::move(checker.out);
}

}  // namespace xcallsim::replay
