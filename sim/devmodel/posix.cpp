// POSIX resources of the device-model server.
#include "sim/devmodel/posix.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

namespace xcallsim::devmodel {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

SharedMemory::SharedMemory(const std::string& name, std::uint64_t size) {
  if (size < 4096 || !std::has_single_bit(size)) {
    errno = EINVAL;
    fail("devmodel: shared memory size " + std::to_string(size) +
         " is not a power of two >= 4096 (ivshmem BAR2 requires a power of two)");
  }
  fd_.reset(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd_) fail("devmodel: memfd_create(" + name + ")");
  if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0)
    fail("devmodel: ftruncate(memfd, " + std::to_string(size) + ")");
  // Nobody holding the fd (QEMU included) can shrink it under our mapping.
  if (::fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    fail("devmodel: sealing the memfd");
  map_ = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail("devmodel: mmap of " + std::to_string(size) + " bytes of shared memory");
  }
  size_ = static_cast<std::size_t>(size);
}

SharedMemory::~SharedMemory() {
  if (map_ != nullptr) ::munmap(map_, size_);
}

RuntimeDir::RuntimeDir(const std::filesystem::path& parent) {
  const std::filesystem::path base = parent.empty() ? default_parent() : parent;
  std::string tmpl = (base / "xcallsim-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    fail("devmodel: mkdtemp(" + tmpl + "): fix: make the runtime parent directory writable");
  path_ = buf.data();
  struct stat st {};
  if (::chmod(buf.data(), 0700) != 0 || ::lstat(buf.data(), &st) != 0 || !S_ISDIR(st.st_mode) ||
      (st.st_mode & 0777) != 0700 || st.st_uid != ::geteuid()) {
    const int saved = errno;
    remove();
    errno = saved != 0 ? saved : EPERM;
    fail("devmodel: runtime directory " + std::string(buf.data()) + " is not private (0700)");
  }
}

void RuntimeDir::remove() noexcept {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  path_.clear();
}

std::filesystem::path RuntimeDir::default_parent() {
  for (const char* var : {"XDG_RUNTIME_DIR", "TMPDIR"}) {
    const char* v = std::getenv(var);
    std::error_code ec;
    if (v != nullptr && *v != '\0' && std::filesystem::is_directory(v, ec)) return v;
  }
  return "/tmp";
}

UniqueFd make_eventfd() {
  UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) fail("devmodel: eventfd");
  return fd;
}

bool signal_eventfd(int fd) {
  const std::uint64_t one = 1;
  for (;;) {
    const ssize_t n = ::write(fd, &one, sizeof one);
    if (n == static_cast<ssize_t>(sizeof one)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

std::uint64_t drain_eventfd(int fd) {
  std::uint64_t total = 0;
  for (;;) {
    std::uint64_t v = 0;
    const ssize_t n = ::read(fd, &v, sizeof v);
    if (n == static_cast<ssize_t>(sizeof v)) {
      total += v;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return total;  // EAGAIN: drained (QEMU sets O_NONBLOCK on shared eventfds anyway)
  }
}

bool send_message(int socket_fd, std::int64_t value, int fd_to_pass) {
  static_assert(std::endian::native == std::endian::little, "ivshmem messages are little-endian");
  iovec iov{&value, sizeof value};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd_to_pass >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
  }
  for (;;) {
    const ssize_t n = ::sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(sizeof value)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

}  // namespace xcallsim::devmodel
