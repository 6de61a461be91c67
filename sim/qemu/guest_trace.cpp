// The guest trace area -> trace::Trace (merge per-CPU rings by TSC, assign
// mask and call ids, check every field the trace reader would check).
#include "sim/qemu/guest_trace.hpp"

#include "sim/qemu/repair.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <type_traits>

namespace xcallsim::qemu {
namespace {

using trace::Kind;
using trace::Record;

// Bounds-checked little-endian reads from the RAM snapshot.
class Bytes {
 public:
  explicit Bytes(std::span<const std::byte> ram) : ram_(ram) {}
  bool has(std::uint64_t off, std::uint64_t len) const {
    return off <= ram_.size() && len <= ram_.size() - off;
  }
  std::uint64_t get(std::uint64_t off, int len) const {
    if (!has(off, static_cast<std::uint64_t>(len))) return 0;
    std::uint64_t v = 0;
    for (int i = len - 1; i >= 0; --i)
      v = (v << 8) | std::to_integer<std::uint64_t>(ram_[off + static_cast<std::uint64_t>(i)]);
    return v;
  }
  std::string name(std::uint64_t off, std::size_t max) const {
    std::string out;
    for (std::size_t i = 0; i < max && has(off + i, 1); ++i) {
      const auto c = static_cast<char>(ram_[off + i]);
      if (c == '\0') break;
      out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out;
  }

 private:
  std::span<const std::byte> ram_;
};

constexpr std::uint64_t kArea = abi::kAreaPhys;
#define FIELD(f) (kArea + offsetof(abi::AreaHeader, f))

std::uint64_t cpu_field(int cpu, std::size_t off) {
  return FIELD(cpus) + static_cast<std::uint64_t>(cpu) * sizeof(abi::CpuSlot) + off;
}

Record decode_record(const Bytes& b, std::uint64_t off) {
  unsigned char raw[Record::kBytes];
  for (unsigned i = 0; i < Record::kBytes; ++i)
    raw[i] = static_cast<unsigned char>(b.get(off + i, 1));
  return Record::decode(raw);
}

bool known(Kind kind) {
  return trace::to_string(kind) != "Unknown";
}

struct Tagged {
  Record r;
  std::uint64_t seq;  // position in its CPU's ring order
};

// Everything after the raw records: ids, masks and the reader's rules.
class Assembler {
 public:
  Assembler(GuestTrace& out, std::uint32_t cpus) : out_(out), cpus_(cpus) {}

  // False: the record breaks a rule the trace reader enforces (dropped).
  bool fix(Record& r) {
    r.call = call_id(r.call);
    const auto known_func = [&](std::uint32_t id) { return id < out_.trace.functions.size(); };
    r = trace::visit(r, [&](auto x) -> Record {
      using X = decltype(x);
      if constexpr (std::is_same_v<X, Record>) {
        return x;
      } else {
        if constexpr (std::is_same_v<X, trace::XcallIssue>) {
          if (!known_func(x.func)) x.func = trace::kNoFunc;
          if (x.target_is_mask) x.target = mask_id(x.target);
        } else if constexpr (std::is_same_v<X, trace::IpiSend>) {
          if (x.target_is_mask) x.target = mask_id(x.target);
        } else if constexpr (requires { x.func; }) {
          if (!known_func(x.func)) x.func = trace::kNone;
        }
        return x.to_record();
      }
    });
    std::uint32_t cpu = 0;
    return !trace::other_cpu(r, cpu) || cpu < cpus_;
  }

 private:
  std::uint32_t call_id(std::uint32_t guest_id) {
    if (guest_id == 0) return 0;
    const auto [it, fresh] =
        calls_.try_emplace(guest_id, static_cast<std::uint32_t>(calls_.size() + 1));
    return it->second;
  }
  std::uint32_t mask_id(std::uint32_t bits) {
    if (cpus_ < 32) bits &= (1u << cpus_) - 1;
    const auto [it, fresh] =
        masks_.try_emplace(bits, static_cast<std::uint32_t>(out_.trace.masks.size()));
    if (fresh) out_.trace.masks.push_back({bits});
    return it->second;
  }

  GuestTrace& out_;
  std::uint32_t cpus_;
  std::map<std::uint32_t, std::uint32_t> calls_, masks_;
};

}  // namespace

GuestTrace decode_guest_trace(std::span<const std::byte> ram) {
  GuestTrace out;
  const Bytes b(ram);
  if (!b.has(kArea, abi::kHeaderBytes) ||
      std::memcmp(ram.data() + kArea, abi::kMagic, sizeof(abi::kMagic)) != 0) {
    out.incomplete = true;
    out.problems.push_back("the guest never opened its trace area (it did not reach kmain)");
    return out;
  }
  const auto version = static_cast<std::uint32_t>(b.get(FIELD(version), 4));
  const auto header_bytes = b.get(FIELD(header_bytes), 4);
  if (version != abi::kVersion || header_bytes != abi::kHeaderBytes) {
    out.incomplete = true;
    out.problems.push_back(fmt::format(
        "trace area version {} / header {} bytes, expected {} / {}: guest and xcallsim were "
        "built from different sources",
        version, header_bytes, abi::kVersion, abi::kHeaderBytes));
    return out;
  }
  out.found = true;
  out.status = static_cast<abi::GuestStatus>(b.get(FIELD(status), 4));
  out.scenario = b.name(FIELD(scenario), abi::kNameBytes);
  out.iters = b.get(FIELD(iters), 8);
  out.burst = b.get(FIELD(burst), 8);
  out.tsc_khz = b.get(FIELD(tsc_khz), 8);
  out.smp_up_tsc = b.get(FIELD(smp_up_tsc), 8);
  out.start_tsc = b.get(FIELD(start_tsc), 8);
  out.first_xcall_tsc = b.get(FIELD(first_xcall_tsc), 8);
  out.end_tsc = b.get(FIELD(end_tsc), 8);
  auto cpus = static_cast<std::uint32_t>(b.get(FIELD(cpu_count), 4));
  if (cpus == 0) cpus = 1;  // APs not up yet: CPU 0 may still have records
  cpus = std::min<std::uint32_t>(cpus, abi::kMaxCpus);
  const auto funcs = std::min<std::uint64_t>(b.get(FIELD(func_count), 4), abi::kMaxFuncs);
  for (std::uint64_t f = 0; f < funcs; ++f)
    out.trace.functions.push_back(b.name(FIELD(func_names) + f * abi::kNameBytes, abi::kNameBytes));
  auto capacity = static_cast<std::uint32_t>(b.get(FIELD(capacity), 4));
  capacity = std::min(capacity, abi::kMaxCapacity);
  out.trace.cpu_count = static_cast<int>(cpus);
  out.trace.ghz = out.tsc_khz > 0 ? static_cast<double>(out.tsc_khz) / 1e6 : 1.0;

  // Per-CPU rings, oldest record first.
  std::vector<std::vector<Record>> rings(cpus);
  std::uint64_t dropped = 0;
  bool wrapped = false;
  for (std::uint32_t cpu = 0; cpu < cpus; ++cpu) {
    GuestCpu info;
    info.cpu = static_cast<int>(cpu);
    info.apic_id =
        static_cast<std::uint32_t>(b.get(cpu_field(cpu, offsetof(abi::CpuSlot, apic_id)), 4));
    info.phase =
        static_cast<abi::CpuPhase>(b.get(cpu_field(cpu, offsetof(abi::CpuSlot, phase)), 4));
    info.written = b.get(cpu_field(cpu, offsetof(abi::CpuSlot, head)), 8);
    info.lost = static_cast<std::uint32_t>(b.get(cpu_field(cpu, offsetof(abi::CpuSlot, lost)), 4));
    const std::uint64_t ring = kArea + abi::kHeaderBytes + std::uint64_t{cpu} * capacity * 32;
    if (capacity == 0 || !b.has(ring, std::uint64_t{capacity} * 32)) {
      if (info.written > 0) {
        out.problems.push_back(fmt::format("cpu {}: ring outside guest RAM", cpu));
        dropped += info.written;
      }
      out.cpus.push_back(info);
      continue;
    }
    const std::uint64_t kept = std::min<std::uint64_t>(info.written, capacity);
    info.overwritten = info.written - kept;
    for (std::uint64_t i = info.written - kept; i < info.written; ++i) {
      const Record r = decode_record(b, ring + (i % capacity) * 32);
      if (!known(r.kind) || r.cpu != cpu ||
          (!rings[cpu].empty() && r.time < rings[cpu].back().time)) {
        ++dropped;
        continue;
      }
      rings[cpu].push_back(r);
    }
    if (info.overwritten > 0) {
      wrapped = true;
      out.problems.push_back(
          fmt::format("cpu {}: trace ring overflowed, its oldest {} of {} records were overwritten "
                      "(raise --trace-capacity)",
                      cpu, info.overwritten, info.written));
    }
    if (info.lost > 0)
      out.problems.push_back(fmt::format(
          "cpu {}: {} records not written (call nesting deeper than 8)", cpu, info.lost));
    out.cpus.push_back(info);
  }
  if (!wrapped) out.repairs = repair_queue_races(rings);

  // A wrapped ring only covers its recent past: every CPU is cut to the
  // latest start among the wrapped rings (a consistent window).
  std::uint64_t window = 0;
  for (std::uint32_t cpu = 0; cpu < cpus; ++cpu)
    if (out.cpus[cpu].overwritten > 0 && !rings[cpu].empty())
      window = std::max(window, rings[cpu].front().time);
  std::vector<Tagged> all;
  std::uint64_t cut = 0;
  for (std::uint32_t cpu = 0; cpu < cpus; ++cpu)
    for (std::size_t i = 0; i < rings[cpu].size(); ++i) {
      if (rings[cpu][i].time < window) {
        ++cut;
        continue;
      }
      all.push_back({rings[cpu][i], i});
    }
  if (cut > 0)
    out.problems.push_back(
        fmt::format("{} records older than the oldest one every CPU still has were dropped", cut));

  // One time order; ties: lower CPU first, then ring order.
  std::stable_sort(all.begin(), all.end(), [](const Tagged& x, const Tagged& y) {
    if (x.r.time != y.r.time) return x.r.time < y.r.time;
    if (x.r.cpu != y.r.cpu) return x.r.cpu < y.r.cpu;
    return x.seq < y.seq;
  });
  out.time_base = out.start_tsc;
  if (!all.empty() && (out.time_base == 0 || all.front().r.time < out.time_base))
    out.time_base = all.front().r.time;
  Assembler assemble(out, cpus);
  out.trace.records.reserve(all.size());
  for (Tagged& t : all) {
    t.r.time -= out.time_base;
    if (assemble.fix(t.r))
      out.trace.records.push_back(t.r);
    else
      ++dropped;
  }
  if (dropped > 0) out.problems.push_back(fmt::format("{} malformed records dropped", dropped));
  const bool finished =
      out.status == abi::GuestStatus::Passed || out.status == abi::GuestStatus::Failed;
  bool overflow = false;
  for (const GuestCpu& c : out.cpus) overflow |= c.overwritten > 0 || c.lost > 0;
  out.incomplete = !finished || overflow || dropped > 0;
  return out;
}

#undef FIELD

std::string_view to_string(abi::GuestStatus status) {
  switch (status) {
    case abi::GuestStatus::Booting:
      return "booting";
    case abi::GuestStatus::Running:
      return "running its scenario";
    case abi::GuestStatus::Draining:
      return "waiting for queued functions";
    case abi::GuestStatus::Passed:
      return "passed";
    case abi::GuestStatus::Failed:
      return "failed a check";
    case abi::GuestStatus::Exception:
      return "took a CPU exception";
    case abi::GuestStatus::Panic:
      return "panicked";
  }
  return "unknown";
}

std::string_view to_string(abi::CpuPhase phase) {
  switch (phase) {
    case abi::CpuPhase::Offline:
      return "offline";
    case abi::CpuPhase::Booting:
      return "booting";
    case abi::CpuPhase::Idle:
      return "idle, waiting for its program";
    case abi::CpuPhase::Program:
      return "running its program";
    case abi::CpuPhase::Done:
      return "program done, idle";
    case abi::CpuPhase::Fault:
      return "took an exception";
  }
  return "unknown";
}

}  // namespace xcallsim::qemu
