// Core, memory: shared-word accesses through the cache model, and waiting
// on a word (csd_lock_wait, SEM-8/29) with the stuck-call timeout.
#include <algorithm>

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

void Core::touch(const void* word, machine::Access kind) {
  CpuState& c = running();
  boundary(c);
  c.now = cache_.access(c.id, line_of(word), kind, c.now);
}

// Waiters re-read at the writer's completion time (they pay that read).
void Core::written(const void* word) {
  const machine::LineId line = line_of(word);
  if (line >= waiters_.size() || waiters_[line].empty()) return;
  const Cycles t = running().now;
  for (const int id : waiters_[line]) wake(cpu(id), t);
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
    touch(&word, machine::Access::Read);
    if ((word.value & mask) == expected) return xcall::WaitResult::Satisfied;
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
