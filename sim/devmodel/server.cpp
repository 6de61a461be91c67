// The ivshmem server: handshake, doorbells, MSI-X raises, disconnects.
#include "sim/devmodel/server.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "sim/devmodel/posix.hpp"

namespace xcallsim::devmodel {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;

struct Server::Impl {
  Impl(asio::io_context& io_, const machine::MachineConfig& config_, ServerOptions options_)
      : io(io_),
        config(config_),
        options(std::move(options_)),
        acceptor(io_),
        pass_timer(io_),
        drain_timer(io_) {}

  // Taken on the constructing thread: spdlog builds its registry lazily on
  // first use, and libspdlog is not instrumented, so a first log call from the
  // io thread races (TSan) with one from a second server's io thread.
  std::shared_ptr<spdlog::logger> log = spdlog::default_logger();

  asio::io_context& io;
  machine::MachineConfig config;
  ServerOptions options;
  std::optional<RuntimeDir> dir;
  std::filesystem::path socket_path;
  std::optional<SharedMemory> shm;
  std::optional<Device> device;
  int vectors = 0;
  std::uint64_t shm_size = 0;

  local::acceptor acceptor;
  std::vector<UniqueFd> host_efds;  // peer 0: the guest's doorbells arrive here
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> waiters;  // on dup()s
  std::vector<char> armed;
  std::unique_ptr<local::socket> client;
  std::vector<UniqueFd> guest_efds;  // peer G: written to raise MSI-X vector k
  std::int64_t next_peer_id = 1;
  std::array<char, 64> sink_buf{};

  asio::steady_timer pass_timer, drain_timer;
  bool pass_pending = false;
  double tokens = 0;
  Clock::time_point refilled{};
  bool running = false;

  std::function<void()> disconnect_cb;
  std::function<void(std::vector<trace::Record>&)> trace_cb;
  std::vector<trace::Record> drained;

  mutable std::mutex stats_mutex;
  ServerStats stats;  // guarded by stats_mutex

  std::vector<std::thread> spinners;  // ServerOptions::keep_awake
  std::atomic<bool> spinning{false};

  void start();
  void stop() noexcept;
  void accept();
  void handshake(std::unique_ptr<local::socket> sock);
  void watch_client();
  void drop_client(const char* why);
  void arm(std::size_t v);
  void on_doorbell(std::size_t v);
  bool take_token();
  void run_pass();
  void start_spinners();
  void stop_spinners() noexcept;
  void raise(int cpu);
  void schedule_drain();
  void drain_traces();
  template <class F>
  void update(F f) {
    const std::lock_guard lock(stats_mutex);
    f(stats);
  }
};

void Server::Impl::start() {
  if (running) return;
  const int cpus = machine::Topology(config).cpu_count();
  vectors = options.vectors > 0 ? options.vectors : cpus;
  const std::uint64_t need = required_shm_size(cpus, options.device.ring_capacity);
  shm_size = options.shm_size != 0 ? options.shm_size : need;
  if (shm_size < need)
    throw std::invalid_argument(fmt::format(
        "devmodel: shm size {} is below the {} bytes {} CPUs need; fix: omit it or use a larger "
        "power of two",
        shm_size, need, cpus));
  dir.emplace(options.runtime_parent);
  socket_path = dir->path() / "ivshmem.sock";
  if (socket_path.string().size() >= sizeof(sockaddr_un::sun_path))
    throw std::invalid_argument(fmt::format(
        "devmodel: socket path {} is longer than {} bytes; fix: use a shorter runtime parent "
        "directory",
        socket_path.string(), sizeof(sockaddr_un::sun_path) - 1));
  shm.emplace("xcallsim-devmodel", shm_size);
  device.emplace(config, shm->bytes(), options.device);
  for (int v = 0; v < vectors; ++v) {
    host_efds.push_back(make_eventfd());
    const int dup = ::dup(host_efds.back().get());
    if (dup < 0) throw std::system_error(errno, std::generic_category(), "devmodel: dup");
    waiters.push_back(std::make_unique<asio::posix::stream_descriptor>(io, dup));
  }
  armed.assign(static_cast<std::size_t>(vectors), 0);
  acceptor.open(local());
  acceptor.bind(local::endpoint(socket_path.string()));
  acceptor.listen();
  running = true;
  tokens = options.pass_burst;
  refilled = Clock::now();
  for (std::size_t v = 0; v < waiters.size(); ++v) arm(v);
  accept();
  if (trace_cb) schedule_drain();
}

void Server::Impl::stop() noexcept {
  if (!running) {
    dir.reset();  // a failed start() may have created it
    return;
  }
  running = false;
  stop_spinners();
  try {
    drain_traces();
  } catch (...) {
    log->error("devmodel: trace callback threw during stop");
  }
  if (device) device->stop();
  boost::system::error_code ec;
  acceptor.close(ec);
  pass_timer.cancel();
  drain_timer.cancel();
  if (client) client->close(ec);
  client.reset();
  for (auto& w : waiters) w->close(ec);
  waiters.clear();
  host_efds.clear();
  guest_efds.clear();
  update([](ServerStats& s) { s.connected = false; });
  dir.reset();  // removes the socket and the directory
}

void Server::Impl::accept() {
  auto sock = std::make_unique<local::socket>(io);
  local::socket& ref = *sock;
  acceptor.async_accept(ref, [this, s = std::move(sock)](boost::system::error_code ec) mutable {
    if (!running || ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (client) {
        boost::system::error_code ignore;
        s->close(ignore);
        update([](ServerStats& st) { ++st.refused_connections; });
        log->warn("devmodel: refused a second ivshmem client on {} (one guest at a time)",
                  socket_path.string());
      } else {
        handshake(std::move(s));
      }
    }
    accept();
  });
}

void Server::Impl::handshake(std::unique_ptr<local::socket> sock) {
  const std::int64_t id = next_peer_id++;
  std::vector<UniqueFd> efds;
  for (int v = 0; v < vectors; ++v) efds.push_back(make_eventfd());
  const int fd = sock->native_handle();
  bool ok = send_message(fd, 0) && send_message(fd, id) && send_message(fd, -1, shm->fd());
  const std::int64_t host_id = options.device.host_peer_id;
  for (int v = 0; ok && v < vectors; ++v)
    ok = send_message(fd, host_id, host_efds[static_cast<std::size_t>(v)].get());
  for (int v = 0; ok && v < vectors; ++v)
    ok = send_message(fd, id, efds[static_cast<std::size_t>(v)].get());
  if (!ok) {
    log->warn("devmodel: handshake with peer {} failed ({}); closing", id,
              std::system_category().message(errno));
    boost::system::error_code ignore;
    sock->close(ignore);
    return;
  }
  client = std::move(sock);
  guest_efds = std::move(efds);
  update([id](ServerStats& s) {
    ++s.connections;
    s.connected = true;
    s.peer_id = id;
  });
  watch_client();
  run_pass();                                // requests posted before the connection are served now
  if (options.keep_awake) start_spinners();  // while a guest is connected
}

void Server::Impl::watch_client() {
  client->async_read_some(
      asio::buffer(sink_buf), [this](boost::system::error_code ec, std::size_t) {
        if (!running || !client) return;
        if (ec) {
          drop_client(ec == asio::error::eof ? "QEMU closed the connection" : "socket error");
          return;
        }
        watch_client();  // QEMU never sends anything; ignore stray bytes
      });
}

void Server::Impl::drop_client(const char* why) {
  boost::system::error_code ignore;
  client->close(ignore);
  client.reset();
  stop_spinners();
  guest_efds.clear();
  log->info("devmodel: ivshmem peer disconnected: {}", why);
  try {
    if (disconnect_cb) disconnect_cb();  // before the stats say so: observers see both
  } catch (const std::exception& e) {
    log->error("devmodel: on_disconnect callback threw: {}", e.what());
  }
  update([](ServerStats& s) {
    ++s.disconnects;
    s.connected = false;
    s.peer_id = -1;
  });
}

void Server::Impl::arm(std::size_t v) {
  if (!running || armed[v]) return;
  armed[v] = 1;
  waiters[v]->async_wait(asio::posix::stream_descriptor::wait_read,
                         [this, v](boost::system::error_code ec) {
                           if (!running || ec == asio::error::operation_aborted) return;
                           armed[v] = 0;
                           on_doorbell(v);
                         });
}

void Server::Impl::on_doorbell(std::size_t v) {
  const std::uint64_t n = drain_eventfd(host_efds[v].get());
  update([n](ServerStats& s) {
    s.doorbells += n;
    if (n != 0) ++s.wakeups;
  });
  if (pass_pending) return;  // the deferred pass re-arms every vector
  if (take_token()) {
    run_pass();
    arm(v);
    return;
  }
  // Flooded: one pass after the bucket refills; stop listening until then.
  pass_pending = true;
  update([](ServerStats& s) { ++s.throttled; });
  const auto wait = std::chrono::duration<double>(1.0 / options.max_passes_per_sec);
  pass_timer.expires_after(std::chrono::duration_cast<Clock::duration>(wait));
  pass_timer.async_wait([this](boost::system::error_code ec) {
    if (!running || ec == asio::error::operation_aborted) return;
    pass_pending = false;
    take_token();
    run_pass();
    for (std::size_t k = 0; k < waiters.size(); ++k) arm(k);
  });
}

bool Server::Impl::take_token() {
  const Clock::time_point now = Clock::now();
  const double dt = std::chrono::duration<double>(now - refilled).count();
  refilled = now;
  tokens = std::min(options.pass_burst, tokens + dt * options.max_passes_per_sec);
  if (tokens < 1.0) return false;
  tokens -= 1.0;
  return true;
}

// Under the stats lock for the whole pass: whoever sees this pass's acks in
// shared memory, or its MSI-X, and then asks for stats() gets its counts.
void Server::Impl::run_pass() {
  const std::lock_guard lock(stats_mutex);
  const std::vector<int>& signals = device->process();
  for (int cpu : signals) raise(cpu);
  stats.device = device->stats();
}

// Called with stats_mutex held.
void Server::Impl::raise(int cpu) {
  const auto k = static_cast<std::size_t>(cpu);
  const bool ok = k < guest_efds.size() && signal_eventfd(guest_efds[k].get());
  ok ? ++stats.raised : ++stats.raise_failures;
}

void Server::Impl::schedule_drain() {
  drain_timer.expires_after(options.trace_drain_interval);
  drain_timer.async_wait([this](boost::system::error_code ec) {
    if (!running || ec == asio::error::operation_aborted) return;
    drain_traces();
    schedule_drain();
  });
}

// Keeps the host's cores from going idle while a guest runs: every IPI wakes
// three threads in turn (this server's, QEMU's main loop, the target vCPU),
// and a core leaving its idle state (on a VM, a halted vCPU) costs more than
// the model (docs/performance.md "IPI path"). One spinner pinned to each
// core we may run on, since the scheduler may place a woken thread on any of
// them. SCHED_IDLE: a spinner only gets CPU time nothing else wants, and a
// woken thread preempts it at once.
void Server::Impl::start_spinners() {
  if (!spinners.empty()) return;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  spinning = true;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    spinners.emplace_back([this, cpu] {
      pthread_setname_np(pthread_self(), "xcs-keep-awake");
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      const sched_param param{};
      if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0 ||
          pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) != 0)
        return;
      // sched_yield, not PAUSE: picked while others are runnable (the
      // scheduler still gives SCHED_IDLE a slice now and then), it hands the
      // core over at once instead of holding it for the slice.
      while (spinning.load(std::memory_order_relaxed)) sched_yield();
    });
  }
}

void Server::Impl::stop_spinners() noexcept {
  spinning = false;
  for (std::thread& t : spinners) t.join();
  spinners.clear();
}

void Server::Impl::drain_traces() {
  if (!device || !trace_cb) return;
  drained.clear();
  device->drain_trace_rings(drained);
  if (!drained.empty()) trace_cb(drained);
  update([this](ServerStats& s) { s.device = device->stats(); });
}

Server::Server(asio::io_context& io, const machine::MachineConfig& config, ServerOptions options)
    : impl_(std::make_unique<Impl>(io, config, std::move(options))) {
  if (!(impl_->options.max_passes_per_sec > 0) || !(impl_->options.pass_burst >= 1))
    throw std::invalid_argument(
        "devmodel: max_passes_per_sec must be > 0 and pass_burst >= 1; fix: the server options");
}

Server::~Server() {
  stop();
}

void Server::start() {
  try {
    impl_->start();
  } catch (...) {
    impl_->running = true;  // release whatever was created
    impl_->stop();
    throw;
  }
}

void Server::stop() noexcept {
  impl_->stop();
}
const std::filesystem::path& Server::socket_path() const {
  return impl_->socket_path;
}
const std::filesystem::path& Server::runtime_dir() const {
  static const std::filesystem::path none;
  return impl_->dir ? impl_->dir->path() : none;
}
std::uint64_t Server::shm_size() const {
  return impl_->shm_size;
}
Device& Server::device() {
  if (!impl_->device) throw std::logic_error("devmodel: Server::device() before start()");
  return *impl_->device;
}
ServerStats Server::stats() const {
  const std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}
void Server::on_disconnect(std::function<void()> callback) {
  impl_->disconnect_cb = std::move(callback);
}
void Server::on_trace(std::function<void(std::vector<trace::Record>&)> callback) {
  impl_->trace_cb = std::move(callback);
}

}  // namespace xcallsim::devmodel
