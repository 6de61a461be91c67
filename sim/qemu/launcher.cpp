// launch(): the QEMU process, its QMP connection, the timeout and signals on
// one Boost.Asio loop; then the verdict and the guest's trace.
#include "sim/qemu/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <x86intrin.h>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_map>

#include "sim/devmodel/server.hpp"
#include "sim/qemu/process.hpp"
#include "sim/text/text.hpp"

namespace xcallsim::qemu {
namespace {

// `name` as execvp would find it: a path, or a file in one of $PATH's directories.
bool executable_found(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return false;
}

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;

// The host TSC against the monotonic clock: under TCG without -icount the
// guest's TSC *is* the host's (QEMU reads it with rdtsc), so this is the
// guest's clock rate too, to ppm over a run, where the guest's own PIT
// calibration is at the mercy of host scheduling.
struct TscStamp {
  std::uint64_t tsc;
  Clock::time_point mono;
  static TscStamp now() { return {__rdtsc(), Clock::now()}; }
};
std::uint64_t tsc_khz_between(const TscStamp& a, const TscStamp& b) {
  const double ms = std::chrono::duration<double, std::milli>(b.mono - a.mono).count();
  return ms > 10.0 ? static_cast<std::uint64_t>(static_cast<double>(b.tsc - a.tsc) / ms) : 0;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The guest's first-xcall TSC in the live RAM file (0: not yet).
std::uint64_t first_xcall_tsc(std::span<const std::byte> ram) {
  constexpr std::uint64_t off = abi::kAreaPhys + offsetof(abi::AreaHeader, first_xcall_tsc);
  if (ram.size() < off + 8 || std::memcmp(ram.data() + abi::kAreaPhys, abi::kMagic, 8) != 0)
    return 0;
  std::uint64_t v;
  std::memcpy(&v, ram.data() + off, 8);
  return v;
}

// One run's asynchronous state; lives on launch()'s stack.
struct Loop {
  asio::io_context io;
  asio::signal_set signals{io, SIGINT, SIGTERM, SIGHUP};
  asio::steady_timer timeout{io}, kill_timer{io}, poll{io};
  local::acceptor acceptor{io};
  local::socket qmp{io};
  asio::streambuf qmp_in;
  std::unique_ptr<asio::posix::stream_descriptor> exit_watch;
  Child* child = nullptr;
  std::span<const std::byte> ram;
  std::filesystem::path qmp_path;
  Clock::time_point spawned;
  std::optional<Outcome> forced;
  int forced_signal = 0;
  bool qmp_ready = false;
  std::string shutdown_reason;
  std::optional<double> first_xcall_ms;
  std::optional<double> end_ms;         // host time QEMU ended or was told to stop
  std::function<void()> stop_devmodel;  // IpiPath::Devmodel: Server::stop()

  void drop_devmodel() {
    if (stop_devmodel) stop_devmodel();
  }

  void finish() {
    if (!child->try_reap()) return;
    if (!end_ms) end_ms = ms_since(spawned);
    drop_devmodel();
    // QEMU is gone: drop every other source of work so run() returns.
    boost::system::error_code ignore;
    signals.cancel(ignore);
    timeout.cancel();
    kill_timer.cancel();
    poll.cancel();
    acceptor.close(ignore);
    qmp.close(ignore);
    if (exit_watch) exit_watch->close(ignore);
    // And end run() outright: work anything else (the device model's
    // sockets) still has queued must not keep us waiting with the timeout
    // and the signal handlers already cancelled.
    io.stop();
  }

  void watch_exit(UniqueFd pidfd) {
    if (pidfd.get() >= 0) {
      exit_watch = std::make_unique<asio::posix::stream_descriptor>(io, pidfd.release());
      exit_watch->async_wait(asio::posix::stream_descriptor::wait_read,
                             [this](boost::system::error_code) {
                               child->reap();
                               finish();
                             });
    }
    poll_loop();
  }

  // 1 ms: the first-xcall timestamp, and QEMU's exit where there is no pidfd.
  void poll_loop() {
    if (!first_xcall_ms && first_xcall_tsc(ram) != 0) first_xcall_ms = ms_since(spawned);
    if (!exit_watch && child->try_reap()) return finish();
    if (first_xcall_ms && exit_watch) return;
    poll.expires_after(std::chrono::milliseconds(1));
    poll.async_wait([this](boost::system::error_code ec) {
      if (!ec) poll_loop();
    });
  }

  void stop(Outcome why, int sig) {
    if (forced || child->reaped()) return;
    forced = why;
    forced_signal = sig;
    end_ms = ms_since(spawned);
    drop_devmodel();  // the guest is being stopped: nothing left to serve
    if (qmp_ready) {
      auto msg = std::make_shared<std::string>("{\"execute\": \"quit\"}\n");
      asio::async_write(qmp, asio::buffer(*msg), [msg](boost::system::error_code, std::size_t) {});
      kill_timer.expires_after(std::chrono::seconds(1));
    } else {
      kill_timer.expires_after(std::chrono::milliseconds(0));
    }
    kill_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) child->signal(SIGKILL);
    });
  }

  void arm(double timeout_s) {
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (!ec) stop(Outcome::Interrupted, sig);
    });
    timeout.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)));
    timeout.async_wait([this](boost::system::error_code ec) {
      if (!ec) stop(Outcome::Timeout, 0);
    });
    acceptor.async_accept(qmp, [this](boost::system::error_code ec) {
      if (ec) return;
      std::error_code ignore;
      std::filesystem::remove(qmp_path, ignore);  // connected: the path has done its job
      auto hello = std::make_shared<std::string>("{\"execute\": \"qmp_capabilities\"}\n");
      asio::async_write(qmp, asio::buffer(*hello),
                        [this, hello](boost::system::error_code wec, std::size_t) {
                          if (wec) return;
                          qmp_ready = true;
                          if (forced) {  // a stop came before QMP was usable
                            auto quit = std::make_shared<std::string>("{\"execute\": \"quit\"}\n");
                            asio::async_write(qmp, asio::buffer(*quit),
                                              [quit](boost::system::error_code, std::size_t) {});
                          }
                        });
      read_qmp();
    });
  }

  // QMP lines: we only need the SHUTDOWN event's reason (guest-reset is
  // how a triple fault shows under -no-reboot).
  void read_qmp() {
    asio::async_read_until(qmp, qmp_in, '\n', [this](boost::system::error_code ec, std::size_t) {
      if (ec) return;
      std::istream in(&qmp_in);
      std::string line;
      std::getline(in, line);
      const auto msg = nlohmann::json::parse(line, nullptr, false);
      if (msg.is_object() && msg.value("event", "") == "SHUTDOWN" && msg.contains("data") &&
          msg["data"].is_object())
        shutdown_reason = msg["data"].value("reason", "");
      read_qmp();
    });
  }
};

std::filesystem::path runtime_parent(const LaunchOptions& options) {
  if (!options.runtime_parent.empty()) return options.runtime_parent;
  for (const char* var : {"XDG_RUNTIME_DIR", "TMPDIR"}) {
    const char* v = std::getenv(var);
    std::error_code ec;
    if (v != nullptr && *v != '\0' && std::filesystem::is_directory(v, ec)) return v;
  }
  return "/tmp";
}

// The modelled machine behind --ipi-path devmodel: configs/machines/qemu.toml
// (the machine `launch` runs) cut to `cpus` cores, so that the device model's
// costs match the preset its traces are compared against. An x2APIC model
// uses cluster logical destinations (Linux's x2apic_cluster); the guest reads
// the mode from the shared header and sends accordingly.
machine::MachineConfig devmodel_machine(int cpus, ModelApic apic) {
  machine::MachineConfig c;
  c.name = "qemu-devmodel";
  c.source = "built in (configs/machines/qemu.toml)";
  c.ghz = 2.6;
  c.topology.sockets = 1;
  c.topology.cores_per_socket = cpus;
  c.topology.threads_per_core = 1;
  const bool x2 = apic == ModelApic::X2Apic;
  c.apic.mode = x2 ? machine::ApicMode::X2Apic : machine::ApicMode::XApic;
  c.apic.dest_mode = x2 ? machine::IpiDestMode::LogicalCluster : machine::IpiDestMode::Physical;
  c.apic.use_shorthand = true;
  c.apic.costs.icr_write = 2860;
  c.apic.costs.delivery = {2860, 2860, 2860, 2860, 2860};
  c.apic.costs.entry = 62565;
  c.apic.costs.exit = 260;
  c.apic.costs.eoi = 953;
  c.cache.transfer = {26, 260, 260, 260, 260};
  c.cache.memory = 260;
  return c;
}

// The guest's records (guest TSC - time_base) and the device's (model time)
// on one clock, sorted. The device's IcrWrite records carry no call: they
// get the call of the sender's latest IpiSend.
void merge_devmodel_records(GuestTrace& g, std::optional<std::uint64_t>& end_time,
                            const devmodel::Device& device, std::vector<trace::Record> dev,
                            double model_ghz) {
  trace::Trace& t = g.trace;
  for (trace::Record& r : t.records) r.time = device.convert_tsc(r.time + g.time_base);
  if (end_time) *end_time = device.convert_tsc(*end_time + g.time_base);
  const std::size_t guest_count = t.records.size();
  for (trace::Record& r : dev)
    if (r.cpu < t.cpu_count) t.records.push_back(r);
  std::vector<char> from_device(t.records.size(), 0);
  std::fill(from_device.begin() + static_cast<std::ptrdiff_t>(guest_count), from_device.end(), 1);
  std::vector<std::size_t> order(t.records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return t.records[a].time < t.records[b].time;
  });
  std::vector<trace::Record> sorted;
  sorted.reserve(order.size());
  std::unordered_map<std::uint16_t, std::uint32_t> last_send;
  for (std::size_t i : order) {
    trace::Record r = t.records[i];
    if (!from_device[i] && r.kind == trace::Kind::IpiSend) last_send[r.cpu] = r.call;
    if (from_device[i] && r.kind == trace::Kind::IcrWrite && r.call == 0) {
      const auto it = last_send.find(r.cpu);
      if (it != last_send.end()) r.call = it->second;
    }
    sorted.push_back(r);
  }
  t.records = std::move(sorted);
  const std::uint64_t base = t.records.empty() ? 0 : t.records.front().time;
  for (trace::Record& r : t.records) r.time -= base;
  if (end_time) *end_time = *end_time > base ? *end_time - base : 0;
  t.ghz = model_ghz;
}

void classify(LaunchResult& r, const Loop& loop, const LaunchOptions& options) {
  const int st = loop.child->wait_status();
  if (WIFEXITED(st)) r.exit_status = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) r.term_signal = WTERMSIG(st);
  r.shutdown_reason = loop.shutdown_reason;
  if (loop.forced == Outcome::Timeout) {
    r.outcome = Outcome::Timeout;
    r.message = fmt::format("timeout: the guest was still running after {} s; QEMU was stopped",
                            options.timeout_s);
    return;
  }
  if (loop.forced == Outcome::Interrupted) {
    r.outcome = Outcome::Interrupted;
    const int sig = loop.forced_signal;
    r.interrupt_signal = sig;
    r.message = fmt::format("interrupted by {}; QEMU was stopped", text::signal_name(sig));
    return;
  }
  if (r.term_signal != 0) {
    r.outcome = Outcome::QemuCrashed;
    r.message = fmt::format("QEMU died of signal {} ({}) while the guest was {}", r.term_signal,
                            ::strsignal(r.term_signal), to_string(r.guest.status));
    return;
  }
  switch (r.exit_status) {
    case 33:
      r.outcome = Outcome::Passed;
      r.message = "the guest passed its checks (status 33)";
      return;
    case 35:
      r.outcome = Outcome::CheckFailed;
      r.message =
          "the guest failed a check or the xcall library warned (status 35); see the console";
      return;
    case 37:
      r.outcome = Outcome::GuestException;
      r.message = "the guest took a CPU exception (status 37); see the console";
      return;
    case 39:
      r.outcome = Outcome::GuestPanic;
      r.message = "the guest panicked (status 39); see the console";
      return;
    case 0:
      r.outcome = Outcome::TripleFault;
      r.message =
          fmt::format("the guest triple-faulted (QEMU exited 0 under -no-reboot{}) while it was {}",
                      r.shutdown_reason.empty() ? "" : ", shutdown reason " + r.shutdown_reason,
                      to_string(r.guest.status));
      return;
    default: {
      r.outcome = Outcome::QemuFailed;
      std::string last = r.qemu_log;
      while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
      if (const auto nl = last.rfind('\n'); nl != std::string::npos) last = last.substr(nl + 1);
      r.message =
          fmt::format("QEMU failed (status {}){}", r.exit_status, last.empty() ? "" : ": " + last);
    }
  }
}

}  // namespace

LaunchResult launch(const LaunchOptions& options) {
  if (options.cpus < 1 || options.cpus > abi::kMaxCpus)
    throw LaunchError(fmt::format("--cpus {} is out of range; the guest supports 1-{}",
                                  options.cpus, abi::kMaxCpus));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.guest_elf, ec))
    throw LaunchError("guest image " + options.guest_elf.string() +
                      " not found; build it (cmake --build <build dir> --target xcallsim_guest) "
                      "or pass --guest FILE / set XCALLSIM_GUEST");

  const std::uint64_t ram_bytes = guest_ram_bytes(options);
  UniqueFd ram_fd = make_ram_file(ram_bytes);
  const Mapping ram(ram_fd.get(), ram_bytes);
  std::unique_ptr<RunDir> dir;
  try {
    dir = std::make_unique<RunDir>(runtime_parent(options));
  } catch (const std::runtime_error& e) {
    throw LaunchError(e.what());
  }

  Loop loop;
  loop.ram = ram.bytes();
  // After the Loop (its io_context) so it is destroyed first.
  std::unique_ptr<devmodel::Server> server;
  std::vector<trace::Record> device_records;
  const machine::MachineConfig machine = devmodel_machine(options.cpus, options.model_apic);
  if (options.ipi_path == IpiPath::Devmodel) {
    devmodel::ServerOptions so;
    so.runtime_parent = runtime_parent(options);
    so.vectors = options.cpus;
    so.keep_awake = options.keep_awake;
    try {
      server = std::make_unique<devmodel::Server>(loop.io, machine, so);
      server->start();  // listening before QEMU starts (it connects in device realize)
    } catch (const std::exception& e) {
      throw LaunchError(fmt::format("cannot start the device model: {}", e.what()));
    }
    server->device().set_record_sink(
        [&device_records](const trace::Record& r) { device_records.push_back(r); });
    loop.stop_devmodel = [s = server.get()] { s->stop(); };
  }
  loop.qmp_path = dir->path() / "qmp.sock";
  constexpr std::size_t kSunPath = sizeof(sockaddr_un::sun_path) - 1;
  if (loop.qmp_path.string().size() > kSunPath)
    throw LaunchError(
        fmt::format("the QMP socket path {} is longer than a Unix socket allows ({} bytes); set "
                    "XDG_RUNTIME_DIR or TMPDIR to a shorter directory",
                    loop.qmp_path.string(), kSunPath));
  loop.acceptor.open();
  ::fcntl(loop.acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
  loop.acceptor.bind(local::endpoint(loop.qmp_path.string()));
  loop.acceptor.listen(1);

  // Checked here, not from the spawn's errno: with the devmodel path QEMU is
  // started through `nice`, which would turn a missing QEMU into status 127.
  if (!executable_found(options.qemu))
    throw LaunchError("QEMU (" + options.qemu +
                      ") not found; install it (Debian: apt-get install qemu-system-x86) or set "
                      "XCALLSIM_QEMU / --qemu");
  SpawnSpec spec;
  constexpr int kRamFdInQemu = 3;
  spec.argv = qemu_command(options, dir->path().string(), kRamFdInQemu,
                           server ? server->socket_path().string() : std::string());
  spec.output = dir->path() / "qemu.log";
  spec.pass_fd = ram_fd.get();
  spec.pass_as = kRamFdInQemu;
  std::unique_ptr<Child> child;
  loop.spawned = Clock::now();
  const TscStamp tsc0 = TscStamp::now();
  try {
    child = std::make_unique<Child>(spec);
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::no_such_file_or_directory)
      throw LaunchError("QEMU (" + options.qemu +
                        ") not found; install it (Debian: apt-get install qemu-system-x86) or set "
                        "XCALLSIM_QEMU / --qemu");
    throw LaunchError(e.what());
  }
  loop.child = child.get();
  loop.arm(options.timeout_s);
  loop.watch_exit(open_pidfd(child->pid()));
  loop.io.run();
  child->reap();               // normally done already; never leave QEMU behind
  if (server) server->stop();  // idempotent: also when the loop ended another way
  const std::uint64_t host_khz = tsc_khz_between(tsc0, TscStamp::now());

  LaunchResult result;
  result.wall_ms = ms_since(loop.spawned);
  result.first_xcall_ms = loop.first_xcall_ms;
  result.console = read_tail(dir->path() / "console.log", 8192);
  result.qemu_log = read_tail(dir->path() / "qemu.log", 4096);
  result.guest = decode_guest_trace(ram.bytes());
  GuestTrace& g = result.guest;
  if (options.icount) {
    g.tsc_khz = 1'000'000;  // shift=0: guest TSC = virtual ns
  } else if (host_khz > 0) {
    g.tsc_khz = host_khz;
  }
  g.trace.ghz = g.tsc_khz > 0 ? static_cast<double>(g.tsc_khz) / 1e6 : 1.0;
  if (loop.first_xcall_ms && loop.end_ms && g.first_xcall_tsc >= g.time_base && g.tsc_khz > 0) {
    const double since = std::max(0.0, *loop.end_ms - *loop.first_xcall_ms);
    result.end_time = g.first_xcall_tsc - g.time_base +
                      static_cast<std::uint64_t>(since * static_cast<double>(g.tsc_khz));
  }
  if (server) {
    result.device_records = device_records.size();
    result.device_stats = server->stats();
    merge_devmodel_records(g, result.end_time, server->device(), std::move(device_records),
                           machine.ghz);
  }
  classify(result, loop, options);
  // A guest that reached its verdict drained every call; anything else is partial.
  if (result.outcome != Outcome::Passed && result.outcome != Outcome::CheckFailed)
    result.guest.incomplete = true;
  return result;
}

}  // namespace xcallsim::qemu
