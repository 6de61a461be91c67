#include "trace/recorder.hpp"

#include "platform/guest_platform.hpp"
#include "runtime/arch.hpp"
#include "runtime/percpu.hpp"
#include "runtime/smp.hpp"
#include "runtime/tsc.hpp"
#include "sim/trace/xcall_map.hpp"

namespace guest {
namespace {

namespace xc = ::xcallsim::xcall;

static_assert(abi::kRecordBytes == tk::Record::kBytes, "a ring slot holds one trace record");

constexpr int kStackDepth = 8;
constexpr int kCsdIds = kMaxCpus * kMaxCpus + 2 * kMaxCpus + kMaxCpus * abi::kPrivateSlots;

struct alignas(64) CpuTrace {
  uint32_t calls[kStackDepth];
  uint32_t funcs[kStackDepth];
  int ncalls, nfuncs;
  uint64_t issue_func;  // trace_set_issue_func(), for the next XcallIssue
};

CpuTrace g_cpu[kMaxCpus];
uint32_t g_csd_call[kCsdIds];  // csd id -> call that last queued it
uint32_t g_next_call;
int64_t g_outstanding;
xc::smp_call_func_t g_funcs[abi::kMaxFuncs];
bool g_ready;

auto* const g_area = reinterpret_cast<abi::AreaHeader*>(abi::kAreaPhys);

void copy_name(char (&dst)[abi::kNameBytes], const char* src) {
  int i = 0;
  for (; src != nullptr && src[i] != '\0' && i < abi::kNameBytes - 1; ++i) dst[i] = src[i];
  for (; i < abi::kNameBytes; ++i) dst[i] = '\0';
}

uint8_t* ring_of(int cpu) {
  return reinterpret_cast<uint8_t*>(abi::kAreaPhys + abi::kHeaderBytes +
                                    uint64_t(cpu) * g_area->capacity * abi::kRecordBytes);
}

void lost_record(int cpu) {
  __atomic_fetch_add(&g_area->cpus[cpu].lost, 1u, __ATOMIC_RELAXED);
}

// One record into this CPU's ring at its TSC: slot first, then head
// (release), IRQs off.
void write_record(int cpu, tk::Record record) {
  if (!g_ready || cpu < 0 || cpu >= kMaxCpus) return;
  const uint64_t flags = irq_save();
  abi::CpuSlot& slot = g_area->cpus[cpu];
  const uint64_t head = slot.head;
  record.time = rdtsc();
  record.cpu = static_cast<uint16_t>(cpu);
  record.encode(ring_of(cpu) + (head % g_area->capacity) * abi::kRecordBytes);
  __atomic_store_n(&slot.head, head + 1, __ATOMIC_RELEASE);
  irq_restore(flags);
}

// The guest's side of the shared mapping (sim/trace/xcall_map.hpp).
struct Env {
  int cpu;
  CpuTrace& t;

  // Dense ids as in the simulator (sim/smp/events.cpp), N = CPUs online:
  // cfd (s, t) = s*N + t; csd_data of s = N*N + s; on-stack csd of s =
  // N*N + N + s; private slot k of s = N*N + 2N + s*slots + k.
  uint32_t csd_id(const xc::TraceEvent& ev) const {
    const auto n = static_cast<uint32_t>(smp_nr_cpus());
    const auto owner = static_cast<uint32_t>(ev.csd_owner);
    switch (ev.csd_kind) {
      case xc::CsdKind::None:
        return tk::kNone;
      case xc::CsdKind::Cfd:
        return owner * n + static_cast<uint32_t>(ev.csd_index);
      case xc::CsdKind::CsdData:
        return n * n + owner;
      case xc::CsdKind::Stack:
        return n * n + n + owner;
      case xc::CsdKind::External:
        break;
    }
    const auto base = reinterpret_cast<uint64_t>(private_csd(0, 0));
    const uint64_t stride = sizeof(call_single_data_t);
    if (ev.csd < base || ev.csd >= base + stride * kMaxCpus * abi::kPrivateSlots) return tk::kNone;
    const uint64_t index = (ev.csd - base) / stride;  // s * slots + k
    return n * n + 2 * n + static_cast<uint32_t>(index);
  }
  static uint32_t lookup(uint64_t func) {
    const uint32_t count = g_area->func_count;
    for (uint32_t i = 0; i < count && i < abi::kMaxFuncs; ++i)
      if (reinterpret_cast<uint64_t>(g_funcs[i]) == func) return i;
    return tk::kNone;
  }
  uint32_t func_id(const xc::TraceEvent& ev) const { return lookup(ev.func); }
  // smp_xcall_private's issue names no function (it takes a csd): the
  // caller said which one, as the simulator's Cpu does.
  uint32_t issue_func_id(const xc::TraceEvent& ev) {
    uint32_t id = func_id(ev);
    if (id == tk::kNone && t.issue_func != 0) id = lookup(t.issue_func);
    t.issue_func = 0;
    return id;
  }
  // At most 16 CPUs: the bitmap itself (bits < N); the host assigns mask ids.
  uint32_t mask_id(const uint64_t* words, uint32_t bits) const {
    const uint32_t n = static_cast<uint32_t>(smp_nr_cpus());
    const uint32_t valid = bits < n ? bits : n;
    const uint64_t keep = valid >= 64 ? ~uint64_t{0} : (uint64_t{1} << valid) - 1;
    return static_cast<uint32_t>(words[0] & keep) & ~tk::kMaskTarget;
  }
  uint32_t new_call() { return __atomic_add_fetch(&g_next_call, 1u, __ATOMIC_RELAXED); }
  void push_call(uint32_t call) {
    if (t.ncalls < kStackDepth)
      t.calls[t.ncalls] = call;
    else
      lost_record(cpu);
    ++t.ncalls;
  }
  void pop_call() {
    if (t.ncalls > 0) --t.ncalls;
  }
  uint32_t current_call() const {
    if (t.ncalls <= 0) return 0;
    return t.ncalls <= kStackDepth ? t.calls[t.ncalls - 1] : 0;
  }
  void push_func(uint32_t call) {
    if (t.nfuncs < kStackDepth)
      t.funcs[t.nfuncs] = call;
    else
      lost_record(cpu);
    ++t.nfuncs;
  }
  uint32_t pop_func() {
    if (t.nfuncs <= 0) return 0;
    --t.nfuncs;
    return t.nfuncs < kStackDepth ? t.funcs[t.nfuncs] : 0;
  }
  // Written by the queuer before llist_add, read by the target after it
  // took the entry off its queue (the llist's release/acquire orders them).
  void bind_csd(uint32_t csd, uint32_t call) {
    if (csd < kCsdIds) __atomic_store_n(&g_csd_call[csd], call, __ATOMIC_RELAXED);
  }
  uint32_t call_of_csd(uint32_t csd) const {
    return csd < kCsdIds ? __atomic_load_n(&g_csd_call[csd], __ATOMIC_RELAXED) : 0;
  }
  void emit(tk::Record record) { write_record(cpu, record); }
};

}  // namespace

void trace_init(uint32_t capacity, const char* scenario, uint64_t iters, uint64_t burst) {
  abi::AreaHeader& h = *g_area;
  auto* bytes = reinterpret_cast<volatile uint8_t*>(g_area);
  for (uint32_t i = 0; i < abi::kHeaderBytes; ++i) bytes[i] = 0;
  if (capacity == 0) capacity = abi::kDefaultCapacity;
  if (capacity > abi::kMaxCapacity) capacity = abi::kMaxCapacity;
  h.version = abi::kVersion;
  h.header_bytes = abi::kHeaderBytes;
  h.capacity = capacity;
  h.status = static_cast<uint32_t>(abi::GuestStatus::Booting);
  h.tsc_khz = tsc_khz();
  h.iters = iters;
  h.burst = burst;
  copy_name(h.scenario, scenario);
  h.cpus[0].phase = static_cast<uint32_t>(abi::CpuPhase::Booting);
  g_ready = true;
  // The magic last: the host ignores an area without it.
  __atomic_thread_fence(__ATOMIC_RELEASE);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(abi::kMagic[i]);
}

bool trace_ready() {
  return g_ready;
}
abi::AreaHeader& trace_area() {
  return *g_area;
}

void trace_set_cpu_count(int n) {
  if (g_ready) __atomic_store_n(&g_area->cpu_count, static_cast<uint32_t>(n), __ATOMIC_RELEASE);
}
void trace_set_status(abi::GuestStatus status) {
  if (g_ready) __atomic_store_n(&g_area->status, static_cast<uint32_t>(status), __ATOMIC_RELEASE);
}
void trace_set_phase(abi::CpuPhase phase) {
  if (!g_ready) return;
  abi::CpuSlot& slot = g_area->cpus[this_cpu()];
  slot.phase_tsc = rdtsc();
  __atomic_store_n(&slot.phase, static_cast<uint32_t>(phase), __ATOMIC_RELEASE);
}
void trace_set_apic_id(int cpu, uint32_t apic_id) {
  if (g_ready && cpu >= 0 && cpu < kMaxCpus) g_area->cpus[cpu].apic_id = apic_id;
}

uint32_t trace_register_func(const char* name, xc::smp_call_func_t func) {
  const uint32_t id = g_area->func_count;
  if (!g_ready || id >= abi::kMaxFuncs) return tk::kNone;
  g_funcs[id] = func;
  copy_name(g_area->func_names[id], name);
  __atomic_store_n(&g_area->func_count, id + 1, __ATOMIC_RELEASE);
  return id;
}
void trace_clear_funcs() {
  if (g_ready) g_area->func_count = 0;
}

void trace_xcall_event(const xc::TraceEvent& ev) {
  const int cpu = this_cpu();
  if (ev.kind == xc::TraceKind::XcallIssue && g_ready &&
      __atomic_load_n(&g_area->first_xcall_tsc, __ATOMIC_RELAXED) == 0)
    __atomic_store_n(&g_area->first_xcall_tsc, rdtsc(), __ATOMIC_RELAXED);
  if (ev.kind == xc::TraceKind::CsdQueue) __atomic_fetch_add(&g_outstanding, 1, __ATOMIC_RELAXED);
  // IRQs off across the mapping: a handler on this CPU must not see (or
  // push onto) a half-updated call/func stack.
  const uint64_t flags = irq_save();
  Env env{cpu, g_cpu[cpu]};
  xcallsim::trace::map_xcall_event(env, ev);
  irq_restore(flags);
  if (ev.kind == xc::TraceKind::FuncExit && ev.detail != static_cast<uint8_t>(xc::FuncSite::Local))
    __atomic_fetch_sub(&g_outstanding, 1, __ATOMIC_RELEASE);
}

void trace_emit(tk::Record record) {
  const int cpu = this_cpu();
  const uint64_t flags = irq_save();
  const Env env{cpu, g_cpu[cpu]};
  record.call = env.current_call();
  write_record(cpu, record);
  irq_restore(flags);
}

void trace_set_issue_func(xc::smp_call_func_t func) {
  g_cpu[this_cpu()].issue_func = reinterpret_cast<uint64_t>(func);
}

int64_t trace_outstanding() {
  return __atomic_load_n(&g_outstanding, __ATOMIC_ACQUIRE);
}

}  // namespace guest
