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

namespace xcallsim::smp::detail {

namespace ctx = boost::context;

namespace {

// A stack the arena owns: Boost gets it as is and never frees it.
struct BorrowedStack {
  ctx::stack_context stack;
  ctx::stack_context allocate() { return stack; }
  void deallocate(ctx::stack_context&) noexcept {}
};

void* tsan_create() {
#ifdef XCALLSIM_TSAN_FIBERS
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}

void tsan_destroy([[maybe_unused]] void* fiber) {
#ifdef XCALLSIM_TSAN_FIBERS
  if (fiber != nullptr) __tsan_destroy_fiber(fiber);
#endif
}

}  // namespace

Fiber::Fiber(FiberHost& host, void* stack_bottom, std::size_t stack_bytes,
             std::function<void()> body)
    : host_(host), stack_bottom_(stack_bottom), stack_bytes_(stack_bytes), body_(std::move(body)) {
  ctx::stack_context stack;
  stack.size = stack_bytes;
  stack.sp = static_cast<char*>(stack_bottom) + stack_bytes;  // stacks grow down
  tsan_fiber_ = tsan_create();
  self_ = ctx::fiber(std::allocator_arg, BorrowedStack{stack},
                     [this](ctx::fiber&& from) { return entry(std::move(from)); });
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

ctx::fiber Fiber::entry(ctx::fiber&& from) {
  host_.file(std::move(from));
  arrived(nullptr);
  try {
    if (!abort_) body_();
  } catch (const Aborted&) {
  } catch (const ctx::detail::forced_unwind&) {
    throw;  // Boost's own unwinding must pass
  } catch (...) {
    host_.error_ = std::current_exception();
  }
  finished_ = true;
  // nullptr: this stack is done. What the host receives (a finished
  // fiber's empty continuation) is filed in self_.
  fiber_switch::start(nullptr, host_.host_stack_, host_.host_stack_bytes_);
  fiber_switch::tsan_switch_to(host_.tsan_host_);
  host_.file_to_ = &self_;
  return std::move(host_.host_);
}

}  // namespace xcallsim::smp::detail
