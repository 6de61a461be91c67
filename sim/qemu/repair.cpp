// repair_queue_races(): the one ordering fix a truly concurrent producer
// needs. The xcall library reports CsdQueue *after* its llist_add (it needs
// the was-empty answer), and the guest binds a csd to its call in that same
// event; on real vCPUs the target can take the entry, run it and unlock the
// csd before the sender's CsdQueue record is written, so
//   - the CsdQueue record's TSC can be later than the target's FuncEntry /
//     CsdUnlock of that very entry, and
//   - the target can read the csd's previous call id (FuncEntry, FuncExit and
//     CsdUnlock then name the wrong call).
// Lock cycles pair them again: csd X is locked (CsdLock, on its owner) and
// unlocked (CsdUnlock with the lock bit) strictly alternately, and every
// CsdUnlock's TSC is read before its release store, so the k-th CsdLock of
// X (owner ring order) and the k-th locked CsdUnlock of X (time order) are
// one cycle. For a cycle with a CsdQueue, the target's records get the
// queue's call, and the CsdQueue moves back to just before the target's
// first record of it (never before the owner's previous record other than
// interrupt handlers taken between the llist_add and the trace call).
#include <algorithm>
#include <map>
#include <optional>

#include "sim/qemu/repair.hpp"

namespace xcallsim::qemu {
namespace {

using trace::Kind;
using trace::Record;

struct Ref {
  std::size_t cpu, idx;
};

struct Cycle {
  Ref lock;
  std::optional<Ref> queue;
};

bool is_func_entry_of(const Record& r, std::uint32_t csd) {
  trace::FuncEntry entry;
  return trace::as(r, entry) && entry.csd == csd;
}
bool is_func_exit_of(const Record& r, std::uint32_t csd) {
  trace::FuncExit exit;
  return trace::as(r, exit) && exit.csd == csd;
}

// The FuncEntry of csd `csd` that belongs to the unlock at `u` on its CPU:
// before it for SYNC (unlocked after the function), after it for ASYNC.
std::optional<std::size_t> func_entry_of(const std::vector<Record>& ring, std::size_t u,
                                         std::uint32_t csd, bool sync) {
  if (sync) {
    for (std::size_t i = u; i-- > 0;) {
      if (is_func_entry_of(ring[i], csd)) return i;
      if (ring[i].kind == Kind::FlushBegin) break;
    }
  } else {
    for (std::size_t i = u + 1; i < ring.size(); ++i) {
      if (is_func_entry_of(ring[i], csd)) return i;
      if (ring[i].kind == Kind::FlushEnd || ring[i].kind == Kind::CsdUnlock) break;
    }
  }
  return std::nullopt;
}

// The earliest time the CsdQueue at `q` may take: the owner's previous
// record, skipping whole interrupt handlers right before it (an IRQ taken
// between llist_add and the trace call sits between them in the ring).
std::uint64_t floor_before(const std::vector<Record>& ring, std::size_t q) {
  std::size_t i = q;
  while (i > 0 && ring[i - 1].kind == Kind::IrqExit) {
    int depth = 0;
    std::size_t j = i;
    while (j > 0) {
      --j;
      if (ring[j].kind == Kind::IrqExit) ++depth;
      if (ring[j].kind == Kind::IrqEntry && --depth == 0) break;
    }
    if (depth != 0) break;  // unbalanced: stop at the handler
    i = j;
  }
  return i > 0 ? ring[i - 1].time : 0;
}

}  // namespace

RepairStats repair_queue_races(std::vector<std::vector<Record>>& rings) {
  RepairStats stats;
  std::map<std::uint32_t, std::vector<Cycle>> cycles;
  std::map<std::uint32_t, std::vector<Ref>> unlocks;
  for (std::size_t cpu = 0; cpu < rings.size(); ++cpu)
    for (std::size_t i = 0; i < rings[cpu].size(); ++i) {
      const Record& r = rings[cpu][i];
      trace::CsdLock lock;
      trace::CsdQueue queue;
      trace::CsdUnlock unlock;
      if (trace::as(r, lock) && lock.csd != trace::kNone) {
        cycles[lock.csd].push_back({{cpu, i}, std::nullopt});
      } else if (trace::as(r, queue) && queue.csd != trace::kNone) {
        auto& v = cycles[queue.csd];
        if (!v.empty() && v.back().lock.cpu == cpu && !v.back().queue) v.back().queue = Ref{cpu, i};
      } else if (trace::as(r, unlock) && unlock.was_locked && unlock.csd != trace::kNone) {
        unlocks[unlock.csd].push_back({cpu, i});
      }
    }
  const auto at = [&](const Ref& ref) -> Record& { return rings[ref.cpu][ref.idx]; };
  for (auto& [csd, list] : unlocks) {
    std::stable_sort(list.begin(), list.end(), [&](const Ref& x, const Ref& y) {
      return at(x).time != at(y).time ? at(x).time < at(y).time : x.cpu < y.cpu;
    });
    const auto it = cycles.find(csd);
    if (it == cycles.end()) continue;
    const std::size_t n = std::min(list.size(), it->second.size());
    for (std::size_t k = 0; k < n; ++k) {
      const Cycle& cycle = it->second[k];
      Record& unlock = at(list[k]);
      if (unlock.time < at(cycle.lock).time) {  // the pairing is off: leave this csd alone
        ++stats.unpaired;
        break;
      }
      if (!cycle.queue) continue;
      Record& queue = at(*cycle.queue);
      const std::uint32_t call = queue.call;
      std::vector<Record>& target = rings[list[k].cpu];
      std::uint64_t first = unlock.time;
      const auto fix_call = [&](Record& r) {
        if (r.call != call) {
          r.call = call;
          ++stats.reattributed;
        }
      };
      fix_call(unlock);
      const bool sync =
          trace::csd_type_of(trace::CsdQueue::from(queue).type) == trace::CsdType::Sync;
      if (const auto fe = func_entry_of(target, list[k].idx, csd, sync)) {
        fix_call(target[*fe]);
        first = std::min(first, target[*fe].time);
        for (std::size_t i = *fe + 1; i < target.size(); ++i)
          if (is_func_exit_of(target[i], csd)) {
            fix_call(target[i]);
            break;
          }
      }
      if (queue.time >= first && first > 0) {
        queue.time = std::max(floor_before(rings[cycle.queue->cpu], cycle.queue->idx), first - 1);
        ++stats.moved;
      }
    }
  }
  // A moved CsdQueue may now precede the handlers it was recorded after.
  if (stats.moved > 0)
    for (std::vector<Record>& ring : rings)
      std::stable_sort(ring.begin(), ring.end(),
                       [](const Record& x, const Record& y) { return x.time < y.time; });
  return stats;
}

}  // namespace xcallsim::qemu
