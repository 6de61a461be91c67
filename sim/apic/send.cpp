// InterruptController, sender side: ICR validation (SDM Table 10-3), target
// resolution (SEMANTICS 52-54), lowest-priority arbitration (SEM-56) and the
// timing of each message (ApicCosts::delivery by Topology::distance).
#include <algorithm>

#include "sim/apic/apic.hpp"

namespace xcallsim::apic {

namespace {

std::uint32_t esr_bits_for(SendStatus status) {
  switch (status) {
    case SendStatus::IllegalVector:
      return kEsrSendIllegalVector;
    case SendStatus::RedirectableIpi:
      return kEsrRedirectableIpi;
    default:
      return 0;
  }
}

}  // namespace

SendResult InterruptController::write_icr(int cpu, Time t, std::uint32_t lo, std::uint32_t hi,
                                          Time spacing, Time delay) {
  return send(cpu, t, decode_icr(mode_, lo, hi), IcrWords{lo, hi}, spacing, delay);
}

std::vector<int> InterruptController::destinations(int cpu, std::uint32_t lo,
                                                   std::uint32_t hi) const {
  check_cpu(cpu);
  const Icr icr = decode_icr(mode_, lo, hi);
  std::vector<int> out;
  if (validate(icr) == SendStatus::Sent) resolve_targets(cpu, icr, out);
  return out;
}

SendResult InterruptController::write_self_ipi(int cpu, Time t, std::uint8_t vector) {
  Icr icr;
  icr.vector = vector;
  icr.shorthand = Shorthand::Self;
  if (mode_ == machine::ApicMode::X2Apic) return send(cpu, t, icr, encode_icr(mode_, icr));
  // The SELF IPI MSR does not exist in xAPIC mode (WRMSR #GPs).
  CpuState& s = mutable_state(cpu);
  ++s.counters.icr_writes;
  ++s.counters.send_errors;
  record_error(cpu, t, 0, SendStatus::Unsupported);
  return SendResult{SendStatus::Unsupported, costs_.icr_write, 0, t, false};
}

bool InterruptController::icr_busy(int cpu, Time t) const {
  return t < icr_idle_at(cpu);
}

Time InterruptController::icr_idle_at(int cpu) const {
  const CpuState& s = state(cpu);
  return mode_ == machine::ApicMode::XApic && !virtual_icr_ ? s.idle_at : 0;
}

// Pentium 4 / x2APIC rules. The trigger and level bits are not judged: those
// CPUs issue every IPI as edge/assert (Table 10-3 note 2).
SendStatus InterruptController::validate(const Icr& icr) const {
  switch (icr.mode) {
    case DeliveryMode::RemoteRead:
    case DeliveryMode::ExtInt:
      return SendStatus::ReservedMode;
    case DeliveryMode::LowestPriority:
      // Checked before the vector: the SDM sets only the redirectable bit.
      if (mode_ == machine::ApicMode::X2Apic) return SendStatus::RedirectableIpi;
      break;
    default:
      break;
  }
  const bool fixed = icr.mode == DeliveryMode::Fixed;
  const bool vectored = fixed || icr.mode == DeliveryMode::LowestPriority;
  if (!fixed && (icr.shorthand == Shorthand::Self || icr.shorthand == Shorthand::AllIncludingSelf))
    return SendStatus::InvalidCombination;
  if (icr.mode == DeliveryMode::LowestPriority && icr.shorthand == Shorthand::None &&
      is_broadcast(mode_, icr.dest))
    return SendStatus::InvalidCombination;  // SEM-52
  if (vectored && icr.vector < kFirstLegalVector) return SendStatus::IllegalVector;
  return SendStatus::Sent;
}

SendResult InterruptController::send(int cpu, Time t, const Icr& icr, IcrWords raw, Time spacing,
                                     Time delay) {
  CpuState& s = mutable_state(cpu);
  SendResult r;
  r.cost = costs_.icr_write;
  r.last_arrival = t;
  r.while_busy = icr_busy(cpu, t);
  r.status = validate(icr);
  ++s.counters.icr_writes;
  if (r.while_busy) ++s.counters.writes_while_busy;
  targets_.clear();
  if (r.status == SendStatus::Sent) resolve_targets(cpu, icr, targets_);
  r.messages = static_cast<int>(targets_.size());

  if (listening()) {
    Event e;
    e.kind = EventKind::IcrWrite;
    e.time = t;
    e.cpu = cpu;
    e.vector = icr.vector;
    e.mode = icr.mode;
    e.icr_lo = raw.lo;
    e.icr_hi = raw.hi;
    e.messages = r.messages;
    e.status = r.status;
    e.while_busy = r.while_busy;
    emit(e);
  }
  if (r.status != SendStatus::Sent) {
    ++s.counters.send_errors;
    record_error(cpu, t, esr_bits_for(r.status), r.status);
    return r;
  }
  if (targets_.empty()) ++s.counters.unroutable_writes;

  const std::uint64_t first_seq = next_seq_;
  // Message i leaves at t + i x spacing (a hypervisor delivering one vCPU
  // after another; 0 for a real APIC, which sends them at once).
  const auto arrival_of = [&](std::size_t i) {
    const auto distance = static_cast<std::size_t>(topology_.distance(cpu, targets_[i]));
    return t + delay + static_cast<Time>(i) * spacing + costs_.delivery[distance];
  };
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const int target = targets_[i];
    const Time arrival = arrival_of(i);
    // P4+ issue IPIs as edge (Table 10-3 note 2): an IPI never sets TMR.
    in_flight_.add(arrival,
                   detail::Message{next_seq_++, cpu, target, icr.vector, icr.mode, Trigger::Edge});
    r.last_arrival = std::max(r.last_arrival, arrival);
  }
  in_flight_.commit();
  s.counters.messages_sent += targets_.size();
  if (mode_ == machine::ApicMode::XApic) s.idle_at = std::max(s.idle_at, r.last_arrival);

  if (listening()) {  // after commit, so the listener sees the messages in flight
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const int target = targets_[i];
      Event e;
      e.kind = EventKind::MessageSent;
      e.time = t;
      e.cpu = cpu;
      e.peer = target;
      e.vector = icr.vector;
      e.mode = icr.mode;
      e.seq = first_seq + i;
      e.arrival = arrival_of(i);
      emit(e);
    }
  }
  return r;
}

// Fills `targets` in ascending CPU order.
void InterruptController::resolve_targets(int sender, const Icr& icr,
                                          std::vector<int>& targets) const {
  switch (icr.shorthand) {
    case Shorthand::Self:
      targets.push_back(sender);
      return;
    case Shorthand::AllIncludingSelf:
      add_all_cpus(-1, targets);
      return;
    case Shorthand::AllExcludingSelf:
      add_all_cpus(sender, targets);
      break;
    case Shorthand::None:
      if (is_broadcast(mode_, icr.dest)) {
        add_all_cpus(-1, targets);
      } else if (icr.dest_mode == DestMode::Physical) {
        if (const auto cpu = topology_.cpu_of_apic_id(icr.dest)) targets.push_back(*cpu);
      } else if (mode_ == machine::ApicMode::XApic) {
        // Bounded by the 255 CPUs xAPIC can address; LDRs are software-written.
        const auto mda = static_cast<std::uint8_t>(icr.dest);
        for (int cpu = 0; cpu < cpu_count(); ++cpu)
          if (xapic_logical_match(cpu, mda)) targets.push_back(cpu);
      } else {
        add_x2apic_cluster(icr.dest, targets);
      }
      break;
  }
  if (icr.mode == DeliveryMode::LowestPriority) keep_lowest_priority(targets);
}

void InterruptController::add_all_cpus(int except, std::vector<int>& targets) const {
  for (int cpu = 0; cpu < cpu_count(); ++cpu)
    if (cpu != except) targets.push_back(cpu);
}

// SEM-54: dest[31:16] selects one cluster, dest[15:0] CPUs within it.
void InterruptController::add_x2apic_cluster(std::uint32_t dest, std::vector<int>& targets) const {
  const std::uint32_t cluster = dest >> 16;
  const auto it =
      std::lower_bound(clusters_.begin(), clusters_.end(), cluster,
                       [](const ClusterMembers& c, std::uint32_t k) { return c.cluster < k; });
  if (it == clusters_.end() || it->cluster != cluster) return;
  for (std::size_t bit = 0; bit < 16; ++bit)
    if ((dest >> bit) & 1U && it->cpu_by_bit[bit] >= 0) targets.push_back(it->cpu_by_bit[bit]);
  std::sort(targets.begin(), targets.end());  // bit order is APIC-id order, not CPU order
}

// SEM-53: flat (DFR model 1111b) matches any common bit; cluster (0000b)
// matches the cluster nibble and a common bit in the low nibble. Other DFR
// models are reserved; they are treated as flat.
bool InterruptController::xapic_logical_match(int cpu, std::uint8_t mda) const {
  const CpuState& s = cpus_[static_cast<std::size_t>(cpu)];
  const auto id = static_cast<std::uint8_t>(s.ldr >> 24);
  if ((s.dfr >> 28) == 0) return (id >> 4) == (mda >> 4) && (id & mda & 0x0F) != 0;
  return (id & mda) != 0;
}

// SEM-56: the target with the lowest PPR wins (the model's stand-in for the
// arbitration priority); ties go to the lowest APIC id. Decided at write time.
void InterruptController::keep_lowest_priority(std::vector<int>& targets) const {
  if (targets.empty()) return;
  const auto rank = [this](int cpu) { return std::pair{ppr(cpu), topology_.apic_id(cpu)}; };
  const int best = *std::min_element(targets.begin(), targets.end(),
                                     [&](int a, int b) { return rank(a) < rank(b); });
  targets.assign(1, best);
}

}  // namespace xcallsim::apic
