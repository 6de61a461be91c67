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

namespace xcallsim::smp::detail {

class Fiber {
 public:
  struct Aborted {};  // thrown at a yield point while the fiber is being torn down

  Fiber(void* stack_bottom, std::size_t stack_bytes, std::function<void()> body);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  void resume();
  void yield();
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
