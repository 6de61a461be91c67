// One CPU's execution context: a Boost.Context fiber on a caller-provided
// stack (carved from the arena), with AddressSanitizer and ThreadSanitizer
// fiber annotations.
// Contract (internal to sim/smp): resume() is called by the scheduler (the
// engine's host context) and returns when the fiber yields or finishes; an
// exception escaping the body is rethrown from that resume(). yield() is
// called only from inside the fiber. Destroying an unfinished fiber resumes
// it once with an abort request: its pending yield() throws Aborted, which
// unwinds the fiber's stack (so nothing on it leaks) and ends the body.
#pragma once

#include <boost/context/fiber.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define XCALLSIM_ASAN_FIBERS 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define XCALLSIM_TSAN_FIBERS 1
#endif

namespace xcallsim::smp::detail {

// The sanitizer annotations of a switch (no-ops in normal builds).
namespace fiber_switch {
inline void start([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] std::size_t bytes) {
#ifdef XCALLSIM_ASAN_FIBERS
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, bytes);
#endif
}
inline void finish([[maybe_unused]] void* fake_stack_save, [[maybe_unused]] const void** old_bottom,
                   [[maybe_unused]] std::size_t* old_bytes) {
#ifdef XCALLSIM_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_bytes);
#endif
}
inline void* tsan_current() {
#ifdef XCALLSIM_TSAN_FIBERS
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}
// Immediately before the real switch, as TSan requires.
inline void tsan_switch_to([[maybe_unused]] void* fiber) {
#ifdef XCALLSIM_TSAN_FIBERS
  __tsan_switch_to_fiber(fiber, 0);
#endif
}
}  // namespace fiber_switch

class Fiber {
 public:
  struct Aborted {};  // thrown at a yield point while the fiber is being torn down

  Fiber(void* stack_bottom, std::size_t stack_bytes, std::function<void()> body);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Inline: every simulated event switches twice, and each call frame
  // around a switch costs a mispredicted return when the stacks swap.
  void resume() {
    void* fake_stack = nullptr;
    fiber_switch::start(&fake_stack, stack_bottom_, stack_bytes_);
    tsan_caller_ = fiber_switch::tsan_current();
    fiber_switch::tsan_switch_to(tsan_fiber_);
    fiber_ = std::move(fiber_).resume();
    fiber_switch::finish(fake_stack, nullptr, nullptr);
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }
  void yield() {
    if (abort_) throw Aborted{};  // the body swallowed an Aborted: keep unwinding
    void* fake_stack = nullptr;
    fiber_switch::start(&fake_stack, caller_stack_, caller_stack_bytes_);
    fiber_switch::tsan_switch_to(tsan_caller_);
    caller_ = std::move(caller_).resume();
    fiber_switch::finish(fake_stack, &caller_stack_, &caller_stack_bytes_);
    if (abort_) throw Aborted{};
  }
  bool finished() const { return finished_; }

 private:
  boost::context::fiber entry(boost::context::fiber&& caller);

  void* stack_bottom_;
  std::size_t stack_bytes_;
  std::function<void()> body_;
  boost::context::fiber fiber_;         // held by the scheduler while the fiber is suspended
  boost::context::fiber caller_;        // held by the fiber while it runs
  const void* caller_stack_ = nullptr;  // ASan: the scheduler's stack bounds
  std::size_t caller_stack_bytes_ = 0;
  void* tsan_fiber_ = nullptr;   // TSan: this fiber's context
  void* tsan_caller_ = nullptr;  // TSan: the scheduler's context while the fiber runs
  std::exception_ptr error_;
  bool finished_ = false;
  bool abort_ = false;
};

}  // namespace xcallsim::smp::detail
