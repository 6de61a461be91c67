// Stress on host threads: thousands of concurrent mixed cross calls from
// every CPU, both profiles. Checks: each call ran exactly once on each
// intended target (exactly one target for _any); every SYNC call returned
// after its func finished everywhere; no csd was locked twice or unlocked
// while free; no warnings. XCALL_STRESS_ITERS / XCALL_STRESS_THREADS
// override the size (default 20000 calls per CPU, 4 CPUs, plus one offline).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "host_platform.hpp"

using namespace xcallsim::xcall;
using namespace xcallsim::xcall::testing;

namespace {

constexpr int kMaxCpus = 8;
constexpr int kPoolPerCpu = 4;
using HostX = Xcall<HostPlatform>;
using HostCsd = call_single_data<HostPlatform>;
using HostMask = cpumask<HostPlatform::max_cpus>;

struct Call {
  std::atomic<uint32_t> ran[kMaxCpus] = {};
  uint64_t expected = 0;  // CPUs that must run it exactly once
  uint64_t any_of = 0;    // _any: exactly one of these
  int id = 0;
  int op = -1;  // which case of Stress::issue (for failure messages)
  int sender = -1;
  int ret = 0;
  int want = 0;
  bool sync = false;
};

void stress_func(void* info) {
  static_cast<Call*>(info)->ran[HostPlatform::tls_cpu].fetch_add(1, std::memory_order_relaxed);
}
bool stress_cond(int cpu, void* info) {
  return (static_cast<Call*>(info)->id + cpu) % 3 != 0;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct Stress {
  Stress(int n_threads, int n_iters, Profile prof)
      : threads(n_threads),
        nr(n_threads + 1),  // the last CPU stays offline
        iters(n_iters),
        platform(nr, threads),
        percpu(static_cast<size_t>(nr)),
        cfd(static_cast<size_t>(nr) * static_cast<size_t>(nr)),
        pool(static_cast<size_t>(nr) * kPoolPerCpu),
        state(percpu.data(), cfd.data(), nr),
        x(platform, state, XcallOptions{prof, false}),
        calls(static_cast<size_t>(n_threads) * static_cast<size_t>(n_iters)),
        profile(prof) {
    platform.set_xcall(&x);
    platform.watch_csds(cfd.data(), cfd.size(), sizeof(HostCsd));
    platform.watch_csds(pool.data(), pool.size(), sizeof(HostCsd));
    platform.watch_csds(&percpu[0].csd_data, percpu.size(), sizeof(XcallPerCpu<HostPlatform>));
    for (size_t i = 0; i < calls.size(); ++i) calls[i].id = static_cast<int>(i);
  }

  uint64_t online() const { return (uint64_t{1} << threads) - 1; }
  uint64_t cond_filter(const Call& c, uint64_t cpus) const {
    uint64_t out = 0;
    for (int cpu = 0; cpu < nr; ++cpu)
      if ((cpus >> cpu & 1) && (c.id + cpu) % 3 != 0) out |= uint64_t{1} << cpu;
    return out;
  }

  // One call from `self`; returns false on an unexpected return value.
  bool issue(int self, uint64_t& rng, Call& c) {
    const bool seed = profile == Profile::Seed;
    const uint64_t me = uint64_t{1} << self;
    const bool sync = splitmix(rng) % 2 == 0;
    const unsigned flags = sync ? XCALL_TYPE_SYNC : XCALL_TYPE_ASYNC;
    const int target = static_cast<int>(splitmix(rng) % static_cast<uint64_t>(nr));
    const uint64_t tbit = uint64_t{1} << target;
    HostMask mask;
    const uint64_t mbits = splitmix(rng) % (uint64_t{1} << nr);
    for (int cpu = 0; cpu < nr; ++cpu)
      if (mbits >> cpu & 1) mask.set(cpu);
    int ret = 0;
    int want = 0;
    c.op = static_cast<int>(splitmix(rng) % (seed ? 8 : 11));
    c.sender = self;
    switch (c.op) {
      case 0:
        c.expected = tbit & online();
        want = seed || (tbit & online()) ? 0 : -kENXIO;
        ret = x.smp_xcall(target, stress_func, &c, flags);
        break;
      case 1:
        // Upstream filters with cond first, then smp_call_function_single().
        c.expected = cond_filter(c, tbit & online());
        want = !seed && !(tbit & online()) && stress_cond(target, &c) ? -kENXIO : 0;
        ret = x.smp_xcall_cond(target, stress_func, &c, flags, stress_cond);
        break;
      case 2:
        c.expected = seed ? online() : online() & ~me;
        ret = x.smp_xcall(XCALL_ALL, stress_func, &c, flags);
        break;
      case 3:
        c.expected = cond_filter(c, seed ? online() : online() & ~me);
        ret = x.smp_xcall_cond(XCALL_ALL, stress_func, &c, flags, stress_cond);
        break;
      case 4:
        c.expected = mbits & online() & (seed ? ~uint64_t{0} : ~me);
        ret = x.smp_xcall_mask(&mask, stress_func, &c, flags);
        break;
      case 5:
        c.expected = cond_filter(c, mbits & online());
        ret = x.smp_xcall_mask_cond(&mask, stress_func, &c, flags, stress_cond);
        break;
      case 6: {  // private csd, online targets only (seed warns on offline ones)
        const int t = target % threads;
        HostCsd* csd = &pool[static_cast<size_t>(self * kPoolPerCpu) + splitmix(rng) % kPoolPerCpu];
        if (x.csd_is_locked(csd)) break;  // only we lock it: busy means in flight
        x.csd_init(csd, stress_func, &c);
        c.expected = uint64_t{1} << t;
        ret = x.smp_xcall_private(t, csd, flags);
        break;
      }
      case 7:
        c.any_of = mbits & online();
        if (seed && (mbits & me)) c.expected = me, c.any_of = 0;
        want = c.any_of || c.expected ? 0 : -kENXIO;
        ret = x.smp_xcall_any(&mask, stress_func, &c, flags);
        break;
      case 8:  // upstream-named entry points
        c.expected = tbit & online();
        want = c.expected ? 0 : -kENXIO;
        ret = x.smp_call_function_single(target, stress_func, &c, sync);
        break;
      case 9:
        c.expected = mbits & online() & ~me;
        x.smp_call_function_many(&mask, stress_func, &c, sync);
        break;
      default:
        c.expected = cond_filter(c, mbits & online());
        x.on_each_cpu_cond_mask(stress_cond, stress_func, &c, sync, &mask);
        break;
    }
    c.ret = ret;
    c.want = want;
    c.sync = sync;
    if (ret != want) return false;
    if (!sync) return true;
    // SYNC: every intended func already finished.
    uint32_t total = 0;
    for (int cpu = 0; cpu < nr; ++cpu) {
      const uint32_t n = c.ran[cpu].load(std::memory_order_acquire);
      total += n;
      if (c.any_of == 0 && n != ((c.expected >> cpu) & 1)) return false;
    }
    return c.any_of == 0 || total == 1;
  }

  void run() {
    platform.run([&](int self) {
      uint64_t rng = static_cast<uint64_t>(self) * 7919 + static_cast<uint64_t>(profile) + 1;
      for (int i = 0; i < iters; ++i) {
        Call& c = calls[static_cast<size_t>(self * iters + i)];
        if (!issue(self, rng, c)) {
          if (bad_returns.fetch_add(1) < 5)
            std::fprintf(stderr, "bad return: call %d op %d from %d sync %d ret %d want %d\n", c.id,
                         c.op, c.sender, c.sync, c.ret, c.want);
        }
        if (splitmix(rng) % 8 == 0) platform.idle(32);
      }
    });
  }

  // After the run: exact per-target counts for every call.
  int miscounted() const {
    int bad = 0;
    int reported = 0;
    for (const Call& c : calls) {
      uint32_t any_total = 0;
      for (int cpu = 0; cpu < nr; ++cpu) {
        const uint32_t n = c.ran[cpu].load();
        if (c.any_of != 0) {
          any_total += n;
          if (n != 0 && !((c.any_of >> cpu) & 1)) ++bad;
        } else if (n != ((c.expected >> cpu) & 1)) {
          ++bad;
        }
      }
      if (c.any_of != 0 && any_total != 1) ++bad;
      if (bad != reported && reported < 5) {
        reported = bad;
        UNSCOPED_INFO("call " << c.id << " op " << c.op << " from " << c.sender << " ret " << c.ret
                              << " expected " << c.expected << " any_of " << c.any_of << " ran "
                              << c.ran[0] << c.ran[1] << c.ran[2] << c.ran[3] << c.ran[4]);
      }
    }
    return bad;
  }

  bool queue_empty(int cpu) {
    return state.cpu(cpu).call_single_queue.first.value == nullptr;  // after run(): quiescent
  }

  int threads, nr, iters;
  HostPlatform platform;
  std::vector<XcallPerCpu<HostPlatform>> percpu;
  std::vector<HostCsd> cfd;
  std::vector<HostCsd> pool;
  XcallState<HostPlatform> state;
  HostX x;
  std::vector<Call> calls;
  Profile profile;
  std::atomic<int> bad_returns{0};
};

void run_stress(Profile profile) {
  const int threads = std::min(env_int("XCALL_STRESS_THREADS", 4), kMaxCpus - 1);
  const int iters = env_int("XCALL_STRESS_ITERS", 20000);
  auto s = std::make_unique<Stress>(threads, iters, profile);
  s->run();
  CHECK(s->bad_returns.load() == 0);
  CHECK(s->miscounted() == 0);
  CHECK(s->platform.csd_violations() == 0);
  CHECK(s->platform.total_warnings() == 0);
  CHECK(s->platform.events(TraceKind::CsdQueue) > 0);
  CHECK(s->platform.events(TraceKind::IpiSendMask) > 0);
  CHECK(s->platform.events(TraceKind::IpiElided) > 0);
  CHECK(s->platform.events(TraceKind::CsdLock) == s->platform.events(TraceKind::CsdUnlock));
  for (int cpu = 0; cpu < s->nr; ++cpu) CHECK(s->queue_empty(cpu));
  // Coalescing happened: fewer IPIs than queued entries.
  const auto& pl = s->platform;
  CHECK(pl.events(TraceKind::IpiSendSingle) + pl.events(TraceKind::IpiSendMask) +
            pl.events(TraceKind::IpiElided) <
        pl.events(TraceKind::CsdQueue));
  if (std::getenv("XCALL_STRESS_VERBOSE") != nullptr)
    std::fprintf(stderr, "queued %ld single %ld mask %ld elided %ld flushes %ld waits %ld\n",
                 pl.events(TraceKind::CsdQueue), pl.events(TraceKind::IpiSendSingle),
                 pl.events(TraceKind::IpiSendMask), pl.events(TraceKind::IpiElided),
                 pl.events(TraceKind::FlushBegin), pl.events(TraceKind::LockWaitBegin));
}

}  // namespace

TEST_CASE("stress: concurrent mixed xcalls on host threads (seed profile)", "[slow]") {
  run_stress(Profile::Seed);
}

TEST_CASE("stress: concurrent mixed xcalls on host threads (upstream profile)", "[slow]") {
  run_stress(Profile::Upstream);
}
