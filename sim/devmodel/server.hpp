// Contract: the device model as a QEMU ivshmem server (QEMU-NOTES 5.6) on a
// Boost.Asio io_context the caller runs. start() creates a private runtime
// directory (0700), the sealed memfd, the Device over it and the host's
// doorbell eventfds, and listens on <dir>/ivshmem.sock (before QEMU starts:
// QEMU reads the first three messages synchronously in device realize).
// - Protocol, per connection with peer id G (1, 2, ...; never reused):
//   0 (version); G; -1 + shm fd; 0 + host eventfd v for each vector v;
//   G + guest eventfd v for each vector v. One 8-byte LE int64 and at most
//   one fd per sendmsg. The host is peer 0; one guest at a time (a second
//   connection is closed and counted).
// - A doorbell (any host vector) drains the eventfd to EAGAIN and runs one
//   Device::process() pass; passes are rate-limited by a token bucket
//   (flood: the next pass waits on a timer, eventfds are re-armed after it).
//   Every CPU k returned by the pass gets guest eventfd k written (MSI-X k).
// - QEMU disconnecting (EOF on the socket) is detected, reported through
//   on_disconnect (on the io thread, before stats() counts it) and counted;
//   the guest's eventfds are closed.
// - ServerOptions::keep_awake: spinning SCHED_IDLE threads, one pinned to
//   each allowed core, while a guest is connected (they touch nothing of the
//   server); joined on disconnect/stop.
// - stop() (idempotent; also the destructor) drains the trace rings, marks
//   the header stopped, closes every fd and removes the socket and the
//   directory. Call the members from the io_context's thread, or while it
//   is not running; stats() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "sim/devmodel/device.hpp"
#include "sim/machine/machine.hpp"
#include "sim/trace/record.hpp"

namespace boost::asio {
class io_context;
}

namespace xcallsim::devmodel {

struct ServerOptions {
  std::filesystem::path runtime_parent;  // empty: RuntimeDir::default_parent()
  int vectors = 0;                       // MSI-X vectors (device `vectors=`); 0: CPU count
  std::uint64_t shm_size = 0;            // 0: required_shm_size(); else a power of two
  DeviceOptions device;
  double max_passes_per_sec = 50'000;                  // token bucket refill (doorbell-flood limit)
  double pass_burst = 64;                              // token bucket depth
  std::chrono::milliseconds trace_drain_interval{10};  // only with on_trace set
  // While a guest is connected, one SCHED_IDLE thread per allowed core
  // (named xcs-keep-awake) spins, so that an IPI's wake-ups find running
  // cores; it only uses CPU time nothing else wants. Faster medians, but on
  // a shared VM host millisecond tails (docs/performance.md "IPI path").
  bool keep_awake = false;
};

struct ServerStats {
  Stats device;
  std::uint64_t connections = 0, refused_connections = 0, disconnects = 0;
  std::uint64_t doorbells = 0;       // sum of doorbell eventfd counts (coalesced wake-ups)
  std::uint64_t wakeups = 0;         // doorbell eventfd reads that found something
  std::uint64_t throttled = 0;       // passes deferred by the rate limit
  std::uint64_t raised = 0;          // guest eventfd writes (MSI-X)
  std::uint64_t raise_failures = 0;  // no guest connected, vector >= vectors, write failed
  bool connected = false;
  std::int64_t peer_id = -1;  // of the connected guest
};

class Server {
 public:
  Server(boost::asio::io_context& io, const machine::MachineConfig& config,
         ServerOptions options = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  void start();  // throws std::system_error / std::invalid_argument with the fix
  void stop() noexcept;

  const std::filesystem::path& socket_path() const;
  const std::filesystem::path& runtime_dir() const;
  std::uint64_t shm_size() const;
  Device& device();  // after start()
  ServerStats stats() const;

  void on_disconnect(std::function<void()> callback);
  // Called with drained guest trace records (periodically and at stop()).
  void on_trace(std::function<void(std::vector<trace::Record>&)> callback);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xcallsim::devmodel
