// Scenario -> per-CPU programs on a Simulation. Ops are interpreted on the
// CPU's fiber; everything random comes from a per-CPU generator seeded from
// the scenario seed and the CPU id, so runs are reproducible.
#include <cstdint>
#include <memory>
#include <string>

#include "sim/scenario/scenario.hpp"

namespace xcallsim::scenario {
namespace {

// splitmix64: tiny, well-distributed, and identical on every platform
// (std:: distributions are not specified bit-for-bit).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + next() % (hi - lo + 1); }

 private:
  std::uint64_t state_;
};

smp::Mask resolve(const CpuList& list, int self, int cpu_count) {
  smp::Mask mask;
  switch (list.base) {
    case CpuList::Base::All:
    case CpuList::Base::Others:
      for (int cpu = 0; cpu < cpu_count; ++cpu) {
        if (list.base == CpuList::Base::All || cpu != self) mask.set(cpu);
      }
      break;
    case CpuList::Base::Self:
      mask.set(self);
      break;
    case CpuList::Base::Explicit:
      for (int cpu : list.ids) mask.set(cpu);
      break;
  }
  return mask;
}

class Interpreter {
 public:
  Interpreter(smp::Cpu& cpu, std::uint64_t seed, const std::vector<smp::FuncId>& funcs)
      : cpu_(cpu),
        rng_(seed ^ (0xA0761D6478BD642Full * static_cast<std::uint64_t>(cpu.id() + 1))),
        funcs_(funcs) {}

  void run(const std::vector<Op>& ops) {
    for (const Op& op : ops) step(op);
  }

 private:
  void step(const Op& op) {
    const smp::FuncId func = funcs_.empty() ? 0 : funcs_[op.func];
    const int target = op.target == kSelfTarget ? cpu_.id() : op.target;
    switch (op.kind) {
      case OpKind::Compute:
        cpu_.compute(op.cycles ? op.cycles : rng_.between(op.min_cycles, op.max_cycles));
        break;
      case OpKind::IrqOff: {
        const bool was_disabled = cpu_.irqs_disabled();
        cpu_.irq_disable();
        run(op.body);
        if (!was_disabled) cpu_.irq_enable();
        break;
      }
      case OpKind::Repeat:
        for (std::uint64_t i = 0; i < op.count; ++i) run(op.body);
        break;
      case OpKind::Xcall:
        if (op.cond) {
          cpu_.xcall_cond(target, func, op.flags, *smp::cond_from_name(*op.cond));
        } else {
          cpu_.xcall(target, func, op.flags);
        }
        break;
      case OpKind::XcallMask: {
        smp::Mask mask = resolve(op.mask, cpu_.id(), cpu_.cpu_count());
        if (op.cond) {
          cpu_.xcall_mask_cond(mask, func, op.flags, *smp::cond_from_name(*op.cond));
        } else {
          cpu_.xcall_mask(mask, func, op.flags);
        }
        break;
      }
      case OpKind::XcallPrivate:
        cpu_.xcall_private(target, op.slot, func, op.flags);
        break;
      case OpKind::XcallAny:
        cpu_.xcall_any(resolve(op.mask, cpu_.id(), cpu_.cpu_count()), func, op.flags);
        break;
      case OpKind::Ipi:
        cpu_.send_ipi(target, op.vector);
        break;
      case OpKind::SetTpr:
        cpu_.set_tpr(op.vector);
        break;
    }
  }

  smp::Cpu& cpu_;
  Rng rng_;
  const std::vector<smp::FuncId>& funcs_;
};

[[noreturn]] void fail(const Scenario& s, config::Position where, std::string message,
                       std::string fix) {
  throw config::ConfigError(s.source, where.line, where.column, std::move(message), std::move(fix));
}

void check_ops(const Scenario& s, const std::vector<Op>& ops, int private_slots, int cpu_count) {
  for (const Op& op : ops) {
    if (op.kind == OpKind::XcallMask || op.kind == OpKind::XcallAny) {
      if (!op.mask.ids.empty() && op.mask.ids.back() >= smp::kMaxCpus) {
        fail(s, op.where, "mask names CPU " + std::to_string(op.mask.ids.back()),
             "masks hold CPUs 0-" + std::to_string(smp::kMaxCpus - 1));
      }
    }
    if (op.kind == OpKind::Ipi && op.target >= cpu_count) {
      fail(s, op.where, "ipi target CPU " + std::to_string(op.target) + " does not exist",
           "use a CPU below " + std::to_string(cpu_count));
    }
    if (op.kind == OpKind::XcallPrivate && op.slot >= private_slots) {
      fail(s, op.where, "csd slot " + std::to_string(op.slot) + " does not exist",
           "use a slot below " + std::to_string(private_slots));
    }
    check_ops(s, op.body, private_slots, cpu_count);
  }
}

}  // namespace

void bind(const Scenario& scenario, smp::Simulation& sim) {
  auto funcs = std::make_shared<std::vector<smp::FuncId>>();
  for (const smp::FuncSpec& spec : scenario.functions) funcs->push_back(sim.add_function(spec));
  for (const auto& [vector, handler] : scenario.vectors) sim.add_vector_handler(vector, handler);

  const int cpu_count = sim.cpu_count();
  std::vector<const CpuProgram*> owner(static_cast<std::size_t>(cpu_count), nullptr);
  for (const CpuProgram& program : scenario.programs) {
    check_ops(scenario, program.ops, sim.options().private_slots, cpu_count);
    smp::Mask cpus = resolve(program.cpus, 0, cpu_count);
    if (!program.cpus.ids.empty() && program.cpus.ids.back() >= cpu_count) {
      fail(scenario, program.where,
           "program names CPU " + std::to_string(program.cpus.ids.back()) + " but machine has " +
               std::to_string(cpu_count) + " CPUs",
           "use CPUs 0-" + std::to_string(cpu_count - 1) + " or a machine with more CPUs");
    }
    for (int cpu = 0; cpu < cpu_count; ++cpu) {
      if (!cpus.test(cpu)) continue;
      auto& slot = owner[static_cast<std::size_t>(cpu)];
      if (slot != nullptr) {
        fail(scenario, program.where,
             "CPU " + std::to_string(cpu) + " already runs the program at line " +
                 std::to_string(slot->where.line),
             "give each CPU at most one program");
      }
      slot = &program;
      const std::vector<Op>* ops = &program.ops;
      const std::uint64_t seed = scenario.seed;
      sim.set_program(cpu,
                      [ops, seed, funcs](smp::Cpu& c) { Interpreter(c, seed, *funcs).run(*ops); });
    }
  }
}

}  // namespace xcallsim::scenario
