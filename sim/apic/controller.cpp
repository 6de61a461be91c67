// InterruptController: construction, the receive side (acceptance, priority,
// acknowledge, EOI) and the per-CPU registers. Sending lives in send.cpp.
#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>
#include <utility>

#include "sim/apic/apic.hpp"

namespace xcallsim::apic {

namespace {

int priority_class(int vector) {
  return vector >> 4;
}

// Linux's flat-mode default_init_apic_ldr(): logical id 1 << cpu for the first
// eight CPUs; the rest get 0 and are reachable only physically.
std::uint32_t default_xapic_ldr(int cpu) {
  return cpu < 8 ? (1U << cpu) << 24 : 0U;
}

}  // namespace

InterruptController::InterruptController(const machine::Topology& topology,
                                         const machine::ApicCosts& costs)
    : topology_(topology),
      costs_(costs),
      mode_(topology.apic_mode()),
      cpus_(static_cast<std::size_t>(topology.cpu_count())),
      coalesced_by_vector_(cpus_.size()) {
  for (int cpu = 0; cpu < cpu_count(); ++cpu) {
    const std::uint32_t id = topology.apic_id(cpu);
    if (mode_ == machine::ApicMode::XApic) {
      if (id >= kXApicBroadcast)
        throw std::invalid_argument("apic: CPU " + std::to_string(cpu) + " has APIC id " +
                                    std::to_string(id) +
                                    ", which xAPIC cannot address (8-bit ids, 0xFF is broadcast); "
                                    "use x2APIC mode for machines with more than 255 CPUs");
      cpus_[static_cast<std::size_t>(cpu)].ldr = default_xapic_ldr(cpu);
      continue;
    }
    if (id == kX2ApicBroadcast)
      throw std::invalid_argument("apic: CPU " + std::to_string(cpu) +
                                  " has x2APIC id 0xFFFFFFFF, which is the broadcast address");
    const std::uint32_t logical = topology.x2apic_logical_id(cpu);
    const std::uint32_t cluster = logical >> 16;
    auto it =
        std::lower_bound(clusters_.begin(), clusters_.end(), cluster,
                         [](const ClusterMembers& c, std::uint32_t k) { return c.cluster < k; });
    if (it == clusters_.end() || it->cluster != cluster) {
      ClusterMembers members{cluster, {}};
      members.cpu_by_bit.fill(-1);
      it = clusters_.insert(it, members);
    }
    const std::uint32_t bitmap = logical & 0xFFFFU;
    if (bitmap != 0) it->cpu_by_bit[static_cast<std::size_t>(std::countr_zero(bitmap))] = cpu;
  }
}

void InterruptController::throw_bad_cpu(int cpu) const {
  throw std::out_of_range("apic: CPU " + std::to_string(cpu) + " out of range [0, " +
                          std::to_string(cpu_count()) + ")");
}

void InterruptController::throw_notifying() {
  throw std::logic_error("apic: the listener called a mutating InterruptController member");
}

void InterruptController::emit(const Event& e) {
  struct Done {  // resets the flag even when the listener throws
    bool& flag;
    ~Done() { flag = false; }
  } done{notifying_};
  notifying_ = true;
  listener_(e);
}

void InterruptController::record_error(int cpu, Time t, std::uint32_t esr_bits, SendStatus status) {
  cpus_[static_cast<std::size_t>(cpu)].esr_pending |= esr_bits;
  if (!listening()) return;
  Event e;
  e.kind = EventKind::Error;
  e.time = t;
  e.cpu = cpu;
  e.esr_bits = esr_bits;
  e.status = status;
  emit(e);
}

void InterruptController::raise_external(int cpu, Time t, std::uint8_t vector, Trigger trigger) {
  mutable_state(cpu);  // validates cpu
  in_flight_.add(t, detail::Message{next_seq_++, -1, cpu, vector, DeliveryMode::Fixed, trigger});
  in_flight_.commit();
}

void InterruptController::advance_to(Time t) {
  check_not_notifying();
  in_flight_.drain_until(t, [this](Time at, const detail::Message& m) { apply(at, m); });
}

// One message reaches its target's APIC (SEM-48).
void InterruptController::apply(Time t, const detail::Message& m) {
  CpuState& s = cpus_[static_cast<std::size_t>(m.to)];
  Event e;
  e.time = t;
  e.cpu = m.to;
  e.peer = m.from;
  e.vector = m.vector;
  e.mode = m.mode;
  e.seq = m.seq;
  switch (m.mode) {
    case DeliveryMode::Nmi:
      s.nmi = true;  // a single latch: NMIs arriving while one is pending merge
      ++s.counters.nmis;
      e.kind = EventKind::Nmi;
      break;
    case DeliveryMode::Smi:
      s.smi = true;
      ++s.counters.smis;
      e.kind = EventKind::Smi;
      break;
    case DeliveryMode::Init:
      s.init = true;
      ++s.counters.inits;
      e.kind = EventKind::Init;
      break;
    case DeliveryMode::StartUp:
      s.sipi = m.vector;
      ++s.counters.sipis;
      e.kind = EventKind::Sipi;
      break;
    default:  // Fixed and LowestPriority (the sender rejected every other mode)
      if (m.vector < kFirstLegalVector) {
        // Only external interrupts get here: senders reject illegal vectors.
        ++s.counters.receive_errors;
        record_error(m.to, t, kEsrReceiveIllegalVector, SendStatus::Sent);
        return;
      }
      if (s.irr.test(m.vector)) {
        ++s.counters.coalesced;
        ++coalesced_by_vector_[static_cast<std::size_t>(m.to)][m.vector];
        e.kind = EventKind::Coalesced;
        break;
      }
      s.irr.set(m.vector);
      s.tmr.assign(m.vector, m.trigger == Trigger::Level);
      ++s.counters.accepted;
      e.kind = EventKind::Accepted;
      e.level = m.trigger == Trigger::Level;
      break;
  }
  if (listening()) emit(e);
}

std::uint8_t InterruptController::ppr(int cpu) const {
  const CpuState& s = state(cpu);
  const int isrv = std::max(s.isr.highest(), 0);
  if (priority_class(s.tpr) >= priority_class(isrv)) return s.tpr;
  return static_cast<std::uint8_t>(isrv & 0xF0);
}

int InterruptController::highest_deliverable(int cpu) const {
  const int v = state(cpu).irr.highest();
  if (v < 0 || priority_class(v) <= priority_class(ppr(cpu))) return -1;
  return v;
}

int InterruptController::acknowledge(int cpu, Time t) {
  const int v = highest_deliverable(cpu);
  if (v >= 0) dispatch(cpu, static_cast<std::uint8_t>(v), t);
  return v;
}

bool InterruptController::acknowledge_vector(int cpu, Time t, std::uint8_t vector) {
  const CpuState& s = state(cpu);
  if (!s.irr.test(vector) || priority_class(vector) <= priority_class(ppr(cpu))) return false;
  dispatch(cpu, vector, t);
  return true;
}

void InterruptController::dispatch(int cpu, std::uint8_t vector, Time t) {
  CpuState& s = mutable_state(cpu);
  s.irr.reset(vector);
  s.isr.set(vector);
  ++s.counters.dispatched;
  if (listening()) {
    Event e;
    e.kind = EventKind::Dispatched;
    e.time = t;
    e.cpu = cpu;
    e.vector = vector;
    emit(e);
  }
}

void InterruptController::write_eoi(int cpu, Time t) {
  CpuState& s = mutable_state(cpu);
  const int v = s.isr.highest();
  if (v < 0) {
    ++s.counters.eoi_ignored;
    return;
  }
  const auto vector = static_cast<std::uint8_t>(v);
  s.isr.reset(vector);
  ++s.counters.eois;
  const bool level = s.tmr.test(vector);
  if (level) ++s.counters.eoi_messages;
  if (listening()) {
    Event e;
    e.kind = EventKind::Eoi;
    e.time = t;
    e.cpu = cpu;
    e.vector = v;
    e.level = level;
    emit(e);
  }
}

void InterruptController::write_tpr(int cpu, std::uint8_t tpr) {
  mutable_state(cpu).tpr = tpr;
}

bool InterruptController::take_nmi(int cpu) {
  return std::exchange(mutable_state(cpu).nmi, false);
}
bool InterruptController::take_smi(int cpu) {
  return std::exchange(mutable_state(cpu).smi, false);
}
bool InterruptController::take_init(int cpu) {
  return std::exchange(mutable_state(cpu).init, false);
}
std::optional<std::uint8_t> InterruptController::take_sipi(int cpu) {
  return std::exchange(mutable_state(cpu).sipi, std::nullopt);
}

void InterruptController::write_esr(int cpu) {
  CpuState& s = mutable_state(cpu);
  s.esr_read = std::exchange(s.esr_pending, 0U);
}

bool InterruptController::write_ldr(int cpu, std::uint32_t value) {
  CpuState& s = mutable_state(cpu);
  if (mode_ != machine::ApicMode::XApic) return false;
  s.ldr = value & 0xFF000000U;  // bits [23:0] are reserved
  return true;
}

bool InterruptController::write_dfr(int cpu, std::uint32_t value) {
  CpuState& s = mutable_state(cpu);
  if (mode_ != machine::ApicMode::XApic) return false;
  s.dfr = value | 0x0FFFFFFFU;  // bits [27:0] are reserved and read as ones
  return true;
}

std::uint32_t InterruptController::ldr(int cpu) const {
  const CpuState& s = state(cpu);
  return mode_ == machine::ApicMode::XApic ? s.ldr : topology_.x2apic_logical_id(cpu);
}

std::uint32_t InterruptController::dfr(int cpu) const {
  const CpuState& s = state(cpu);
  return mode_ == machine::ApicMode::XApic ? s.dfr : 0U;
}

std::uint64_t InterruptController::coalesced(int cpu, std::uint8_t vector) const {
  state(cpu);  // validates cpu
  return coalesced_by_vector_[static_cast<std::size_t>(cpu)][vector];
}

}  // namespace xcallsim::apic
