#include "host_platform.hpp"

#include <thread>

namespace xcallsim::xcall::testing {

thread_local int HostPlatform::tls_cpu = -1;

HostPlatform::HostPlatform(int nr_cpus, int threads)
    : nr_cpus_(nr_cpus), threads_(threads), cpus_(static_cast<size_t>(nr_cpus)) {}

void HostPlatform::run(const std::function<void(int cpu)>& body) {
  done_.store(0);
  std::vector<std::thread> workers;
  for (int cpu = 0; cpu < threads_; ++cpu) {
    workers.emplace_back([this, cpu, &body] {
      tls_cpu = cpu;
      body(cpu);
      done_.fetch_add(1);
      // Keep serving IPIs (and idle-elided flushes) until nothing can arrive.
      while (!drained()) idle(16);
      tls_cpu = -1;
    });
  }
  for (auto& t : workers) t.join();
}

bool HostPlatform::drained() {
  if (done_.load() != threads_) return false;
  poll_interrupts();
  auto& queue = xcall_->state().cpu(tls_cpu).call_single_queue;
  return self().pending.load() == 0 && Base::load_acquire(queue.first) == nullptr;
}

void HostPlatform::idle(int spins) {
  Cpu& c = self();
  c.idle_flags.fetch_or(kPolling);
  for (int i = 0; i < spins && (c.idle_flags.load() & kNeedResched) == 0; ++i) {
    poll_interrupts();  // idle runs with IRQs on
    cpu_relax();
  }
  exit_idle();
}

// Leaving the polling idle loop: an elided IPI left need_resched, so flush
// (SEM-11/22). Clearing POLLING first closes the race with prep_ipi.
void HostPlatform::exit_idle() {
  const uint32_t old = self().idle_flags.fetch_and(~kPolling);
  if ((old & kNeedResched) == 0) return;
  self().idle_flags.fetch_and(~kNeedResched);
  xcall_->flush_smp_call_function_queue();
}

bool HostPlatform::call_function_single_prep_ipi(int cpu) {
  auto& flags = cpus_[static_cast<size_t>(cpu)].idle_flags;
  uint32_t v = flags.load();
  do {
    if ((v & kPolling) == 0) return true;
  } while (!flags.compare_exchange_weak(v, v | kNeedResched));
  return false;
}

void HostPlatform::raise(int cpu, uint32_t bit) {
  cpus_[static_cast<size_t>(cpu)].pending.fetch_or(bit, std::memory_order_release);
}

// Take pending call-function interrupts, highest vector first, EOI (clear
// the bit) before the handler, IRQs off while it runs.
// Give up the core at about one point in 8, so that other CPUs interleave
// anywhere between two platform operations even on few host cores.
void HostPlatform::chaos() {
  Cpu& c = self();
  c.chaos ^= c.chaos << 13;
  c.chaos ^= c.chaos >> 7;
  c.chaos ^= c.chaos << 17;
  if ((c.chaos & 7) == 0) std::this_thread::yield();
}

void HostPlatform::poll_interrupts() {
  chaos();
  Cpu& c = self();
  if (c.irqs_off) return;
  for (;;) {
    const uint32_t pending = c.pending.load(std::memory_order_acquire);
    if (pending == 0) return;
    const uint32_t bit = (pending & kPendingMask) != 0 ? kPendingMask : kPendingSingle;
    c.pending.fetch_and(~bit, std::memory_order_acq_rel);
    c.irqs_off = true;
    ++c.irq_depth;
    xcall_->generic_smp_call_function_single_interrupt();
    --c.irq_depth;
    c.irqs_off = false;
  }
}

WaitResult HostPlatform::wait_until(const shared<uint32_t>& word, uint32_t mask, uint32_t expected,
                                    CsdWait& wait) {
  using Clock = std::chrono::steady_clock;
  const auto now_ns = [] {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count());
  };
  if (wait.ts0 == 0) wait.ts0 = wait.ts1 = now_ns();
  while ((Base::load_acquire(word) & mask) != expected) {
    poll_interrupts();
    if (wait.diagnose && now_ns() - wait.ts1 > 5'000'000'000ull) {  // CSD_LOCK_TIMEOUT
      wait.ts1 = now_ns();
      return WaitResult::TimedOut;
    }
    cpu_relax();
  }
  return WaitResult::Satisfied;
}

void HostPlatform::cpu_relax() {
  std::this_thread::yield();
}

int HostPlatform::total_warnings() const {
  int n = 0;
  for (const auto& w : warnings_) n += w.load();
  return n;
}

void HostPlatform::watch_csds(const void* first, size_t count, size_t stride) {
  watched_.push_back(WatchRange{reinterpret_cast<uintptr_t>(first), count, stride,
                                std::make_unique<std::atomic<uint8_t>[]>(count)});
}

std::atomic<uint8_t>* HostPlatform::shadow_of(const void* csd) {
  const auto a = reinterpret_cast<uintptr_t>(csd);
  for (auto& r : watched_) {
    if (a < r.first) continue;
    const size_t i = (a - r.first) / r.stride;
    if (i < r.count && a == r.first + i * r.stride) return &r.shadow[i];
  }
  return nullptr;
}

// Shadow lock state: a csd must never be locked while locked, nor unlocked
// while free (the library traces CsdLock after setting the bit and CsdUnlock
// before clearing it).
void HostPlatform::trace(const TraceEvent& ev) {
  events_[static_cast<int>(ev.kind)].fetch_add(1, std::memory_order_relaxed);
  if (ev.kind != TraceKind::CsdLock && ev.kind != TraceKind::CsdUnlock) return;
  auto* shadow = shadow_of(reinterpret_cast<const void*>(static_cast<uintptr_t>(ev.csd)));
  if (shadow == nullptr) return;
  const uint8_t want_old = ev.kind == TraceKind::CsdLock ? 0 : 1;
  if (shadow->exchange(1 - want_old) != want_old) csd_violations_.fetch_add(1);
}

static_assert(Platform<HostPlatform>);

}  // namespace xcallsim::xcall::testing
