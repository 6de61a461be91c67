// The protocol test client and the server harness (see client.hpp).
#include "client.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cstring>
#include <future>
#include <stdexcept>

#include "sim/devmodel/shm_access.hpp"

namespace xcallsim::devmodel::test {

using detail::load_acquire;
using detail::load_relaxed;
using detail::store_relaxed;
using detail::store_release;

machine::MachineConfig make_machine(machine::ApicMode mode, int cores, int sockets) {
  machine::MachineConfig c;
  c.name = "devmodel-test";
  c.ghz = 2.0;
  c.topology.sockets = sockets;
  c.topology.cores_per_socket = cores;
  c.topology.threads_per_core = 1;
  c.apic.mode = mode;
  c.apic.costs.icr_write = 20;
  c.apic.costs.delivery = {50, 100, 150, 300, 700};
  c.apic.costs.entry = 30;
  c.apic.costs.exit = 40;
  c.apic.costs.eoi = 10;
  return c;
}

namespace {

bool readable(int fd, Ms timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 && (p.revents & POLLIN) != 0;
}

// One ivshmem message: 8 bytes and at most one fd.
Message receive(int sock, Ms timeout, UniqueFd& fd_out) {
  if (!readable(sock, timeout)) throw std::runtime_error("client: handshake message timed out");
  std::int64_t value = 0;
  iovec iov{&value, sizeof value};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != static_cast<ssize_t>(sizeof value))
    throw std::runtime_error("client: short handshake message");
  Message m{value, false};
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      fd_out.reset(fd);
      m.has_fd = true;
    }
  }
  return m;
}

}  // namespace

Client::Client(const std::filesystem::path& socket, int vectors, Ms timeout) {
  sock_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  if (!sock_ || ::connect(sock_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("client: cannot connect to " + socket.string());
  UniqueFd shm_fd;
  const int total = 3 + 2 * vectors;
  for (int i = 0; i < total; ++i) {
    UniqueFd fd;
    messages.push_back(receive(sock_.get(), timeout, fd));
    if (i == 1) id = messages.back().value;
    if (i == 2) shm_fd = std::move(fd);
    if (i >= 3 && i < 3 + vectors) peer0_efds.push_back(std::move(fd));
    if (i >= 3 + vectors) own_efds.push_back(std::move(fd));
  }
  struct stat st {};
  if (!shm_fd || ::fstat(shm_fd.get(), &st) != 0) throw std::runtime_error("client: no shm fd");
  shm_size = static_cast<std::uint64_t>(st.st_size);
  map_ = ::mmap(nullptr, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd.get(), 0);
  if (map_ == MAP_FAILED) throw std::runtime_error("client: mmap failed");
  seq_.assign(header()->cpu_count, 0);
}

Client::~Client() {
  if (map_ != nullptr && map_ != MAP_FAILED) ::munmap(map_, shm_size);
}

void Client::disconnect() {
  sock_.reset();
}

shm::Slot* Client::slot(int cpu) const {
  return reinterpret_cast<shm::Slot*>(static_cast<std::byte*>(map_) + header()->slot_offset +
                                      static_cast<std::size_t>(cpu) * header()->slot_size);
}

shm::RingHeader* Client::ring(int cpu) const {
  return reinterpret_cast<shm::RingHeader*>(static_cast<std::byte*>(map_) + header()->ring_offset +
                                            static_cast<std::size_t>(cpu) * header()->ring_stride);
}

shm::TraceEntry* Client::ring_entries(int cpu) const {
  return reinterpret_cast<shm::TraceEntry*>(reinterpret_cast<std::byte*>(ring(cpu)) +
                                            shm::kRingHeaderSize);
}

void Client::set_cpu_ready(int cpu, bool ready) {
  store_release(&slot(cpu)->cpu_ready, ready ? shm::kGuestReady : 0u);
}

void Client::ready_all(std::uint32_t tsc_khz) {
  const auto n = static_cast<int>(header()->cpu_count);
  for (int cpu = 0; cpu < n; ++cpu) set_cpu_ready(cpu, true);
  store_relaxed(&header()->guest_tsc_khz, tsc_khz);
  store_relaxed(&header()->guest_cpus, static_cast<std::uint32_t>(n));
  store_release(&header()->guest_state, shm::kGuestReady);
}

void Client::post_raw(int cpu, const shm::Request& r, std::uint32_t head) {
  shm::Request* e = &slot(cpu)->ring[r.seq % shm::kRequestEntries];
  store_relaxed(&e->seq, r.seq);
  store_relaxed(&e->op, r.op);
  store_relaxed(&e->flags, r.flags);
  store_relaxed(&e->arg0, r.arg0);
  store_relaxed(&e->arg1, r.arg1);
  store_relaxed(&e->tsc, r.tsc);
  store_relaxed(&e->reserved, r.reserved);
  store_relaxed(&e->check, r.check);
  store_release(&slot(cpu)->req_head, head);
  seq_[static_cast<std::size_t>(cpu)] = head;
}

std::uint32_t Client::post(int cpu, shm::Op op, std::uint32_t arg0, std::uint32_t arg1) {
  const std::uint32_t seq = next_seq(cpu);
  post_raw(cpu, make_request(seq, op, arg0, arg1, tsc()), seq);
  return seq;
}

void Client::ring_doorbell(int vector) {
  if (!signal_eventfd(peer0_efds.at(static_cast<std::size_t>(vector)).get()))
    throw std::runtime_error("client: doorbell write failed");
}

bool Client::wait_ack(int cpu, std::uint32_t seq, Ms timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  do {
    if (static_cast<std::int32_t>(load_acquire(&slot(cpu)->ack_seq) - seq) >= 0) return true;
    std::this_thread::sleep_for(50us);
  } while (std::chrono::steady_clock::now() < end);
  return false;
}

std::uint32_t Client::call(int cpu, shm::Op op, std::uint32_t arg0, std::uint32_t arg1) {
  const std::uint32_t seq = post(cpu, op, arg0, arg1);
  ring_doorbell();
  if (!wait_ack(cpu, seq)) throw std::runtime_error("client: request not acknowledged in time");
  return seq;
}

int Client::inta(int cpu) {
  const std::uint32_t seq = call(cpu, shm::Op::Inta);
  if (load_relaxed(&slot(cpu)->inta_seq) != seq) throw std::runtime_error("client: inta_seq");
  const std::uint32_t v = load_relaxed(&slot(cpu)->inta_vector);
  return v == shm::kNoVector ? -1 : static_cast<int>(v);
}

bool Client::wait_vector(int k, Ms timeout) {
  const int fd = own_efds.at(static_cast<std::size_t>(k)).get();
  if (!readable(fd, timeout)) return false;
  return drain_eventfd(fd) > 0;
}

bool Client::vector_quiet(int k, Ms window) {
  return !wait_vector(k, window);
}

std::vector<int> Client::raised(Ms window) {
  const auto end = std::chrono::steady_clock::now() + window;
  std::vector<char> seen(own_efds.size(), 0);
  while (std::chrono::steady_clock::now() < end) {
    for (std::size_t k = 0; k < own_efds.size(); ++k)
      if (drain_eventfd(own_efds[k].get()) > 0) seen[k] = 1;
    std::this_thread::sleep_for(200us);
  }
  std::vector<int> out;
  for (std::size_t k = 0; k < seen.size(); ++k)
    if (seen[k]) out.push_back(static_cast<int>(k));
  return out;
}

bool Client::irr(int cpu, int vector) const {
  return (load_relaxed(&slot(cpu)->irr[vector / 32]) >> (vector % 32)) & 1u;
}
bool Client::isr(int cpu, int vector) const {
  return (load_relaxed(&slot(cpu)->isr[vector / 32]) >> (vector % 32)) & 1u;
}
std::uint32_t Client::view(int cpu, std::uint32_t shm::Slot::*field) const {
  return load_relaxed(&(slot(cpu)->*field));
}

Harness::Harness(const machine::MachineConfig& config, ServerOptions options)
    : server_(io_, config, std::move(options)) {
  server_.on_disconnect([this] { ++disconnects; });
  server_.on_trace([this](std::vector<trace::Record>& recs) {
    const std::lock_guard lock(mutex_);
    guest_records_.insert(guest_records_.end(), recs.begin(), recs.end());
  });
  server_.start();
  server_.device().set_record_sink([this](const trace::Record& r) {
    const std::lock_guard lock(mutex_);
    records_.push_back(r);
  });
  server_.device().set_reporter([this](const std::string& line) {
    const std::lock_guard lock(mutex_);
    reports_.push_back(line);
  });
  thread_ = std::thread([this] { io_.run(); });
}

Harness::~Harness() {
  stop();
}

void Harness::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    server_.stop();
    done.set_value();
  });
  if (done.get_future().wait_for(5s) != std::future_status::ready) io_.stop();
  thread_.join();
}

std::vector<trace::Record> Harness::records() const {
  const std::lock_guard lock(mutex_);
  return records_;
}
std::vector<trace::Record> Harness::records(trace::Kind kind) const {
  std::vector<trace::Record> out;
  for (const trace::Record& r : records())
    if (r.kind == kind) out.push_back(r);
  return out;
}
std::vector<trace::Record> Harness::guest_records() const {
  const std::lock_guard lock(mutex_);
  return guest_records_;
}
std::vector<std::string> Harness::reports() const {
  const std::lock_guard lock(mutex_);
  return reports_;
}

}  // namespace xcallsim::devmodel::test
