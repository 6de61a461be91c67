#include "manual_platform.hpp"

#include <algorithm>

namespace xcallsim::xcall::testing {

WaitResult ManualPlatform::wait_until(const shared<uint32_t>& word, uint32_t mask,
                                      uint32_t expected, CsdWait& wait) {
  if ((load_acquire(word) & mask) == expected) return WaitResult::Satisfied;
  ++waits;
  if (wait.ts0 == 0) wait.ts0 = ++clock;
  if (wait.diagnose && timeouts_to_report > 0) {
    --timeouts_to_report;
    wait.ts1 = ++clock;
    return WaitResult::TimedOut;
  }
  if (on_wait)
    on_wait(*this);
  else
    deliver_all();
  if ((load_acquire(word) & mask) != expected)
    throw Deadlock("CPU " + std::to_string(current) + " waits on a csd nobody will unlock");
  return WaitResult::Satisfied;
}

bool ManualPlatform::call_function_single_prep_ipi(int cpu) {
  if (!at(cpu).polling_idle) return true;
  at(cpu).need_resched = true;
  return false;
}

void ManualPlatform::raise(int cpu, int vector) {
  ipis.push_back({current, cpu, vector});
  auto& pending = at(cpu).pending;
  if (std::find(pending.begin(), pending.end(), vector) == pending.end()) pending.push_back(vector);
}

void ManualPlatform::trace(const TraceEvent& ev) {
  RecordedEvent r{ev, {}};
  if (ev.mask != nullptr) {
    r.mask.assign(ev.mask, ev.mask + (ev.mask_bits + 63) / 64);
    r.ev.mask = nullptr;
  }
  events.push_back(std::move(r));
}

int ManualPlatform::take_interrupts(int cpu) {
  int taken = 0;
  as_cpu(cpu, [&] {
    auto& pending = at(cpu).pending;
    while (!pending.empty()) {
      auto highest = std::max_element(pending.begin(), pending.end());
      pending.erase(highest);  // EOI first: a new IPI may be raised meanwhile
      const bool saved = local_irq_save();
      xcall->generic_smp_call_function_single_interrupt();
      local_irq_restore(saved);
      ++taken;
    }
  });
  return taken;
}

int ManualPlatform::deliver_all() {
  int taken = 0;
  for (bool again = true; again;) {
    again = false;
    for (int cpu = 0; cpu < nr_cpu_ids(); ++cpu) {
      if (at(cpu).irqs_off || at(cpu).pending.empty()) continue;
      taken += take_interrupts(cpu);
      again = true;
    }
  }
  return taken;
}

void ManualPlatform::idle_poll(int cpu) {
  as_cpu(cpu, [&] {
    if (!at(cpu).need_resched) return;
    at(cpu).need_resched = false;
    xcall->flush_smp_call_function_queue();
  });
}

int ManualPlatform::count(TraceKind kind) const {
  return static_cast<int>(std::count_if(events.begin(), events.end(),
                                        [&](const RecordedEvent& r) { return r.ev.kind == kind; }));
}

std::vector<RecordedEvent> ManualPlatform::events_of(TraceKind kind) const {
  std::vector<RecordedEvent> out;
  for (const auto& r : events)
    if (r.ev.kind == kind) out.push_back(r);
  return out;
}

static_assert(Platform<ManualPlatform>);

}  // namespace xcallsim::xcall::testing
