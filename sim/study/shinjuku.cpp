// Shinjuku (NSDI '19) Table 1 predicted by the model: a raw fixed IPI with an
// empty handler, sender on one core, receiver busy on another core of the same
// socket, with and without VM exits on either side, each configuration a
// machine preset and the workload a scenario file (docs/validation.md).
#include <fmt/core.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "sim/scenario/scenario.hpp"
#include "sim/smp/smp.hpp"
#include "sim/study/study.hpp"
#include "sim/trace/record.hpp"

namespace xcallsim::study {

namespace {

// One send's times, from the trace.
struct Send {
  Cycles start = 0, end = 0, write = 0, delivered = 0, entered = 0, returned = 0, exits = 0;
  bool ended = false, written = false, got = false, in = false, out = false;
};

// A record a CPU program's next op writes when it starts.
bool program_op(trace::Kind k) {
  const auto v = static_cast<std::uint16_t>(k);
  return k == trace::Kind::ProgramEnd || k == trace::Kind::Mark ||
         (v >= static_cast<std::uint16_t>(trace::Kind::Compute) &&
          v <= static_cast<std::uint16_t>(trace::Kind::PrivateBusy));
}

}  // namespace

// Shinjuku, NSDI '19, Table 1 (2x Xeon E5-2658 @ 2.3 GHz, cycles), as quoted
// in /work/shared/CALIBRATION.md "A composite to validate against", each
// with the preset of its VM-exit configuration.
const std::array<PublishedRow, 4>& shinjuku_table1() {
  static const std::array<PublishedRow, 4> rows{{
      {"IPI, no VM exits", "default.toml", 298, 1212, 1993},
      {"IPI, receiver-only exit", "validation/kvm-e5-2658-receiver-exit.toml", 298, 2662, 3433},
      {"IPI, sender-only exit", "validation/kvm-e5-2658-sender-exit.toml", 2081, 1212, 2768},
      {"IPI, exits on both sides", "validation/kvm-e5-2658-both-exits.toml", 2081, 2662, 4219},
  }};
  return rows;
}

// The sender's send is RawIpi -> its next workload record (the following
// op); the receiver's handler is IrqEntry -> IrqExit plus the exit cost.
ValidationRow measure_shinjuku(const PublishedRow& published, const machine::MachineConfig& machine,
                               const std::filesystem::path& scenario_file) {
  const scenario::Scenario s = scenario::load_scenario(scenario_file);
  smp::Simulation sim(machine);
  scenario::bind(s, sim);
  const smp::Outcome outcome = sim.run();
  if (!outcome.completed)
    throw std::runtime_error(
        fmt::format("{} on {}: the run did not complete", scenario_file.string(), machine.source));
  std::vector<Send> sends;
  int sender = -1, receiver = -1;
  std::uint32_t vector = 0;
  const auto open_send = [&]() -> Send* { return sends.empty() ? nullptr : &sends.back(); };
  for (const trace::Record& r : sim.trace().records) {
    trace::RawIpi raw;
    if (trace::as(r, raw)) {
      if (sender < 0) {
        sender = r.cpu;
        receiver = static_cast<int>(raw.target);
        vector = raw.vector;
      }
      if (r.cpu == sender) sends.push_back(Send{.start = r.time});
      continue;
    }
    Send* x = open_send();
    if (x == nullptr) continue;
    if (r.cpu == sender) {
      trace::VmExit exit;
      if (trace::as(r, exit) && !x->ended) x->exits += exit.cycles;
      if (r.kind == trace::Kind::IcrWrite && !x->written) {
        x->write = r.time;
        x->written = true;
      }
      if (program_op(r.kind) && !x->ended) {
        x->end = r.time;
        x->ended = true;
      }
    } else if (r.cpu == receiver) {
      trace::IpiDeliver deliver;
      trace::IrqEntry entry;
      trace::IrqExit irq_exit;
      trace::VmExit exit;
      if (trace::as(r, exit)) x->exits += exit.cycles;
      if (trace::as(r, deliver) && deliver.vector == vector && !x->got) {
        x->delivered = r.time;
        x->got = true;
      }
      if (trace::as(r, entry) && entry.vector == vector && !x->in) {
        x->entered = r.time;
        x->in = true;
      }
      if (trace::as(r, irq_exit) && irq_exit.vector == vector && !x->out) {
        x->returned = r.time + machine.apic.costs.exit;
        x->out = true;
      }
    }
  }
  if (sends.empty())
    throw std::invalid_argument(
        fmt::format("{} sends no raw IPI (`op = \"ipi\"`)", scenario_file.string()));
  Cycles sender_sum = 0, receiver_sum = 0, total = 0, delivery = 0, write = 0, exits = 0;
  for (const Send& x : sends) {
    if (!x.ended || !x.written || !x.got || !x.in || !x.out)
      throw std::runtime_error(fmt::format("{} on {}: a send lost its interrupt or its end",
                                           scenario_file.string(), machine.source));
    sender_sum += x.end - x.start;
    receiver_sum += x.returned - x.entered;
    total += x.returned - x.start;
    delivery += x.delivered - x.start;
    write += x.write - x.start;
    exits += x.exits;
  }
  const auto n = static_cast<Cycles>(sends.size());
  const auto mean = [n](Cycles sum) { return (sum + n / 2) / n; };
  ValidationRow row;
  row.published = published;
  row.sender = mean(sender_sum);
  row.receiver = mean(receiver_sum);
  row.total = mean(total);
  row.delivered = mean(delivery);
  row.send_at = mean(write);
  row.vm_exits = mean(exits);
  row.overlap = row.sender + row.receiver > row.total ? row.sender + row.receiver - row.total : 0;
  return row;
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
