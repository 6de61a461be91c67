// The [scenario] test fixture: presets, Machine, Result queries.
#include "sim/testing/fixture.hpp"

#include <stdexcept>

namespace xcallsim::fixture {

namespace {

machine::MachineConfig base(std::string name, int sockets, int cores) {
  machine::MachineConfig c;
  c.name = std::move(name);
  c.source = "sim/testing/fixture.cpp";
  c.ghz = 1.0;
  c.topology.sockets = sockets;
  c.topology.cores_per_socket = cores;
  c.topology.threads_per_core = 1;
  if (sockets > 1) {
    c.topology.numa_distance.assign(static_cast<std::size_t>(sockets),
                                    std::vector<int>(static_cast<std::size_t>(sockets), 20));
    for (int s = 0; s < sockets; ++s)
      c.topology.numa_distance[static_cast<std::size_t>(s)][static_cast<std::size_t>(s)] = 10;
  }
  auto& a = c.apic.costs;
  a.icr_write = kIcrWrite;
  a.delivery = {10, 400, 500, kDeliverSameSocket, kDeliverCrossSocket};
  a.entry = kEntry;
  a.exit = kExit;
  a.eoi = kEoi;
  c.cache.transfer = {kCacheHit, 20, 40, kCacheSameSocket, 150};
  c.cache.memory = kCacheMemory;
  return c;
}

}  // namespace

machine::MachineConfig config(std::string_view preset) {
  using machine::ApicMode;
  using machine::IpiDestMode;
  if (preset == "small4") return base("small4", 1, 4);
  if (preset == "small4-zerocache") {
    auto c = base("small4-zerocache", 1, 4);
    c.cache.transfer = {};
    c.cache.memory = 0;
    return c;
  }
  if (preset == "small4-noshort") {
    auto c = base("small4-noshort", 1, 4);
    c.apic.use_shorthand = false;
    return c;
  }
  if (preset == "xapic-flat-8") {
    auto c = base("xapic-flat-8", 1, 8);
    c.apic.dest_mode = IpiDestMode::LogicalFlat;
    c.apic.use_shorthand = false;
    return c;
  }
  if (preset == "x2apic-phys-8") {
    auto c = base("x2apic-phys-8", 1, 8);
    c.apic.mode = ApicMode::X2Apic;
    c.apic.use_shorthand = false;
    return c;
  }
  if (preset == "x2apic-cluster-32") {
    auto c = base("x2apic-cluster-32", 2, 16);
    c.apic.mode = ApicMode::X2Apic;
    c.apic.dest_mode = IpiDestMode::LogicalCluster;
    c.apic.use_shorthand = false;
    return c;
  }
  if (preset == "two-socket-8") return base("two-socket-8", 2, 4);
  throw std::invalid_argument("fixture: no machine preset `" + std::string(preset) + "`");
}

Mask mask_of(std::initializer_list<int> cpus) {
  Mask m;
  for (int cpu : cpus) m.set(cpu);
  return m;
}

Machine::Machine(machine::MachineConfig config, smp::Options options)
    : sim_(std::make_unique<smp::Simulation>(config, options)) {
  sim_->add_function({"noop", 0});
  sim_->add_function({"a", 100});
  sim_->add_function({"b", 100});
  sim_->add_function({"c", 100});
  sim_->add_function({"work", 1000});
  sim_->add_function({"slow", 10000});
}

Result Machine::run() {
  smp::Outcome outcome = sim_->run();
  return Result(std::move(outcome), sim_->trace());
}

Machine machine(std::string_view preset, smp::Options options) {
  return Machine(config(preset), options);
}

std::vector<trace::Record> Result::records(Kind kind, int cpu) const {
  std::vector<trace::Record> out;
  for (const trace::Record& r : trace_.records)
    if (r.kind == kind && (cpu < 0 || r.cpu == cpu)) out.push_back(r);
  return out;
}

bool Result::mask_has(std::uint32_t mask_id, int cpu) const {
  const auto& words = trace_.masks.at(mask_id);
  const auto w = static_cast<std::size_t>(cpu / 64);
  return w < words.size() && ((words[w] >> (cpu % 64)) & 1) != 0;
}

int Result::ipis_sent(int from, int to) const {
  int n = 0;
  for (const trace::Record& r : records(Kind::IpiSend, from)) {
    const auto send = trace::IpiSend::from(r);
    if (send.target_is_mask ? mask_has(send.target, to)
                            : send.target == static_cast<std::uint32_t>(to))
      ++n;
  }
  return n;
}

int Result::delivered(int cpu, int vector) const {
  return static_cast<int>(times(Kind::IpiDeliver, cpu, vector).size());
}

int Result::coalesced(int cpu, int vector) const {
  return static_cast<int>(times(Kind::IrrCoalesced, cpu, vector).size());
}

std::vector<Cycles> Result::times(Kind kind, int cpu, int vector) const {
  std::vector<Cycles> out;
  for (const trace::Record& r : records(kind, cpu)) {
    // The kind's vector field, if it has one (a kind without one matches vector < 0 only).
    const auto has_vector = trace::visit(r, [vector](const auto& x) {
      if constexpr (requires { x.vector; }) return x.vector == static_cast<std::uint32_t>(vector);
      return false;
    });
    if (vector < 0 || has_vector) out.push_back(r.time);
  }
  return out;
}

std::vector<std::string> Result::func_runs_on(int cpu) const {
  std::vector<std::string> names;
  for (const trace::Record& r : records(Kind::FuncEntry, cpu)) {
    const std::uint32_t func = trace::FuncEntry::from(r).func;
    names.push_back(func < trace_.functions.size() ? trace_.functions[func] : "?");
  }
  return names;
}

std::vector<std::uint32_t> Result::calls_run_on(int cpu) const {
  std::vector<std::uint32_t> calls;
  for (const trace::Record& r : records(Kind::FuncEntry, cpu)) calls.push_back(r.call);
  return calls;
}

std::optional<trace::Record> Result::first(Kind kind, std::uint32_t call, int cpu) const {
  for (const trace::Record& r : trace_.records)
    if (r.kind == kind && r.call == call && (cpu < 0 || r.cpu == cpu)) return r;
  return std::nullopt;
}

std::optional<Cycles> Result::func_entry(std::uint32_t call, int cpu) const {
  const auto r = first(Kind::FuncEntry, call, cpu);
  return r ? std::optional<Cycles>(r->time) : std::nullopt;
}

std::optional<Cycles> Result::func_exit(std::uint32_t call, int cpu) const {
  const auto r = first(Kind::FuncExit, call, cpu);
  return r ? std::optional<Cycles>(r->time) : std::nullopt;
}

Cycles Result::issued_at(std::uint32_t call) const {
  const auto r = first(Kind::XcallIssue, call);
  if (!r) throw std::out_of_range("fixture: no call #" + std::to_string(call));
  return r->time;
}

std::optional<Cycles> Result::returned_at(std::uint32_t call) const {
  const auto r = first(Kind::XcallReturn, call);
  return r ? std::optional<Cycles>(r->time) : std::nullopt;
}

Cycles Result::latency(std::uint32_t call) const {
  const auto ret = returned_at(call);
  if (!ret) throw std::out_of_range("fixture: call #" + std::to_string(call) + " never returned");
  return *ret - issued_at(call);
}

std::int32_t Result::return_code(std::uint32_t call) const {
  const auto r = first(Kind::XcallReturn, call);
  if (!r) throw std::out_of_range("fixture: call #" + std::to_string(call) + " never returned");
  return trace::XcallReturn::from(*r).ret;
}

std::string Result::dump() const {
  std::string text;
  for (const trace::Record& r : trace_.records) text += trace::to_string(r, trace_) + '\n';
  return text;
}

}  // namespace xcallsim::fixture
