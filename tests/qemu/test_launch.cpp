// [qemu] end-to-end tests of `xcallsim launch`: every guest scenario at 2, 4
// and 8 vCPUs yields a complete trace that the replay invariant checker
// accepts; the timeout, crash (triple fault, QEMU killed) and Ctrl-C paths
// end with their own message, a trace marked incomplete and nothing left
// behind; `run` and `launch` of the same scenario issue the same calls in
// the same per-CPU order.
#include <signal.h>

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "launch_support.hpp"
#include "sim/replay/verify.hpp"
#include "sim/trace/file.hpp"

using namespace qemu_test;
namespace trace = xcallsim::trace;

namespace {

#define SKIP_WITHOUT_QEMU()                                               \
  do {                                                                    \
    if (!qemu_available()) {                                              \
      WARN("SKIP: QEMU (qemu-system-x86_64) or the guest image missing"); \
      return;                                                             \
    }                                                                     \
  } while (0)

// Iterations per scenario: enough for queue coalescing and csd reuse, small
// enough that the whole tier stays within its time budget on 2 host cores.
std::string iters_for(const std::string& scenario) {
  return scenario == "storm" || scenario == "async-burst" ? "8" : "20";
}

// `path`: the --ipi-path (QEMU's LAPIC or the device model).
void launch_and_verify(const std::string& scenario, int cpus, const std::string& path = "lapic") {
  Scratch scratch("launch-" + path + "-" + scenario + "-" + std::to_string(cpus));
  const auto trace_file = scratch.file("t.trace").string();
  const Result r = run_xcallsim(
      scratch, {"launch", "--cpus", std::to_string(cpus), "--scenario", scenario, "--iters",
                iters_for(scenario), "--ipi-path", path, "--timeout", "60", "--trace", trace_file});
  INFO(scenario << " at " << cpus << " vCPUs through " << path << "\n" << r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("qemu: passed") != std::string::npos);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  if (path == "devmodel") {
    CHECK(f.header.source == trace::Source::QemuDevmodel);
    CHECK(r.out.find(", 0 rejected requests") != std::string::npos);
    // The model's own events are in the trace: every IPI it delivered.
    std::size_t delivered = 0;
    for (const auto& rec : f.trace.records) delivered += rec.kind == trace::Kind::IpiDeliver;
    CHECK(delivered > 0);
  } else {
    CHECK(f.header.source == trace::Source::QemuLapic);
  }
  CHECK((f.header.flags & trace::kFlagIncomplete) == 0);
  CHECK(f.header.cpu_count == static_cast<std::uint32_t>(cpus));
  std::size_t issues = 0;
  for (const auto& rec : f.trace.records) issues += rec.kind == trace::Kind::XcallIssue;
  CHECK(issues > 0);
  const auto violations = xcallsim::replay::verify(f.trace);
  for (const auto& v : violations) UNSCOPED_INFO(xcallsim::replay::to_string(v));
  CHECK(violations.empty());
  require_nothing_left(scratch);
}

// Runs `launch <args> --timeout 60 --trace <scratch>/t.trace`, requires it
// to pass and returns its trace.
trace::TraceFile launch_passing(const Scratch& scratch, std::vector<std::string> args) {
  const auto trace_file = scratch.file("t.trace").string();
  args.insert(args.begin(), "launch");
  args.insert(args.end(), {"--timeout", "60", "--trace", trace_file});
  const Result r = run_xcallsim(scratch, args);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  return trace::read_trace_file(trace_file);
}

}  // namespace

TEST_CASE("launch pingpong at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("pingpong", n);
}
TEST_CASE("launch async-burst at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("async-burst", n);
}
TEST_CASE("launch mask-all at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("mask-all", n);
}
TEST_CASE("launch cond at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("cond", n);
}
TEST_CASE("launch any at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("any", n);
}
TEST_CASE("launch private-irqoff at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("private-irqoff", n);
}
TEST_CASE("launch storm at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("storm", n);
}

// The same scenarios with every xcall IPI through the device model (the APIC
// model behind ivshmem-doorbell, docs/devmodel-protocol.md).
TEST_CASE("devmodel launch pingpong at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("pingpong", n, "devmodel");
}
TEST_CASE("devmodel launch async-burst at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("async-burst", n, "devmodel");
}
TEST_CASE("devmodel launch mask-all at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("mask-all", n, "devmodel");
}
TEST_CASE("devmodel launch cond at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("cond", n, "devmodel");
}
TEST_CASE("devmodel launch any at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("any", n, "devmodel");
}
TEST_CASE("devmodel launch private-irqoff at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("private-irqoff", n, "devmodel");
}
TEST_CASE("devmodel launch storm at 2 4 8 vCPUs verifies", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  for (int n : {2, 4, 8}) launch_and_verify("storm", n, "devmodel");
}

// The APIC model's semantics in the trace (issue 6): CPU 1 has IRQs off
// while CPU 0 sends vector 0x61 three times and then 0x91 (a higher
// priority class) once, all through the device model. The model accepts the
// first 0x61 (IpiDeliver) and absorbs the two repeats in IRR (IrrCoalesced);
// when CPU 1 enables IRQs it takes 0x91 before 0x61.
TEST_CASE("devmodel launch apic-coalesce shows IRR coalescing and priority order", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  constexpr std::uint32_t kLow = 0x61, kHigh = 0x91;
  Scratch scratch("dm-apic-coalesce");
  const auto trace_file = scratch.file("t.trace").string();
  const Result r =
      run_xcallsim(scratch, {"launch", "--cpus", "2", "--scenario", "apic-coalesce", "--ipi-path",
                             "devmodel", "--timeout", "60", "--trace", trace_file});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find(", 0 rejected requests") != std::string::npos);
  // The guest takes vectors from its view (posted INTA), not by round trips.
  const auto inta = r.out.find("INTA: ");
  REQUIRE(inta != std::string::npos);
  CHECK(std::stoul(r.out.substr(inta + 6)) >= 1);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  CHECK(f.header.source == trace::Source::QemuDevmodel);
  CHECK((f.header.flags & trace::kFlagIncomplete) == 0);
  std::size_t low_delivered = 0, low_coalesced = 0, high_delivered = 0;
  std::vector<std::uint32_t> entries;  // IrqEntry vectors on CPU 1, in trace order
  for (const auto& rec : f.trace.records) {
    if (rec.cpu != 1) continue;
    trace::IpiDeliver deliver;
    trace::IrrCoalesced coalesced;
    trace::IrqEntry entry;
    if (trace::as(rec, deliver)) {
      CHECK(deliver.sender == 0);  // sent by CPU 0
      low_delivered += deliver.vector == kLow;
      high_delivered += deliver.vector == kHigh;
    } else if (trace::as(rec, coalesced)) {
      CHECK(coalesced.sender == 0);
      low_coalesced += coalesced.vector == kLow;
    } else if (trace::as(rec, entry) && (entry.vector == kLow || entry.vector == kHigh)) {
      entries.push_back(entry.vector);
    }
  }
  CHECK(low_delivered == 1);
  CHECK(low_coalesced == 2);
  CHECK(high_delivered == 1);
  CHECK(entries == std::vector<std::uint32_t>{kHigh, kLow});
  require_nothing_left(scratch);
}

// An x2APIC model (which QEMU's TCG LAPIC cannot be): the guest reads the
// mode from the shared header and sends as Linux's x2apic_cluster does, so a
// mask of several CPUs leaves as one logical ICR write per cluster that the
// model fans out (SEM-45). cond at 8 vCPUs: smp_xcall_mask_cond to the even
// CPUs {2, 4, 6} from CPU 0.
TEST_CASE("devmodel launch with an x2APIC model shows cluster multicast in the trace", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("dm-x2apic");
  const trace::TraceFile f = launch_passing(
      scratch, {"--cpus", "8", "--scenario", "cond", "--iters", "3", "--model-apic", "x2apic"});
  CHECK(xcallsim::replay::verify(f.trace).empty());
  constexpr std::uint32_t kLogical = 1u << 11;  // ICR destination mode
  std::size_t multicast_sends = 0, multicast_writes = 0, physical_writes = 0;
  for (const auto& rec : f.trace.records) {
    trace::IpiSend send;
    if (trace::as(rec, send) && send.how == trace::SendHow::ClusterMulticast) ++multicast_sends;
    trace::IcrWrite icr;
    if (!trace::as(rec, icr) || (icr.icr_lo & 0xC0000u) != 0) continue;  // no shorthand
    if ((icr.icr_lo & kLogical) == 0) {
      ++physical_writes;
      continue;
    }
    const std::uint32_t bits = icr.icr_hi & 0xFFFFu;  // x2APIC logical id: cluster << 16 | bitmap
    CHECK(icr.icr_hi >> 16 == 0);                     // 8 CPUs: one cluster of 16
    CHECK(icr.messages == static_cast<std::uint32_t>(std::popcount(bits)));  // fanned out
    multicast_writes += std::popcount(bits) > 1;
  }
  CHECK(multicast_sends > 0);
  CHECK(multicast_writes > 0);
  CHECK(physical_writes == 0);  // unicasts are cluster writes of one bit too
  require_nothing_left(scratch);
}

// mask-all sends smp_xcall_mask(all) and XCALL_ALL: the policy uses the
// all-but-self shorthand (SEM-36/37); the model resolves it to every other
// CPU (IcrWrite messages = N - 1) and delivers to each.
TEST_CASE("devmodel launch mask-all shows the broadcast shorthand fanned out", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  constexpr int kCpus = 4;
  constexpr std::uint32_t kShorthand = 0xC0000u, kAllButSelf = 0xC0000u;
  Scratch scratch("dm-shorthand");
  const trace::TraceFile f = launch_passing(
      scratch, {"--cpus", std::to_string(kCpus), "--scenario", "mask-all", "--iters", "3"});
  std::size_t broadcasts = 0;
  std::vector<std::size_t> delivered(kCpus, 0);
  for (const auto& rec : f.trace.records) {
    if (rec.kind == trace::Kind::IpiDeliver || rec.kind == trace::Kind::IrrCoalesced)
      ++delivered.at(rec.cpu);  // reached the CPU (accepted, or absorbed in IRR)
    trace::IcrWrite icr;
    if (!trace::as(rec, icr) || (icr.icr_lo & kShorthand) != kAllButSelf) continue;
    CHECK(icr.messages == kCpus - 1);
    ++broadcasts;
  }
  CHECK(broadcasts > 0);
  for (int cpu = 1; cpu < kCpus; ++cpu)
    CHECK(delivered[static_cast<std::size_t>(cpu)] >= broadcasts);
  require_nothing_left(scratch);
}

TEST_CASE("devmodel launch --keep-awake runs with the spinners", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("dm-keep-awake");
  const trace::TraceFile f = launch_passing(
      scratch, {"--cpus", "2", "--scenario", "pingpong", "--iters", "20", "--keep-awake"});
  CHECK(xcallsim::replay::verify(f.trace).empty());
  require_nothing_left(scratch);
}

TEST_CASE("launch refuses --model-apic x2apic on the lapic path", "[qemu]") {
  Scratch scratch("reject-x2apic");
  const Result r = run_xcallsim(scratch, {"launch", "--cpus", "2", "--scenario", "pingpong",
                                          "--ipi-path", "lapic", "--model-apic", "x2apic"});
  INFO(r.out << r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("has no x2APIC under TCG") != std::string::npos);
  require_nothing_left(scratch);
}

TEST_CASE("launch rejects apic-coalesce on the lapic path and at 1 vCPU", "[qemu]") {
  Scratch scratch("reject-apic-coalesce");
  const Result lapic = run_xcallsim(
      scratch, {"launch", "--cpus", "2", "--scenario", "apic-coalesce", "--ipi-path", "lapic"});
  INFO(lapic.out << lapic.err);
  CHECK(lapic.status == 2);
  CHECK(lapic.err.find("only with --ipi-path devmodel") != std::string::npos);
  const Result one =
      run_xcallsim(scratch, {"launch", "--cpus", "1", "--scenario", "apic-coalesce"});
  INFO(one.out << one.err);
  CHECK(one.status == 2);
  CHECK(one.err.find("needs --cpus 2 or more") != std::string::npos);
  require_nothing_left(scratch);
}

// Killing QEMU under the device model: the partial trace is marked, and the
// server's socket, runtime directory and shared memory (a memfd: gone with
// its last fd, so no /dev/shm entry either) are gone with QEMU.
TEST_CASE("devmodel launch survives QEMU being killed mid-run", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("dm-killed");
  const auto shm_entries = [] {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/dev/shm", ec))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto shm_before = shm_entries();
  const auto trace_file = scratch.file("t.trace").string();
  const pid_t pid = start(scratch, {"launch", "--cpus", "2", "--scenario", "hang", "--ipi-path",
                                    "devmodel", "--timeout", "30", "--trace", trace_file});
  REQUIRE(wait_for_qemu_child(pid, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto qemus = processes_mentioning(scratch.runtime().string());
  REQUIRE_FALSE(qemus.empty());
  for (pid_t q : qemus) ::kill(q, SIGKILL);
  const Result r = finish(scratch, pid);
  INFO(r.out << r.err);
  CHECK(r.status == 3);
  CHECK(r.err.find("QEMU died of signal 9") != std::string::npos);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  CHECK(f.header.source == trace::Source::QemuDevmodel);
  CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
  CHECK_FALSE(f.trace.records.empty());  // the calls before the kill
  require_nothing_left(scratch);         // no QEMU, no ivshmem socket or its directory
  CHECK(shm_entries() == shm_before);
}

TEST_CASE("launch timeout kills QEMU and reports each CPU", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("timeout");
  const auto trace_file = scratch.file("t.trace").string();
  const Result r = run_xcallsim(scratch, {"launch", "--cpus", "2", "--scenario", "hang",
                                          "--timeout", "2", "--trace", trace_file});
  INFO(r.out << r.err);
  CHECK(r.status == 3);
  CHECK(r.err.find("timeout") != std::string::npos);
  // CPU 0 is stuck in its SYNC call, waiting for CPU 1 (which has IRQs off).
  CHECK(r.err.find("cpu 0: running its program; inside smp_xcall(cpu 1, SYNC)") !=
        std::string::npos);
  CHECK(r.err.find("to be unlocked by cpu 1") != std::string::npos);
  CHECK(r.err.find("cpu 1: running its program") != std::string::npos);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
  require_nothing_left(scratch);
}

TEST_CASE("launch reports a triple fault and keeps the partial trace", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("triple");
  const auto trace_file = scratch.file("t.trace").string();
  const Result r = run_xcallsim(
      scratch, {"launch", "--cpus", "2", "--scenario", "triple-fault", "--trace", trace_file});
  INFO(r.out << r.err);
  CHECK(r.status == 3);
  CHECK(r.err.find("triple-faulted") != std::string::npos);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
  CHECK_FALSE(f.trace.records.empty());  // the calls before the fault
  require_nothing_left(scratch);
}

TEST_CASE("launch survives QEMU being killed mid-run", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("killed");
  const auto trace_file = scratch.file("t.trace").string();
  const pid_t pid = start(scratch, {"launch", "--cpus", "2", "--scenario", "hang", "--timeout",
                                    "30", "--trace", trace_file});
  REQUIRE(wait_for_qemu_child(pid, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (pid_t q : processes_mentioning(scratch.runtime().string())) ::kill(q, SIGKILL);
  const Result r = finish(scratch, pid);
  INFO(r.out << r.err);
  CHECK(r.status == 3);
  CHECK(r.err.find("QEMU died of signal 9") != std::string::npos);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
  require_nothing_left(scratch);
}

// Nothing can clean up after a SIGKILL of xcallsim itself, but QEMU must not
// run on (its parent-death signal); the run directory is left for the caller.
TEST_CASE("QEMU does not outlive a SIGKILLed launch", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("launch-killed");
  const pid_t pid =
      start(scratch, {"launch", "--cpus", "2", "--scenario", "hang", "--timeout", "30"});
  REQUIRE(wait_for_qemu_child(pid, 10));
  REQUIRE_FALSE(processes_mentioning(scratch.runtime().string()).empty());
  ::kill(pid, SIGKILL);
  finish(scratch, pid);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = processes_mentioning(scratch.runtime().string()).empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(gone);
  for (pid_t q : processes_mentioning(scratch.runtime().string())) ::kill(q, SIGKILL);
}

TEST_CASE("launch stops cleanly on Ctrl-C", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("sigint");
  const auto trace_file = scratch.file("t.trace").string();
  const pid_t pid = start(scratch, {"launch", "--cpus", "2", "--scenario", "hang", "--timeout",
                                    "30", "--trace", trace_file});
  REQUIRE(wait_for_qemu_child(pid, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(pid, SIGINT);
  const Result r = finish(scratch, pid);
  INFO(r.out << r.err);
  CHECK(r.status == 130);
  CHECK(r.err.find("interrupted by SIGINT") != std::string::npos);
  const trace::TraceFile f = trace::read_trace_file(trace_file);
  CHECK((f.header.flags & trace::kFlagIncomplete) != 0);
  require_nothing_left(scratch);
}

TEST_CASE("launch and run issue the same calls in the same per-CPU order", "[qemu]") {
  SKIP_WITHOUT_QEMU();
  Scratch scratch("compare");
  // The QEMU preset, cut to the 4 CPUs the scenario twins are written for.
  const auto machine = scratch.file("qemu-4.toml");
  {
    std::ifstream in(XCALLSIM_CONFIGS_DIR "/machines/qemu.toml");
    std::ofstream out(machine);
    std::string line;
    while (std::getline(in, line))
      out << (line.rfind("cores_per_socket", 0) == 0 ? "cores_per_socket = 4" : line) << "\n";
  }
  for (const std::string s :
       {"pingpong", "async-burst", "mask-all", "cond", "any", "private-irqoff", "storm"}) {
    INFO("scenario " << s);
    const auto sim_trace = scratch.file(s + "-sim.trace").string();
    const auto qemu_trace = scratch.file(s + "-qemu.trace").string();
    const Result sim = run_xcallsim(
        scratch, {"run", "--machine", machine.string(), "--scenario",
                  XCALLSIM_CONFIGS_DIR "/scenarios/qemu-" + s + ".toml", "--trace", sim_trace});
    INFO(sim.err);
    REQUIRE(sim.status == 0);
    const Result q = run_xcallsim(scratch, {"launch", "--cpus", "4", "--scenario", s, "--iters",
                                            "10", "--burst", "3", "--trace", qemu_trace});
    INFO(q.err);
    REQUIRE(q.status == 0);
    const auto a = call_sequences(trace::read_trace(sim_trace));
    const auto b = call_sequences(trace::read_trace(qemu_trace));
    REQUIRE(a.size() == b.size());
    for (std::size_t cpu = 0; cpu < a.size(); ++cpu) {
      INFO("cpu " << cpu);
      CHECK(a[cpu].size() == b[cpu].size());
      CHECK(a[cpu] == b[cpu]);
    }
  }
  require_nothing_left(scratch);
}

TEST_CASE("launch dry-run prints the QEMU command and starts nothing", "[qemu]") {
  Scratch scratch("dry");
  const Result r =
      run_xcallsim(scratch, {"launch", "--cpus", "4", "--scenario", "storm", "--dry-run"});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  for (const char* part : {"qemu-system-x86_64", "-smp 4", "-nodefaults", "-no-reboot",
                           "isa-debug-exit,iobase=0xf4", "mode=control", "scenario=storm"})
    CHECK(r.out.find(part) != std::string::npos);
  require_nothing_left(scratch);
}

TEST_CASE("launch dry-run through the devmodel adds the ivshmem-doorbell device", "[qemu]") {
  Scratch scratch("dry-dm");
  const Result r = run_xcallsim(scratch, {"launch", "--cpus", "4", "--scenario", "storm",
                                          "--ipi-path", "devmodel", "--dry-run"});
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  for (const char* part :
       {"socket,id=ivs,path=", "ivshmem-doorbell,chardev=ivs,vectors=4", "ipi=devmodel"})
    CHECK(r.out.find(part) != std::string::npos);
  require_nothing_left(scratch);
}

TEST_CASE("launch rejects unknown scenarios and ipi paths clearly", "[qemu]") {
  Scratch scratch("reject");
  const Result dev = run_xcallsim(
      scratch, {"launch", "--cpus", "2", "--scenario", "pingpong", "--ipi-path", "ioapic"});
  CHECK(dev.status != 0);
  CHECK(dev.err.find("ipi-path") != std::string::npos);
  const Result bad = run_xcallsim(scratch, {"launch", "--cpus", "2", "--scenario", "pingpog"});
  CHECK(bad.status == 2);
  CHECK(bad.err.find("did you mean 'pingpong'") != std::string::npos);
}
