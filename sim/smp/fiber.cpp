// Fiber: Boost.Context (fcontext) plus the ASan switch annotations that
// Debian's Boost 1.74 fcontext fibers lack (BOOST_USE_ASAN only covers the
// ucontext backend): every switch is bracketed by
// __sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber.
// Under ThreadSanitizer every switch is announced with __tsan_switch_to_fiber
// so TSan keeps one shadow stack and happens-before clock per fiber.
// Run ASan with detect_stack_use_after_return=0 (the asan-ubsan test preset
// does): fake stacks would move upstream's on-stack csd off the fiber stack,
// out of the arena, and the simulator rejects words outside the arena.
#include "sim/smp/fiber.hpp"

#include <boost/context/stack_context.hpp>

#include <memory>
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

namespace ctx = boost::context;

namespace {

// A stack the arena owns: Boost gets it as is and never frees it.
struct BorrowedStack {
  ctx::stack_context stack;
  ctx::stack_context allocate() { return stack; }
  void deallocate(ctx::stack_context&) noexcept {}
};

void start_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] std::size_t bytes) {
#ifdef XCALLSIM_ASAN_FIBERS
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, bytes);
#endif
}

void finish_switch([[maybe_unused]] void* fake_stack_save, [[maybe_unused]] const void** old_bottom,
                   [[maybe_unused]] std::size_t* old_bytes) {
#ifdef XCALLSIM_ASAN_FIBERS
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_bytes);
#endif
}

void* tsan_create() {
#ifdef XCALLSIM_TSAN_FIBERS
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}

void* tsan_current() {
#ifdef XCALLSIM_TSAN_FIBERS
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}

// Immediately before the real switch, as TSan requires.
void tsan_switch_to([[maybe_unused]] void* fiber) {
#ifdef XCALLSIM_TSAN_FIBERS
  __tsan_switch_to_fiber(fiber, 0);
#endif
}

void tsan_destroy([[maybe_unused]] void* fiber) {
#ifdef XCALLSIM_TSAN_FIBERS
  if (fiber != nullptr) __tsan_destroy_fiber(fiber);
#endif
}

}  // namespace

Fiber::Fiber(void* stack_bottom, std::size_t stack_bytes, std::function<void()> body)
    : stack_bottom_(stack_bottom), stack_bytes_(stack_bytes), body_(std::move(body)) {
  ctx::stack_context stack;
  stack.size = stack_bytes;
  stack.sp = static_cast<char*>(stack_bottom) + stack_bytes;  // stacks grow down
  tsan_fiber_ = tsan_create();
  fiber_ = ctx::fiber(std::allocator_arg, BorrowedStack{stack},
                      [this](ctx::fiber&& caller) { return entry(std::move(caller)); });
}

Fiber::~Fiber() {
  if (!finished_) {
    abort_ = true;
    try {
      resume();
    } catch (...) {  // a destructor must not throw; the body's error is moot now
    }
  }
  tsan_destroy(tsan_fiber_);
}

ctx::fiber Fiber::entry(ctx::fiber&& caller) {
  caller_ = std::move(caller);
  finish_switch(nullptr, &caller_stack_, &caller_stack_bytes_);
  try {
    if (!abort_) body_();
  } catch (const Aborted&) {
  } catch (const ctx::detail::forced_unwind&) {
    throw;  // Boost's own unwinding must pass
  } catch (...) {
    error_ = std::current_exception();
  }
  finished_ = true;
  start_switch(nullptr, caller_stack_, caller_stack_bytes_);  // nullptr: this stack is done
  tsan_switch_to(tsan_caller_);
  return std::move(caller_);
}

void Fiber::resume() {
  void* fake_stack = nullptr;
  start_switch(&fake_stack, stack_bottom_, stack_bytes_);
  tsan_caller_ = tsan_current();
  tsan_switch_to(tsan_fiber_);
  fiber_ = std::move(fiber_).resume();
  finish_switch(fake_stack, nullptr, nullptr);
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void Fiber::yield() {
  if (abort_) throw Aborted{};  // the body swallowed an Aborted: keep unwinding
  void* fake_stack = nullptr;
  start_switch(&fake_stack, caller_stack_, caller_stack_bytes_);
  tsan_switch_to(tsan_caller_);
  caller_ = std::move(caller_).resume();
  finish_switch(fake_stack, &caller_stack_, &caller_stack_bytes_);
  if (abort_) throw Aborted{};
}

}  // namespace xcallsim::smp::detail
