// Test support for tests/apic: a machine built in code (no TOML), its
// Topology, an InterruptController over it, and a recorded event stream.
#pragma once

#include <vector>

#include "sim/apic/apic.hpp"

namespace xcallsim::apic::test {

using machine::ApicMode;
using machine::Distance;

// Distinct per-distance latencies so each test can tell them apart.
inline machine::ApicCosts test_costs() {
  machine::ApicCosts c;
  c.icr_write = 20;
  c.delivery = {50, 100, 150, 300, 700};  // Self, SmtSibling, SameCcx, SameSocket, CrossSocket
  c.entry = 30;
  c.exit = 40;
  c.eoi = 10;
  return c;
}

inline Time delivery(Distance d) {
  return test_costs().delivery[static_cast<std::size_t>(d)];
}

struct Shape {
  int sockets = 1;
  int cores_per_socket = 4;
  int threads_per_core = 1;
  int cores_per_ccx = 0;
};

inline machine::MachineConfig make_config(ApicMode mode, Shape shape) {
  machine::MachineConfig c;
  c.name = "apic-test";
  c.topology.sockets = shape.sockets;
  c.topology.cores_per_socket = shape.cores_per_socket;
  c.topology.threads_per_core = shape.threads_per_core;
  c.topology.cores_per_ccx = shape.cores_per_ccx;
  c.apic.mode = mode;
  c.apic.costs = test_costs();
  return c;
}

// Owns everything the controller refers to; not copyable (the controller
// keeps a reference to `topology`).
struct Rig {
  explicit Rig(ApicMode mode, Shape shape = {})
      : config(make_config(mode, shape)), topology(config), apic(topology, config.apic.costs) {
    apic.set_listener([this](const Event& e) { events.push_back(e); });
  }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  // A fixed (or other mode) IPI to one CPU by physical APIC id.
  SendResult send(int from, Time t, int to, std::uint8_t vector,
                  DeliveryMode dm = DeliveryMode::Fixed) {
    Icr icr;
    icr.vector = vector;
    icr.mode = dm;
    icr.dest = topology.apic_id(to);
    return write(from, t, icr);
  }
  SendResult shorthand(int from, Time t, Shorthand sh, std::uint8_t vector,
                       DeliveryMode dm = DeliveryMode::Fixed) {
    Icr icr;
    icr.vector = vector;
    icr.mode = dm;
    icr.shorthand = sh;
    return write(from, t, icr);
  }
  SendResult write(int from, Time t, const Icr& icr) {
    const IcrWords w = encode_icr(topology.apic_mode(), icr);
    return apic.write_icr(from, t, w.lo, w.hi);
  }
  // Delivers everything in flight.
  void settle() { apic.advance_to(~Time{0}); }

  // CPUs whose IRR holds `vector`, ascending.
  std::vector<int> holding(std::uint8_t vector) const {
    std::vector<int> cpus;
    for (int cpu = 0; cpu < apic.cpu_count(); ++cpu)
      if (apic.irr(cpu).test(vector)) cpus.push_back(cpu);
    return cpus;
  }
  std::vector<Event> of_kind(EventKind kind) const {
    std::vector<Event> out;
    for (const Event& e : events)
      if (e.kind == kind) out.push_back(e);
    return out;
  }

  machine::MachineConfig config;
  machine::Topology topology;
  InterruptController apic;
  std::vector<Event> events;
};

}  // namespace xcallsim::apic::test
