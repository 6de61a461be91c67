// Shinjuku (NSDI '19) Table 1 predicted by the model: a raw fixed IPI with an
// empty handler, sender on one core, receiver busy on another core of the same
// socket, with and without VM exits on either side (docs/validation.md).
#include <fmt/core.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "sim/smp/smp.hpp"
#include "sim/study/study.hpp"

namespace xcallsim::study {

namespace {

// A scenario-style vector (class 4), not 0xfb/0xfc: Shinjuku's IPIs are raw.
constexpr std::uint8_t kVector = 0x41;
constexpr Cycles kWarmup = 2000;  // before the first send
constexpr Cycles kGap = 40000;    // between sends, at least: every handler has long returned

int receiver_of(const machine::Topology& topology) {
  for (int cpu = 1; cpu < topology.cpu_count(); ++cpu) {
    const machine::Distance d = topology.distance(0, cpu);
    if (d == machine::Distance::SameSocket || d == machine::Distance::SameCcx) return cpu;
  }
  throw std::invalid_argument("the Shinjuku validation needs two cores in CPU 0's socket");
}

struct Samples {
  std::vector<Cycles> start, end;  // sender: start of the send, its return
};

ValidationRow run_row(const machine::MachineConfig& base, const PublishedRow& published,
                      const VmExitPenalties& p, int reps) {
  machine::MachineConfig config = base;
  if (published.receiver_exit) config.apic.costs.entry += p.receiver;
  Cycles before = 0, after = 0;
  if (published.sender_exit) {
    before =
        static_cast<Cycles>(std::llround(static_cast<double>(p.sender) * p.sender_before_send));
    after = p.sender - before;
  }

  smp::Simulation sim(config);
  const int receiver = receiver_of(sim.topology());
  const machine::ApicCosts& c = config.apic.costs;
  const Cycles gap =
      kGap + 2 * (c.delivery[static_cast<int>(sim.topology().distance(0, receiver))] + c.entry +
                  c.eoi + c.exit);
  sim.add_vector_handler(kVector, smp::VectorHandler{"shinjuku_empty", 0, false});
  auto samples = std::make_shared<Samples>();
  sim.set_program(0, [=](smp::Cpu& cpu) {
    cpu.compute(kWarmup);
    for (int i = 0; i < reps; ++i) {
      samples->start.push_back(cpu.now());
      if (published.sender_exit) {
        // The guest's ICR write traps: the VM exit runs with interrupts held
        // off, the hypervisor does the real write, then re-enters the guest.
        cpu.irq_disable();
        cpu.compute(before);
        cpu.send_ipi(receiver, kVector);
        cpu.compute(after);
        cpu.irq_enable();
      } else {
        cpu.send_ipi(receiver, kVector);
      }
      samples->end.push_back(cpu.now());
      cpu.compute(gap);
    }
  });
  // Shinjuku's receivers are busy workers, interrupted mid-computation.
  const Cycles busy = kWarmup + static_cast<Cycles>(reps + 1) * (gap + p.sender + 10000);
  sim.set_program(receiver, [busy](smp::Cpu& cpu) { cpu.compute(busy); });
  const smp::Outcome outcome = sim.run();
  if (!outcome.completed || samples->start.size() != static_cast<std::size_t>(reps))
    throw std::runtime_error("the Shinjuku validation run did not complete");

  // Receiver side from the trace: delivery, entry record, exit record (+ exit cost).
  std::vector<Cycles> delivered, entered, returned;
  for (const trace::Record& r : sim.trace().records) {
    if (r.cpu != receiver) continue;
    trace::IpiDeliver deliver;
    trace::IrqEntry entry;
    trace::IrqExit exit;
    if (trace::as(r, deliver) && deliver.vector == kVector) delivered.push_back(r.time);
    if (trace::as(r, entry) && entry.vector == kVector) entered.push_back(r.time);
    if (trace::as(r, exit) && exit.vector == kVector)
      returned.push_back(r.time + config.apic.costs.exit);
  }
  if (delivered.size() != samples->start.size() || entered.size() != samples->start.size() ||
      returned.size() != samples->start.size())
    throw std::runtime_error("the Shinjuku validation run lost an interrupt");

  Cycles sender = 0, receiver_cost = 0, total = 0, delivery = 0;
  for (std::size_t i = 0; i < samples->start.size(); ++i) {
    sender += samples->end[i] - samples->start[i];
    receiver_cost += returned[i] - entered[i];
    total += returned[i] - samples->start[i];
    delivery += delivered[i] - samples->start[i];
  }
  const auto n = static_cast<Cycles>(reps);
  ValidationRow row;
  row.published = published;
  row.sender = (sender + n / 2) / n;
  row.receiver = (receiver_cost + n / 2) / n;
  row.total = (total + n / 2) / n;
  row.delivered = (delivery + n / 2) / n;
  row.send_at = before;
  row.overlap = row.sender + row.receiver > row.total ? row.sender + row.receiver - row.total : 0;
  return row;
}

}  // namespace

// Shinjuku, NSDI '19, Table 1 (2x Xeon E5-2658 @ 2.3 GHz, cycles), as quoted
// in /work/shared/CALIBRATION.md "A composite to validate against".
const std::array<PublishedRow, 4>& shinjuku_table1() {
  static const std::array<PublishedRow, 4> rows{{
      {"IPI, no VM exits", false, false, 298, 1212, 1993},
      {"IPI, receiver-only exit", false, true, 298, 2662, 3433},
      {"IPI, sender-only exit", true, false, 2081, 1212, 2768},
      {"IPI, exits on both sides", true, true, 2081, 2662, 4219},
  }};
  return rows;
}

std::vector<ValidationRow> validate_shinjuku(const machine::MachineConfig& machine,
                                             const VmExitPenalties& penalties, int reps) {
  if (reps < 1) throw std::invalid_argument("reps must be at least 1");
  if (penalties.sender_before_send < 0.0 || penalties.sender_before_send > 1.0)
    throw std::invalid_argument("sender_before_send must be in [0, 1]");
  std::vector<ValidationRow> rows;
  for (const PublishedRow& published : shinjuku_table1())
    rows.push_back(run_row(machine, published, penalties, reps));
  return rows;
}

double error_percent(Cycles model, Cycles published) {
  if (published == 0) return 0.0;
  return 100.0 * (static_cast<double>(model) - static_cast<double>(published)) /
         static_cast<double>(published);
}

std::string format_validation(const std::vector<ValidationRow>& rows, bool markdown) {
  std::string out;
  const auto pct = [](Cycles m, Cycles p) { return fmt::format("{:+.1f}%", error_percent(m, p)); };
  if (markdown) {
    out +=
        "| mechanism | sender model | sender published | receiver model | receiver published | "
        "total model | total published | total error |\n";
    out += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const ValidationRow& r : rows)
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", r.published.mechanism,
                         r.sender, r.published.sender, r.receiver, r.published.receiver, r.total,
                         r.published.total, pct(r.total, r.published.total));
    return out;
  }
  out += fmt::format("{:<26} {:>15} {:>8} {:>17} {:>8} {:>15} {:>8}\n", "mechanism",
                     "sender mod/pub", "err", "receiver mod/pub", "err", "total mod/pub", "err");
  for (const ValidationRow& r : rows)
    out += fmt::format(
        "{:<26} {:>15} {:>8} {:>17} {:>8} {:>15} {:>8}\n", r.published.mechanism,
        fmt::format("{}/{}", r.sender, r.published.sender), pct(r.sender, r.published.sender),
        fmt::format("{}/{}", r.receiver, r.published.receiver),
        pct(r.receiver, r.published.receiver), fmt::format("{}/{}", r.total, r.published.total),
        pct(r.total, r.published.total));
  return out;
}

}  // namespace xcallsim::study
