// Core, memory: shared-word accesses through the cache model under x86-TSO
// (store buffer, store forwarding, fill buffers; docs/architecture.md
// "Memory model"), and waiting on a word (csd_lock_wait, SEM-8/29) with the
// stuck-call timeout.
#include <algorithm>
#include <cstring>

#include "sim/smp/core.hpp"

namespace xcallsim::smp::detail {

machine::LineId Core::line_of(const void* word) {
  machine::LineId raw = arena_->line_of(word);
  // A word on CPU s's stack is on s's one stack line. Where a frame lands
  // depends on the host compiler's frame sizes, so the simulated line must
  // not: otherwise two builds, or a program and its replay, would share
  // lines differently and disagree on costs. The kernel likewise reuses one
  // stack slot for repeated calls from one site.
  if (raw >= stacks_line_) raw = stacks_line_ + (raw - stacks_line_) / stack_stride_lines_;
  machine::LineId& id = line_ids_[raw];
  if (id == 0) id = ++next_line_;
  return id - 1;
}

// A hit needs no fill buffer; a miss takes the one that frees up first.
machine::CacheModel::Served Core::serve_line(CpuState& c, machine::LineId line,
                                             machine::Access kind) {
  if (c.fill_free.empty() || cache_.hits(c.id, line, kind, c.now))
    return cache_.serve(c.id, line, kind, c.now);
  const auto slot = std::min_element(c.fill_free.begin(), c.fill_free.end());
  const machine::CacheModel::Served served = cache_.serve(c.id, line, kind, std::max(c.now, *slot));
  *slot = served.done;
  return served;
}

Cycles Core::access_line(CpuState& c, machine::LineId line, machine::Access kind) {
  return serve_line(c, line, kind).done;
}

// Waiters re-read at the writer's completion time (they pay that read).
void Core::written(const void* word) {
  wake_waiters(line_of(word), running().now);
}

void Core::wake_waiters(machine::LineId line, Cycles t) {
  if (line >= waiters_.size() || waiters_[line].empty()) return;
  for (const int id : waiters_[line]) wake(cpu(id), t);
}

void Core::load(const void* word, void* out, std::size_t size) {
  CpuState& c = running();
  boundary(c);
  retire_due(c);
  const StoreBuffer::Match match = c.stores.find(word, size);
  if (match.exact != nullptr) {  // store forwarding: at L1 latency, nothing leaves the core
    std::memcpy(out, &match.exact->bits, size);
    c.now += config_.cache.transfer[static_cast<int>(machine::Distance::Self)];
    return;
  }
  if (match.partial != nullptr) {  // cannot forward: wait until that store is visible
    c.now = std::max(c.now, match.partial->retire);
    sync(c);
    retire_due(c);
  }
  // The value is the line's when the request is served: after an RFO it
  // queued behind (whose store may retire then), before later writers.
  const machine::CacheModel::Served served = serve_line(c, line_of(word), machine::Access::Read);
  if (served.start != c.now) {  // served later (queued): let everything before that run
    c.now = served.start;
    sync(c);
  }
  std::memcpy(out, word, size);
  c.now = served.done;
}

void Core::store(void* word, const void* in, std::size_t size) {
  CpuState& c = running();
  boundary(c);
  const machine::LineId line = line_of(word);
  if (c.stores.capacity() == 0) {  // no store buffer: the store waits for its line
    c.now = access_line(c, line, machine::Access::Write);
    sync(c);  // and takes effect when it arrives
    std::memcpy(word, in, size);
    written(word);
    return;
  }
  retire_due(c);
  while (c.stores.full()) {  // a full buffer stalls the store until its oldest entry retires
    c.now = std::max(c.now, c.stores.front().retire);
    sync(c);
    retire_due(c);
  }
  // The RFO starts now (Intel and AMD issue it at execution) and may overlap
  // older ones; the entry retires in order, after its line is exclusive.
  const Cycles ready = access_line(c, line, machine::Access::Write);
  const Cycles retire = c.stores.empty() ? ready : std::max(ready, c.stores.back().retire);
  if (c.stores.empty() && retire <= c.now) {  // a zero-cost hit: visible at once
    std::memcpy(word, in, size);
    written(word);
    return;
  }
  BufferedStore entry{
      .word = word, .retire = retire, .line = line, .size = static_cast<std::uint8_t>(size)};
  std::memcpy(&entry.bits, in, size);
  // A stack word's memory is the host's too: the frame holding it may be gone
  // (and its bytes reused by host code) before the store retires, so its
  // value is written now and only its timing goes through the buffer. Other
  // CPUs thus see stack words (an on-stack csd) at once: a documented
  // approximation; every other shared word is strictly TSO.
  if (arena_->line_of(word) >= stacks_line_) {
    std::memcpy(word, in, size);
    entry.written_through = true;
  }
  c.stores.push_back(entry);
  schedule_retire(c);
}

std::uint32_t Core::peek(const Word32& word) {
  std::uint32_t value = word.value;
  if (const BufferedStore* own = running().stores.find(&word.value, sizeof value).exact)
    std::memcpy(&value, &own->bits, sizeof value);
  return value;
}

void Core::lock_line(const void* word, bool drain_first) {
  CpuState& c = running();
  boundary(c);
  if (drain_first) drain(c);
  c.now = access_line(c, line_of(word), machine::Access::Atomic);
  sync(c);  // the RMW happens when the line is exclusive
}

// MFENCE / the drain before a locked RMW (SDM vol. 3A §8.2.5; CALIBRATION M8):
// the CPU waits until its youngest store is visible.
void Core::drain(CpuState& c) {
  retire_due(c);
  if (c.stores.empty()) return;
  c.now = std::max(c.now, c.stores.back().retire);
  sync(c);  // runs the retire events up to the CPU's clock
  retire_due(c);
}

void Core::retire_due(CpuState& c) {
  retire_through(c, c.now);
}

void Core::retire_through(CpuState& c, Cycles t) {
  while (!c.stores.empty() && c.stores.front().retire <= t) {
    const BufferedStore e = c.stores.front();
    c.stores.pop_front();
    if (!e.written_through) std::memcpy(e.word, &e.bits, e.size);
    wake_waiters(e.line, e.retire);
  }
}

// One engine event per CPU at a time, at the oldest entry's retire time:
// other CPUs see each store exactly from its retire time on (arrival
// priority, so before any CPU operation at that time).
void Core::schedule_retire(CpuState& c) {
  if (c.stores.empty() || c.retire_event <= c.stores.front().retire) return;
  c.retire_event = c.stores.front().retire;
  engine_.at(
      c.retire_event, [this, id = c.id, t = c.retire_event] { on_store_retire(id, t); },
      kPrioArrival);
}

void Core::on_store_retire(int id, Cycles t) {
  CpuState& c = cpu(id);
  if (c.retire_event != t) return;  // superseded by an earlier event
  now_ = t;
  c.retire_event = engine::kForever;
  retire_through(c, t);
  schedule_retire(c);
}

void Core::park_on_line(CpuState& c, machine::LineId line, std::optional<Cycles> until) {
  if (line >= waiters_.size()) waiters_.resize(line + 1);
  waiters_[line].push_back(c.id);
  park(c, Park::Wait, until, !c.irqs_off);
  auto& ids = waiters_[line];  // after the park: others may have grown waiters_
  ids.erase(std::find(ids.begin(), ids.end(), c.id));
}

// smp_cond_load_acquire() as a parked spin: each check is a charged read;
// between checks the CPU sleeps until the line is written, an interrupt it
// can take arrives, or (diagnosing) the stuck timeout expires (SEM-29/30).
xcall::WaitResult Core::wait_until(const Word32& word, std::uint32_t mask, std::uint32_t expected,
                                   xcall::CsdWait& wait) {
  CpuState& c = running();
  if (wait.diagnose && wait.ts0 == 0) wait.ts0 = c.now;
  const machine::LineId line = line_of(&word);
  for (;;) {
    std::uint32_t value = 0;
    load(&word, &value, sizeof value);
    if ((value & mask) == expected) return xcall::WaitResult::Satisfied;
    std::optional<Cycles> deadline;
    if (wait.diagnose) {
      deadline = std::max(wait.ts0, wait.ts1) + stuck_timeout_;
      if (c.now >= *deadline) {
        wait.ts1 = c.now;
        return xcall::WaitResult::TimedOut;
      }
    }
    park_on_line(c, line, deadline);
  }
}

}  // namespace xcallsim::smp::detail
