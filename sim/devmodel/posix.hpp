// Contract: the POSIX resources the device-model server owns, each an RAII
// object that releases on every exit path (destructors never throw):
// - UniqueFd: one file descriptor.
// - SharedMemory: a sealed memfd (size a power of two, it cannot shrink or
//   grow under the mapping) mapped shared read-write; QEMU maps the same fd.
// - RuntimeDir: a private directory (mkdtemp, mode 0700, checked) that the
//   destructor removes with everything in it.
// - make_eventfd: EFD_NONBLOCK | EFD_CLOEXEC, counter mode (coalescing).
// - send_message: one ivshmem server message (8-byte little-endian int64)
//   with at most one fd in SCM_RIGHTS, one sendmsg per message.
// Errors throw std::system_error naming the call and the path or size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace xcallsim::devmodel {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class SharedMemory {
 public:
  // size: a power of two >= 4096.
  SharedMemory(const std::string& name, std::uint64_t size);
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory();
  int fd() const { return fd_.get(); }
  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(map_), size_}; }

 private:
  UniqueFd fd_;
  void* map_ = nullptr;
  std::size_t size_ = 0;
};

class RuntimeDir {
 public:
  // Creates <parent>/xcallsim-XXXXXX with mode 0700. parent empty:
  // default_parent().
  explicit RuntimeDir(const std::filesystem::path& parent = {});
  RuntimeDir(const RuntimeDir&) = delete;
  RuntimeDir& operator=(const RuntimeDir&) = delete;
  ~RuntimeDir() { remove(); }
  const std::filesystem::path& path() const { return path_; }
  void remove() noexcept;  // idempotent
  // $XDG_RUNTIME_DIR if it is a directory, else $TMPDIR, else /tmp.
  static std::filesystem::path default_parent();

 private:
  std::filesystem::path path_;
};

UniqueFd make_eventfd();
// Adds 1 to an eventfd's counter; false if the write failed.
bool signal_eventfd(int fd);
// Reads an O_NONBLOCK eventfd until EAGAIN; returns the sum of the counts.
std::uint64_t drain_eventfd(int fd);
// One ivshmem server message; false if the peer is gone or the send failed.
bool send_message(int socket_fd, std::int64_t value, int fd_to_pass = -1);

}  // namespace xcallsim::devmodel
