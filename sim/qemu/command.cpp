// The QEMU command line for a launch (QEMU-NOTES: qboot for the fastest
// start, -nodefaults, -no-reboot so a triple fault ends the run, a nonzero
// isa-debug-exit success code, guest RAM in a file we can read afterwards).
#include <fmt/format.h>

#include <algorithm>

#include "sim/qemu/launcher.hpp"

namespace xcallsim::qemu {

std::uint64_t guest_ram_bytes(const LaunchOptions& options) {
  constexpr std::uint64_t kMiB = 1 << 20;
  const std::uint64_t need = abi::kAreaPhys + abi::area_bytes(options.trace_capacity) + 16 * kMiB;
  return std::max<std::uint64_t>(64 * kMiB, (need + kMiB - 1) / kMiB * kMiB);
}

std::string guest_cmdline(const LaunchOptions& options) {
  std::string s = "scenario=" + options.scenario;
  if (options.iters != 0) s += fmt::format(" iters={}", options.iters);
  if (options.burst != 0) s += fmt::format(" burst={}", options.burst);
  s += fmt::format(" tracecap={}", options.trace_capacity);
  if (options.ipi_path == IpiPath::Devmodel) s += " ipi=devmodel";
  return s;
}

std::vector<std::string> qemu_command(const LaunchOptions& options, const std::string& rundir,
                                      int ram_fd, const std::string& devmodel_socket) {
  const std::uint64_t mib = guest_ram_bytes(options) >> 20;
  std::vector<std::string> argv = {
      options.qemu,
      "-name",
      "xcallsim-launch,debug-threads=on",
      "-machine",
      "pc,memory-backend=xcallsim-ram",
      // The guest's RAM is our memfd (QEMU opens it through /proc/self/fd):
      // its trace rings outlive QEMU, whatever ends it.
      "-object",
      fmt::format("memory-backend-file,id=xcallsim-ram,size={}M,mem-path=/proc/self/fd/{},share=on",
                  mib, ram_fd),
      "-m",
      fmt::format("{}M", mib),
      "-smp",
      std::to_string(options.cpus),
      "-accel",
      "tcg",
  };
  if (options.icount) {
    argv.insert(argv.end(), {"-icount", "shift=0,sleep=off,align=off"});
  }
  argv.insert(argv.end(), {"-display", "none", "-nodefaults", "-no-reboot"});
  if (!options.bios.empty()) argv.insert(argv.end(), {"-bios", options.bios.string()});
  argv.insert(argv.end(), {
                              "-kernel",
                              options.guest_elf.string(),
                              "-append",
                              guest_cmdline(options),
                              "-debugcon",
                              "file:" + rundir + "/console.log",
                              "-device",
                              "isa-debug-exit,iobase=0xf4,iosize=0x04",
                              "-chardev",
                              "socket,id=qmp,path=" + rundir + "/qmp.sock",
                              "-mon",
                              "chardev=qmp,mode=control",
                          });
  if (options.ipi_path == IpiPath::Devmodel) {
    // QEMU runs at our priority: since protocol 2 (one host wake-up of ours
    // per IPI) that measured as good as nice 10 or better, with fewer
    // scheduler-tick tails (docs/performance.md "IPI path").
    // QEMU-NOTES 5.5-5.6: stock ivshmem-doorbell, one MSI-X vector per CPU.
    argv.insert(argv.end(),
                {"-chardev",
                 "socket,id=ivs,path=" +
                     (devmodel_socket.empty() ? std::string("<devmodel-socket>") : devmodel_socket),
                 "-device", fmt::format("ivshmem-doorbell,chardev=ivs,vectors={}", options.cpus)});
  }
  // QEMU dies with us even if we are SIGKILLed (no cleanup runs then):
  // PR_SET_PDEATHSIG, kept across nice's and QEMU's exec (util-linux setpriv).
  argv.insert(argv.begin(), {"setpriv", "--pdeathsig", "KILL", "--"});
  return argv;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("-_./=,:+@%").find(c) != std::string_view::npos;
    });
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Passed:
      return "passed";
    case Outcome::CheckFailed:
      return "check-failed";
    case Outcome::GuestException:
      return "guest-exception";
    case Outcome::GuestPanic:
      return "guest-panic";
    case Outcome::TripleFault:
      return "triple-fault";
    case Outcome::QemuFailed:
      return "qemu-failed";
    case Outcome::QemuCrashed:
      return "qemu-crashed";
    case Outcome::Timeout:
      return "timeout";
    case Outcome::Interrupted:
      return "interrupted";
  }
  return "unknown";
}

}  // namespace xcallsim::qemu
