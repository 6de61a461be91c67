// Arena: one anonymous mapping (zero-filled and lazily committed, so large
// CPU counts cost address space, not memory).
#include "sim/smp/arena.hpp"

#include "sim/smp/fiber.hpp"  // XCALLSIM_ASAN_FIBERS

#include <sys/mman.h>

#if defined(XCALLSIM_ASAN_FIBERS)
#include <sanitizer/asan_interface.h>
#endif

#include <new>
#include <stdexcept>
#include <string>

namespace xcallsim::smp::detail {

Arena::Arena(std::size_t bytes) : size_(align_up(bytes, kPageBytes)) {
  memory_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory_ == MAP_FAILED) {
    memory_ = nullptr;
    throw std::bad_alloc();
  }
  // Fiber stacks live here: ASan may still hold poison for these addresses
  // from an earlier Simulation's abandoned fibers (a false use-after-scope).
  unpoison();
}

Arena::~Arena() {
  if (memory_ == nullptr) return;
  unpoison();  // the next mapping at this address starts clean
  ::munmap(memory_, size_);
}

void Arena::unpoison() {
#if defined(XCALLSIM_ASAN_FIBERS)
  ASAN_UNPOISON_MEMORY_REGION(memory_, size_);
#endif
}

void* Arena::carve(std::size_t bytes, std::size_t align) {
  const std::size_t start = align_up(next_, align);
  if (start + bytes > size_) {
    throw std::logic_error("smp arena: layout needs more than the " + std::to_string(size_) +
                           " bytes reserved");
  }
  next_ = start + bytes;
  return static_cast<char*>(memory_) + start;
}

void Arena::guard(void* page_aligned, std::size_t bytes) {
  if (::mprotect(page_aligned, bytes, PROT_NONE) != 0) {
    throw std::runtime_error("smp arena: mprotect of a stack guard page failed");
  }
}

void Arena::outside() {
  throw std::logic_error(
      "smp: a shared word outside the simulator's arena (the xcall library must only touch "
      "state the platform allocated; under ASan, set "
      "ASAN_OPTIONS=detect_stack_use_after_return=0, "
      "whose fake stacks move on-stack csds off the fiber stack)");
}

}  // namespace xcallsim::smp::detail
