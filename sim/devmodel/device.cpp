// The device model's request loop: slots -> decode -> APIC model -> view,
// signals, trace records.
#include "sim/devmodel/device.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "sim/devmodel/shm_access.hpp"

namespace xcallsim::devmodel {

using detail::load_acquire;
using detail::load_relaxed;
using detail::store_relaxed;
using detail::store_release;

namespace {

constexpr std::uint64_t kMinShmSize = 64 * 1024;
constexpr std::uint32_t kReportFirst = 8;  // then only at power-of-two counts

const char* status_name(apic::SendStatus s) {
  switch (s) {
    case apic::SendStatus::Sent:
      return "sent";
    case apic::SendStatus::IllegalVector:
      return "illegal vector (0-15)";
    case apic::SendStatus::RedirectableIpi:
      return "lowest priority in x2APIC";
    case apic::SendStatus::InvalidCombination:
      return "invalid mode/shorthand combination";
    case apic::SendStatus::ReservedMode:
      return "reserved delivery mode";
    case apic::SendStatus::Unsupported:
      return "register absent in this mode";
  }
  return "?";
}

std::uint32_t saturate32(std::uint64_t v) {
  return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}

std::uint32_t khz_of(double ghz) {
  if (!(ghz >= 0.001 && ghz <= 1000.0))
    throw std::invalid_argument(fmt::format(
        "devmodel: machine clock {} GHz is outside 0.001..1000; fix: correct `ghz` in the "
        "machine config",
        ghz));
  return static_cast<std::uint32_t>(std::llround(ghz * 1e6));
}

apic::InterruptController make_controller(const machine::Topology& topology,
                                          const machine::MachineConfig& config) {
  if (topology.cpu_count() > static_cast<int>(shm::kMaxCpus))
    throw std::invalid_argument(fmt::format(
        "devmodel: machine '{}' has {} CPUs; the shared-memory protocol carries at most {}; "
        "fix: use a smaller machine config",
        config.name, topology.cpu_count(), shm::kMaxCpus));
  return apic::InterruptController(topology, config.apic.costs);
}

}  // namespace

std::uint64_t Stats::total_rejected() const {
  std::uint64_t n = 0;
  for (std::uint64_t r : rejected) n += r;
  return n;
}

std::uint64_t required_shm_size(int cpus, std::uint32_t ring_capacity) {
  const std::uint64_t end =
      shm::layout_end(static_cast<std::uint32_t>(std::max(cpus, 1)), ring_capacity);
  return std::max(kMinShmSize, std::bit_ceil(end));
}

Device::Device(const machine::MachineConfig& config, std::span<std::byte> region,
               DeviceOptions options)
    : config_(config),
      topology_(std::make_unique<machine::Topology>(config_)),
      apic_(make_controller(*topology_, config_)),
      region_(region),
      ring_capacity_(options.ring_capacity),
      model_khz_(khz_of(config.ghz)),
      // The logger is taken here, on the constructing thread (see Server::Impl::log).
      reporter_(
          [log = spdlog::default_logger()](const std::string& line) { log->warn("{}", line); }) {
  const int n = apic_.cpu_count();
  if (!std::has_single_bit(ring_capacity_) || ring_capacity_ < shm::kMinRingCapacity ||
      ring_capacity_ > shm::kMaxRingCapacity)
    throw std::invalid_argument(
        fmt::format("devmodel: trace ring capacity {} is not a power of two in {}..{}",
                    ring_capacity_, shm::kMinRingCapacity, shm::kMaxRingCapacity));
  const std::uint64_t need = shm::layout_end(static_cast<std::uint32_t>(n), ring_capacity_);
  if (need > 0xFFFFFFFFu || region.size() < need || !std::has_single_bit(region.size()) ||
      reinterpret_cast<std::uintptr_t>(region.data()) % 64 != 0)
    throw std::invalid_argument(fmt::format(
        "devmodel: shared region of {} bytes at {} cannot hold {} CPUs with {}-record trace "
        "rings ({} bytes needed, a power of two, 64-byte aligned); fix: size it with "
        "required_shm_size()",
        region.size(), static_cast<const void*>(region.data()), n, ring_capacity_, need));

  const auto cpus = static_cast<std::size_t>(n);
  acked_.assign(cpus, 0);
  heads_.assign(cpus, 0);
  seen_.assign(cpus, 0);
  next_.assign(cpus, std::nullopt);
  trace_tail_.assign(cpus, 0);
  clock_.assign(cpus, 0);
  inta_vector_.assign(cpus, shm::kNoVector);
  inta_seq_.assign(cpus, 0);
  rejects_.assign(cpus, 0);
  last_reject_.assign(cpus, 0);
  last_icr_lo_.assign(cpus, 0);
  last_icr_hi_.assign(cpus, 0);
  dirty_.assign(cpus, 1);
  signalled_.assign(cpus, 0);
  apic_.set_listener([this](const apic::Event& e) { on_apic_event(e); });

  // Before any guest exists: plain writes, then host_state last (release).
  std::memset(region_.data(), 0, region_.size());
  shm::Header* h = header();
  h->magic = shm::kMagic;
  h->version = shm::kVersion;
  h->header_size = shm::kHeaderSize;
  h->shm_size = region_.size();
  h->cpu_count = static_cast<std::uint32_t>(n);
  h->apic_mode =
      apic_.mode() == machine::ApicMode::X2Apic ? shm::kApicModeX2Apic : shm::kApicModeXApic;
  h->model_khz = model_khz_;
  h->slot_offset = shm::slot_offset();
  h->slot_size = shm::kSlotSize;
  h->request_entries = shm::kRequestEntries;
  h->ring_offset = shm::ring_offset(static_cast<std::uint32_t>(n));
  h->ring_stride = shm::ring_stride(ring_capacity_);
  h->ring_capacity = ring_capacity_;
  h->host_peer_id = options.host_peer_id;
  for (int cpu = 0; cpu < n; ++cpu) publish_view(cpu);
  store_release(&h->host_state, shm::kHostReady);
}

Device::~Device() = default;

shm::Header* Device::header() const {
  return reinterpret_cast<shm::Header*>(region_.data());
}

shm::Slot* Device::slot(int cpu) const {
  return reinterpret_cast<shm::Slot*>(region_.data() + shm::slot_offset() +
                                      static_cast<std::size_t>(cpu) * shm::kSlotSize);
}

shm::RingHeader* Device::ring(int cpu) const {
  const std::size_t off = shm::ring_offset(static_cast<std::uint32_t>(cpu_count())) +
                          static_cast<std::size_t>(cpu) * shm::ring_stride(ring_capacity_);
  return reinterpret_cast<shm::RingHeader*>(region_.data() + off);
}

void Device::stop() {
  store_release(&header()->host_state, shm::kHostStopped);
}

const std::vector<int>& Device::process() {
  ++stats_.passes;
  latch_guest_clock();
  signals_.clear();
  const int n = cpu_count();
  serve_all();
  for (int cpu = 0; cpu < n; ++cpu) {
    if (dirty_[static_cast<std::size_t>(cpu)]) publish_view(cpu);
  }
  for (int cpu = 0; cpu < n; ++cpu) {
    const auto i = static_cast<std::size_t>(cpu);
    if (signalled_[i] || apic_.highest_deliverable(cpu) < 0) continue;
    if (load_relaxed(&slot(cpu)->cpu_ready) != shm::kGuestReady) continue;  // would be lost
    signalled_[i] = 1;
    signals_.push_back(cpu);
    ++stats_.signals;
  }
  return signals_;
}

// The guest's TSC rate is read once, when it first declares itself ready.
void Device::latch_guest_clock() {
  if (clock_latched_) return;
  const shm::Header* h = header();
  if (load_acquire(&h->guest_state) != shm::kGuestReady) return;
  const std::uint32_t khz = load_relaxed(&h->guest_tsc_khz);
  clock_latched_ = true;
  if (khz >= 1000 && khz <= 1'000'000'000) {
    guest_tsc_khz_ = khz;
  } else if (khz != 0) {
    report(static_cast<std::size_t>(shm::Reject::ReservedBits),
           fmt::format("devmodel: guest_tsc_khz {} is outside 1000..1e9; model time = guest "
                       "TSC unscaled; fix: publish the calibrated TSC rate in kHz or 0",
                       khz));
  }
}

std::uint64_t Device::convert_tsc(std::uint64_t tsc) const {
  if (guest_tsc_khz_ == 0) return std::min(tsc, kMaxModelTime);
  const std::uint64_t k = guest_tsc_khz_, m = model_khz_;
  const std::uint64_t q = tsc / k;
  if (q > kMaxModelTime / m) return kMaxModelTime;
  return std::min(kMaxModelTime, q * m + (tsc % k) * m / k);
}

std::uint64_t Device::model_time(int cpu, std::uint64_t tsc) {
  std::uint64_t t = convert_tsc(tsc);
  if (t == kMaxModelTime) ++stats_.clock_clamps;
  std::uint64_t& now = clock_[static_cast<std::size_t>(cpu)];
  now = std::max(now, t);
  return now;
}

void Device::apply(int cpu, const Command& c) {
  const auto i = static_cast<std::size_t>(cpu);
  const std::uint64_t t = model_time(cpu, c.tsc);
  switch (c.op) {
    case shm::Op::IcrWrite:
    case shm::Op::SelfIpi: {
      const apic::SendResult r =
          c.op == shm::Op::IcrWrite
              ? apic_.write_icr(cpu, t, c.arg0, c.arg1)
              : apic_.write_self_ipi(cpu, t, static_cast<std::uint8_t>(c.arg0));
      if (c.op == shm::Op::IcrWrite) {
        last_icr_lo_[i] = c.arg0 & ~apic::kIcrBusy;
        last_icr_hi_[i] = c.arg1;
      }
      clock_[i] = t + r.cost;
      if (r.messages > 0) apic_.advance_to(r.last_arrival);  // delivered before the ack
      break;
    }
    case shm::Op::Eoi:
      apic_.write_eoi(cpu, t);
      clock_[i] = t + apic_.costs().eoi;
      break;
    case shm::Op::TprWrite:
      apic_.write_tpr(cpu, static_cast<std::uint8_t>(c.arg0));
      break;
    case shm::Op::EsrWrite:
      apic_.write_esr(cpu);
      break;
    case shm::Op::LdrWrite:
      if (!apic_.write_ldr(cpu, c.arg0)) reject(cpu, shm::Reject::ModeMismatch, c.seq, c.arg0);
      break;
    case shm::Op::DfrWrite:
      if (!apic_.write_dfr(cpu, c.arg0)) reject(cpu, shm::Reject::ModeMismatch, c.seq, c.arg0);
      break;
    case shm::Op::Inta: {
      const int v = apic_.acknowledge(cpu, t);
      ++stats_.intas;
      if (v < 0) ++stats_.inta_empty;
      inta_vector_[i] = v < 0 ? shm::kNoVector : static_cast<std::uint32_t>(v);
      inta_seq_[i] = c.seq;
      signalled_[i] = 0;  // the guest took its interrupt: signal again when needed
      break;
    }
    case shm::Op::IntaPosted: {
      const auto v = static_cast<std::uint8_t>(c.arg0);
      const int highest = apic_.highest_deliverable(cpu);
      if (!apic_.acknowledge_vector(cpu, t, v)) {
        reject(cpu, shm::Reject::BadInta, c.seq, c.arg0);
      } else {
        ++stats_.intas_posted;
        if (highest != v) ++stats_.inta_races;
      }
      inta_vector_[i] = v;
      inta_seq_[i] = c.seq;
      signalled_[i] = 0;
      break;
    }
    case shm::Op::None:
      break;  // decode_request never returns it
  }
}

void Device::publish_view(int cpu) {
  const auto i = static_cast<std::size_t>(cpu);
  shm::Slot* s = slot(cpu);
  const std::uint32_t vs = load_relaxed(&s->view_seq);
  store_relaxed(&s->view_seq, vs | 1u);
  detail::fence_release();
  store_relaxed(&s->icr_lo, last_icr_lo_[i]);  // delivery status idle: delivered before the ack
  store_relaxed(&s->icr_hi, last_icr_hi_[i]);
  store_relaxed(&s->esr, apic_.read_esr(cpu));
  store_relaxed(&s->tpr, std::uint32_t{apic_.tpr(cpu)});
  store_relaxed(&s->ppr, std::uint32_t{apic_.ppr(cpu)});
  store_relaxed(&s->inta_vector, inta_vector_[i]);
  store_relaxed(&s->inta_seq, inta_seq_[i]);
  store_relaxed(&s->apic_id, topology_->apic_id(cpu));
  store_relaxed(&s->ldr, apic_.ldr(cpu));
  store_relaxed(&s->dfr, apic_.dfr(cpu));
  store_relaxed(&s->rejects, rejects_[i]);
  store_relaxed(&s->last_reject, last_reject_[i]);
  store_relaxed(&s->model_time, clock_[i]);
  store_relaxed(&s->icr_idle_at, apic_.icr_idle_at(cpu));
  const int next = apic_.highest_deliverable(cpu);
  store_relaxed(&s->next_vector, next < 0 ? shm::kNoVector : static_cast<std::uint32_t>(next));
  const auto put = [](std::uint32_t* dst, const apic::VectorSet& set) {
    for (std::size_t w = 0; w < 4; ++w) {
      const std::uint64_t word = set.words()[w];
      store_relaxed(&dst[2 * w], static_cast<std::uint32_t>(word));
      store_relaxed(&dst[2 * w + 1], static_cast<std::uint32_t>(word >> 32));
    }
  };
  put(s->irr, apic_.irr(cpu));
  put(s->isr, apic_.isr(cpu));
  put(s->tmr, apic_.tmr(cpu));
  detail::fence_release();
  store_relaxed(&s->view_seq, (vs | 1u) + 1u);
  store_release(&s->ack_seq, acked_[i]);
  dirty_[i] = 0;
}

void Device::reject(int cpu, shm::Reject why, std::uint32_t seq, std::uint32_t detail) {
  const auto i = static_cast<std::size_t>(cpu);
  const auto k = static_cast<std::size_t>(why);
  ++stats_.rejected[k];
  rejects_[i] = saturate32(std::uint64_t{rejects_[i]} + 1);
  last_reject_[i] = static_cast<std::uint32_t>(why);
  dirty_[i] = 1;
  report(k, fmt::format("devmodel: cpu {} seq {}: {} (value {:#x}); fix: {}", cpu, seq,
                        to_string(why), detail, fix_for(why)));
}

void Device::report(std::size_t category, const std::string& text) {
  const std::uint64_t n = ++reported_[category];
  if (n > kReportFirst && !std::has_single_bit(n)) return;  // rate limit floods
  try {
    const std::string line = n > kReportFirst ? fmt::format("{} [{} so far]", text, n) : text;
    if (reporter_) reporter_(line);
  } catch (...) {  // reporting never takes the device down (it runs inside APIC callbacks)
  }
}

void Device::emit(std::uint64_t time, int cpu, trace::Record record) {
  if (!sink_) return;
  record.time = time;
  record.cpu = static_cast<std::uint16_t>(cpu);
  sink_(record);
}

void Device::on_apic_event(const apic::Event& e) {
  using apic::EventKind;
  const auto i = static_cast<std::size_t>(e.cpu);
  switch (e.kind) {
    case EventKind::IcrWrite:
      emit(e.time, e.cpu,
           trace::IcrWrite{.icr_lo = e.icr_lo,
                           .icr_hi = e.icr_hi,
                           .messages = static_cast<std::uint32_t>(e.messages),
                           .while_busy = e.while_busy}
               .to_record());
      if (e.status == apic::SendStatus::Sent && e.messages == 0) {
        ++stats_.unroutable_writes;
        report(kUnroutableReport,
               fmt::format("devmodel: cpu {} ICR write {:#x}/{:#x} reached no CPU (destination "
                           "matches no APIC id or logical id); fix: address targets by "
                           "Slot::apic_id / Slot::ldr",
                           e.cpu, e.icr_lo, e.icr_hi));
      }
      break;
    case EventKind::Accepted:
    case EventKind::Coalesced:
      ++(e.kind == EventKind::Accepted ? stats_.delivered : stats_.coalesced);
      clock_[i] = std::max(clock_[i], e.time);
      dirty_[i] = 1;
      if (e.kind == EventKind::Accepted) {
        emit(e.time, e.cpu,
             trace::IpiDeliver{.vector = static_cast<std::uint32_t>(e.vector),
                               .sender = static_cast<std::uint32_t>(e.peer)}
                 .to_record());
      } else {
        emit(e.time, e.cpu,
             trace::IrrCoalesced{.vector = static_cast<std::uint32_t>(e.vector),
                                 .sender = static_cast<std::uint32_t>(e.peer)}
                 .to_record());
      }
      break;
    case EventKind::Eoi:
      emit(e.time, e.cpu, trace::Eoi{.vector = static_cast<std::uint32_t>(e.vector)}.to_record());
      break;
    case EventKind::Error:
      ++stats_.apic_errors;
      dirty_[i] = 1;
      report(kApicErrorReport,
             fmt::format("devmodel: cpu {}: APIC error: ESR bits {:#x}, {}; refused as the "
                         "hardware would; fix: see docs/apic-model.md, Validation",
                         e.cpu, e.esr_bits, status_name(e.status)));
      emit(e.time, e.cpu,
           trace::ApicError{.esr = e.esr_bits, .status = static_cast<std::uint32_t>(e.status)}
               .to_record());
      break;
    case EventKind::Nmi:
    case EventKind::Smi:
    case EventKind::Init:
    case EventKind::Sipi:
      clock_[i] = std::max(clock_[i], e.time);
      dirty_[i] = 1;  // latched in the model; the guest's own LAPIC does bring-up
      break;
    default:
      break;
  }
}

}  // namespace xcallsim::devmodel
