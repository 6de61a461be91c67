// Test support for tests/devmodel: a client that plays QEMU's side of the
// ivshmem protocol (and the guest's side of the shared-memory protocol)
// against a devmodel::Server running on its own thread, so the device model
// is tested without QEMU. Every wait has a timeout: a hang fails a test
// instead of blocking it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sim/devmodel/posix.hpp"
#include "sim/devmodel/request.hpp"
#include "sim/devmodel/server.hpp"
#include "sim/devmodel/shm_layout.hpp"
#include "sim/machine/machine.hpp"

namespace xcallsim::devmodel::test {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
namespace shm = devmodel::shm;

// A machine built in code: `cores` CPUs on one socket (APIC ids 0..cores-1).
machine::MachineConfig make_machine(machine::ApicMode mode, int cores, int sockets = 1);

struct Message {
  std::int64_t value = 0;
  bool has_fd = false;
};

class Client {
 public:
  // Connects and reads the whole handshake for `vectors` vectors (throws on
  // timeout or protocol error), then maps the shared memory.
  Client(const std::filesystem::path& socket, int vectors, Ms timeout = 2000ms);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  std::vector<Message> messages;  // in arrival order
  std::int64_t id = -1;
  std::vector<UniqueFd> peer0_efds;  // the host's doorbells (what QEMU writes)
  std::vector<UniqueFd> own_efds;    // this peer's vectors (MSI-X k)
  std::uint64_t shm_size = 0;

  shm::Header* header() const { return reinterpret_cast<shm::Header*>(map_); }
  shm::Slot* slot(int cpu) const;
  shm::RingHeader* ring(int cpu) const;
  shm::TraceEntry* ring_entries(int cpu) const;

  // --- the guest's side ---
  void ready_all(std::uint32_t tsc_khz = 0);  // guest_state and every cpu_ready
  void set_cpu_ready(int cpu, bool ready);
  std::uint32_t post(int cpu, shm::Op op, std::uint32_t arg0 = 0, std::uint32_t arg1 = 0);
  // Writes `r` into the entry for r.seq as is and publishes req_head = head.
  void post_raw(int cpu, const shm::Request& r, std::uint32_t head);
  std::uint32_t next_seq(int cpu) const { return seq_[static_cast<std::size_t>(cpu)] + 1; }
  void ring_doorbell(int vector = 0);
  bool wait_ack(int cpu, std::uint32_t seq, Ms timeout = 2000ms);
  // post + doorbell + wait for the ack; returns the seq (throws on timeout).
  std::uint32_t call(int cpu, shm::Op op, std::uint32_t arg0 = 0, std::uint32_t arg1 = 0);
  // Op::Inta round trip: the dispatched vector, or -1.
  int inta(int cpu);
  bool wait_vector(int k, Ms timeout = 2000ms);  // MSI-X k raised (eventfd drained)
  bool vector_quiet(int k, Ms window = 30ms);    // nothing raised on k within `window`
  // Vectors raised within `window`, ascending.
  std::vector<int> raised(Ms window = 100ms);
  std::uint64_t tsc() { return tsc_ += 10'000; }

  bool irr(int cpu, int vector) const;
  bool isr(int cpu, int vector) const;
  std::uint32_t view(int cpu, std::uint32_t shm::Slot::*field) const;

  void disconnect();

 private:
  UniqueFd sock_;
  void* map_ = nullptr;
  std::vector<std::uint32_t> seq_;
  std::uint64_t tsc_ = 0;
};

// A started Server whose io_context runs on a thread; device records and
// reports are collected. The destructor stops the server on its thread.
class Harness {
 public:
  explicit Harness(const machine::MachineConfig& config, ServerOptions options = {});
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;
  ~Harness();

  Server& server() { return server_; }
  std::vector<trace::Record> records() const;
  std::vector<trace::Record> records(trace::Kind kind) const;
  std::vector<trace::Record> guest_records() const;
  std::vector<std::string> reports() const;
  // Polls server().stats() until pred holds or the timeout passes.
  template <class Pred>
  bool wait_stats(Pred pred, Ms timeout = 2000ms) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred(server_.stats())) return true;
      std::this_thread::sleep_for(200us);
    }
    return pred(server_.stats());
  }
  void stop();  // stops the server on its thread and joins (idempotent)
  std::atomic<int> disconnects{0};

 private:
  boost::asio::io_context io_;
  Server server_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<trace::Record> records_, guest_records_;
  std::vector<std::string> reports_;
  bool stopped_ = false;
};

}  // namespace xcallsim::devmodel::test
