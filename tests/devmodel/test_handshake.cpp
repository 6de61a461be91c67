// The ivshmem server protocol as QEMU sees it (QEMU-NOTES 5.6), the private
// runtime directory, and connection lifetime.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "client.hpp"

using namespace xcallsim;
using namespace xcallsim::devmodel;
using namespace xcallsim::devmodel::test;
using machine::ApicMode;

TEST_CASE("handshake is version then peer id then shm fd then peer 0 and own eventfds",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 4));
  Client c(h.server().socket_path(), 4);
  REQUIRE(c.messages.size() == 3 + 2 * 4);
  CHECK(c.messages[0].value == 0);  // protocol version
  CHECK_FALSE(c.messages[0].has_fd);
  CHECK(c.messages[1].value == 1);  // our peer id; the host is peer 0
  CHECK_FALSE(c.messages[1].has_fd);
  CHECK(c.messages[2].value == -1);
  CHECK(c.messages[2].has_fd);  // the shared memory
  for (int v = 0; v < 4; ++v) {
    INFO("vector " << v);
    CHECK(c.messages[static_cast<std::size_t>(3 + v)].value == 0);  // peer 0's eventfd v
    CHECK(c.messages[static_cast<std::size_t>(3 + v)].has_fd);
    CHECK(c.messages[static_cast<std::size_t>(7 + v)].value == 1);  // our own eventfd v
    CHECK(c.messages[static_cast<std::size_t>(7 + v)].has_fd);
  }
  CHECK(c.id == 1);
  CHECK(c.shm_size == h.server().shm_size());
  CHECK(std::has_single_bit(c.shm_size));  // ivshmem BAR2 must be a power of two
  CHECK(c.header()->magic == shm::kMagic);
  CHECK(c.header()->version == shm::kVersion);
  CHECK(c.header()->cpu_count == 4);
  CHECK(c.header()->host_state == shm::kHostReady);
  CHECK(h.wait_stats([](const ServerStats& s) { return s.connected && s.peer_id == 1; }));
}

TEST_CASE("a doorbell on any host vector wakes the server and the request is acknowledged",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 2));
  Client c(h.server().socket_path(), 2);
  for (int vector : {0, 1}) {
    const std::uint32_t seq = c.post(0, shm::Op::TprWrite, 0x20 + static_cast<unsigned>(vector));
    c.ring_doorbell(vector);
    REQUIRE(c.wait_ack(0, seq));
    CHECK(c.view(0, &shm::Slot::tpr) == 0x20u + static_cast<unsigned>(vector));
  }
  CHECK(h.server().stats().doorbells >= 2);
}

TEST_CASE("the runtime directory is private while serving and removed by stop",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 2));
  const std::filesystem::path dir = h.server().runtime_dir();
  const std::filesystem::path sock = h.server().socket_path();
  struct stat st {};
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(st.st_uid == ::geteuid());
  CHECK(std::filesystem::is_socket(sock));
  CHECK(sock.parent_path() == dir);
  {
    Client c(sock, 2);  // stop with a client still connected
    h.stop();
  }
  CHECK_FALSE(std::filesystem::exists(sock));
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("a failed start leaves no runtime directory behind", "[unit][devmodel]") {
  const std::filesystem::path parent = std::filesystem::temp_directory_path() /
                                       ("xcallsim-devmodel-test-" + std::to_string(::getpid()));
  // A parent so long that the socket path cannot fit in sockaddr_un.
  const std::filesystem::path deep = parent / std::string(100, 'd');
  std::filesystem::create_directories(deep);
  boost::asio::io_context io;
  {
    ServerOptions o;
    o.runtime_parent = deep;
    Server server(io, make_machine(ApicMode::XApic, 2), o);
    CHECK_THROWS_AS(server.start(), std::invalid_argument);
  }
  CHECK(std::filesystem::is_empty(deep));
  {
    ServerOptions o;
    o.runtime_parent = parent;
    o.shm_size = 4096;  // too small for the layout
    Server server(io, make_machine(ApicMode::XApic, 2), o);
    CHECK_THROWS_AS(server.start(), std::invalid_argument);
  }
  const auto entries = std::distance(std::filesystem::directory_iterator(parent),
                                     std::filesystem::directory_iterator());
  CHECK(entries == 1);  // only `deep`: no runtime directory was created
  std::filesystem::remove_all(parent);
}

TEST_CASE("QEMU disconnecting is detected and a new client gets a fresh peer id",
          "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 2));
  {
    Client first(h.server().socket_path(), 2);
    CHECK(first.id == 1);
    first.disconnect();
    REQUIRE(h.wait_stats([](const ServerStats& s) { return s.disconnects == 1 && !s.connected; }));
  }
  CHECK(h.disconnects == 1);
  Client second(h.server().socket_path(), 2);
  CHECK(second.id == 2);  // ids are never reused
  second.ready_all();
  second.call(0, shm::Op::IcrWrite, 0xfb, second.view(1, &shm::Slot::apic_id) << 24);
  CHECK(second.wait_vector(1));
}

TEST_CASE("a second client is refused while a guest is connected", "[unit][devmodel]") {
  Harness h(make_machine(ApicMode::XApic, 2));
  Client first(h.server().socket_path(), 2);
  UniqueFd extra(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, h.server().socket_path().c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::connect(extra.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(h.wait_stats([](const ServerStats& s) { return s.refused_connections == 1; }));
  char byte = 0;
  CHECK(::recv(extra.get(), &byte, 1, 0) == 0);  // closed without a handshake
  CHECK(h.server().stats().connected);
  CHECK(h.server().stats().peer_id == 1);
}
