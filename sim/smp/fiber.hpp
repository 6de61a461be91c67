// One CPU's execution context: a Boost.Context fiber on a caller-provided
// stack (carved from the arena), with AddressSanitizer and ThreadSanitizer
// fiber annotations.
// Contract (internal to sim/smp): fibers that share a FiberHost are run by
// its host context (the scheduler). resume() is called there and returns
// when a fiber of the host yields or finishes -- not necessarily this one:
// a running fiber may hand the CPU straight to another with switch_to(), so
// one simulated step costs one stack switch, not two. An exception escaping
// any body is rethrown from that resume(). yield() and switch_to() are
// called only from inside the running fiber. Destroying an unfinished fiber
// resumes it once with an abort request: its pending yield()/switch_to()
// throws Aborted, which unwinds the fiber's stack (so nothing on it leaks)
// and ends the body.
#pragma once

#include <boost/context/fiber.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <utility>

// GCC says __SANITIZE_ADDRESS__/__SANITIZE_THREAD__; clang says __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define XCALLSIM_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XCALLSIM_ASAN_FIBERS 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define XCALLSIM_TSAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define XCALLSIM_TSAN_FIBERS 1
#endif
#endif
#if defined(XCALLSIM_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(XCALLSIM_TSAN_FIBERS)
#include <sanitizer/tsan_interface.h>
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

class Fiber;

// What the fibers of one scheduler share: the host context's continuation
// while a fiber runs, and where the next resumed context files the
// continuation it receives (its resumer's).
class FiberHost {
 public:
  FiberHost() = default;
  FiberHost(const FiberHost&) = delete;
  FiberHost& operator=(const FiberHost&) = delete;

 private:
  friend class Fiber;
  // Runs on the context just resumed: `from` is its resumer's continuation.
  void file(boost::context::fiber&& from) { *file_to_ = std::move(from); }

  boost::context::fiber host_;  // the scheduler, while a fiber runs
  boost::context::fiber* file_to_ = nullptr;
  const void* host_stack_ = nullptr;  // ASan: the scheduler's stack bounds
  std::size_t host_stack_bytes_ = 0;
  void* tsan_host_ = nullptr;  // TSan: the scheduler's context
  std::exception_ptr error_;   // from a body that ended with an exception
};

class Fiber {
 public:
  struct Aborted {};  // thrown at a switch point while the fiber is being torn down

  Fiber(FiberHost& host, void* stack_bottom, std::size_t stack_bytes, std::function<void()> body);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Inline: every simulated step switches stacks, and each call frame
  // around a switch costs a mispredicted return when the stacks swap.
  // From the host context: run this fiber until one of the host's fibers
  // yields or finishes.
  void resume() {
    void* fake_stack = nullptr;
    fiber_switch::start(&fake_stack, stack_bottom_, stack_bytes_);
    host_.tsan_host_ = fiber_switch::tsan_current();
    fiber_switch::tsan_switch_to(tsan_fiber_);
    host_.file_to_ = &host_.host_;
    host_.file(std::move(self_).resume());
    fiber_switch::finish(fake_stack, nullptr, nullptr);
    if (host_.error_) std::rethrow_exception(std::exchange(host_.error_, nullptr));
  }
  // From inside this fiber: back to the host context.
  void yield() {
    if (abort_) throw Aborted{};  // the body swallowed an Aborted: keep unwinding
    void* fake_stack = nullptr;
    fiber_switch::start(&fake_stack, host_.host_stack_, host_.host_stack_bytes_);
    fiber_switch::tsan_switch_to(host_.tsan_host_);
    suspend_into(host_.host_, fake_stack);
  }
  // From inside this fiber: run `next` (suspended, same host) in its place.
  void switch_to(Fiber& next) {
    if (abort_) throw Aborted{};
    void* fake_stack = nullptr;
    fiber_switch::start(&fake_stack, next.stack_bottom_, next.stack_bytes_);
    fiber_switch::tsan_switch_to(next.tsan_fiber_);
    suspend_into(next.self_, fake_stack);
  }
  bool finished() const { return finished_; }
  bool aborting() const { return abort_; }  // being torn down: unwind, simulate nothing

 private:
  void suspend_into(boost::context::fiber& to, void* fake_stack) {
    host_.file_to_ = &self_;
    host_.file(std::move(to).resume());
    arrived(fake_stack);
    if (abort_) throw Aborted{};
  }
  // Just resumed: learn the host's stack bounds if the host resumed us.
  void arrived(void* fake_stack) {
    const void* from_stack = nullptr;
    std::size_t from_bytes = 0;
    fiber_switch::finish(fake_stack, &from_stack, &from_bytes);
    if (host_.file_to_ == &host_.host_) {
      host_.host_stack_ = from_stack;
      host_.host_stack_bytes_ = from_bytes;
    }
  }
  boost::context::fiber entry(boost::context::fiber&& from);

  FiberHost& host_;
  void* stack_bottom_;
  std::size_t stack_bytes_;
  std::function<void()> body_;
  boost::context::fiber self_;  // this fiber's continuation while suspended
  void* tsan_fiber_ = nullptr;  // TSan: this fiber's context
  bool finished_ = false;
  bool abort_ = false;
};

}  // namespace xcallsim::smp::detail
