// Handler: a move-only `void()` callable with small-buffer storage. Callables
// up to kInlineSize bytes (nothrow-movable, normally aligned) live inline; larger
// ones go to the heap. Part of the engine's interface (see engine.hpp).
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace xcallsim::engine {

class Handler {
 public:
  static constexpr std::size_t kInlineSize = 48;

  Handler() noexcept = default;

  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, Handler> &&
           std::is_invocable_r_v<void, std::remove_cvref_t<F>&>)
      Handler(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    using Fn = std::remove_cvref_t<F>;
    if constexpr (fits_inline<Fn>) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
      ops_ = &kInlineOps<Fn>;
    } else {
      ::new (static_cast<void*>(storage_)) Fn*(new Fn(std::forward<F>(f)));
      ops_ = &kHeapOps<Fn>;
    }
  }

  Handler(Handler&& other) noexcept { take(other); }
  Handler& operator=(Handler&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;
  ~Handler() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  void operator()() { ops_->invoke(storage_); }
  // True if the callable lives in the inline buffer (no heap allocation).
  bool is_inline() const noexcept { return ops_ != nullptr && ops_->inline_storage; }

  void reset() noexcept {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    void (*invoke)(void*);
    void (*relocate)(void* to, void* from) noexcept;  // nullptr: bytes are enough
    void (*destroy)(void*) noexcept;                  // nullptr: trivial
    bool inline_storage;
  };

  template <class Fn>
  static constexpr bool fits_inline =
      sizeof(Fn) <= kInlineSize &&
      alignof(Fn) <= alignof(std::max_align_t) && std::is_nothrow_move_constructible_v<Fn>;

  template <class Fn>
  static Fn* as(void* storage) noexcept {
    return std::launder(static_cast<Fn*>(storage));
  }

  template <class Fn>
  static constexpr bool trivially_relocatable =
      std::conjunction_v<std::is_trivially_copyable<Fn>, std::is_trivially_destructible<Fn>>;

  template <class Fn>
  static constexpr Ops kInlineOps{
      [](void* s) { (*as<Fn>(s))(); },
      trivially_relocatable<Fn> ? nullptr
                                : +[](void* to, void* from) noexcept {
                                    ::new (to) Fn(std::move(*as<Fn>(from)));
                                    as<Fn>(from)->~Fn();
                                  },
      std::is_trivially_destructible_v<Fn> ? nullptr
                                           : +[](void* s) noexcept { as<Fn>(s)->~Fn(); },
      true};

  template <class Fn>
  static constexpr Ops kHeapOps{[](void* s) { (**as<Fn*>(s))(); }, nullptr,
                                [](void* s) noexcept { delete *as<Fn*>(s); }, false};

  void take(Handler& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->relocate == nullptr) {
      std::memcpy(storage_, other.storage_, kInlineSize);
    } else {
      ops_->relocate(storage_, other.storage_);
    }
    other.ops_ = nullptr;  // moved-from: empty, nothing left to destroy
  }

  alignas(std::max_align_t) std::byte storage_[kInlineSize];
  const Ops* ops_ = nullptr;
};

}  // namespace xcallsim::engine
