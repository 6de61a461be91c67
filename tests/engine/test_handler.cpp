// Handler: small-buffer storage, heap fallback, move-only captures, lifetime.
#include <catch2/catch.hpp>

#include <array>
#include <memory>

#include "sim/engine/handler.hpp"

using xcallsim::engine::Handler;

namespace {

struct Counted {
  static inline int alive = 0;
  static inline int calls = 0;
  Counted() { ++alive; }
  Counted(Counted&&) noexcept { ++alive; }
  Counted(const Counted&) { ++alive; }
  ~Counted() { --alive; }
  void operator()() const { ++calls; }
};

}  // namespace

TEST_CASE("captures up to kInlineSize bytes stay inline and larger ones go to the heap", "[unit]") {
  std::array<char, Handler::kInlineSize> fits{};
  fits[0] = 1;
  int sum = 0;
  Handler small([fits, &sum]() mutable { sum += fits[0]; });
  Handler tiny([&sum] { sum += 10; });
  std::array<char, Handler::kInlineSize + 8> big{};
  big[0] = 100;
  Handler large([big, &sum] { sum += big[0]; });
  CHECK(tiny.is_inline());
  CHECK_FALSE(small.is_inline());  // 48 bytes + the reference do not fit
  Handler exact([fits]() mutable { fits[1] = 1; });
  CHECK(exact.is_inline());  // exactly kInlineSize
  CHECK_FALSE(large.is_inline());
  small();
  tiny();
  large();
  CHECK(sum == 111);
}

TEST_CASE("move-only captures work and moves leave the source empty", "[unit]") {
  auto value = std::make_unique<int>(41);
  int out = 0;
  Handler h([v = std::move(value), &out] { out = *v + 1; });
  CHECK(static_cast<bool>(h));
  Handler moved(std::move(h));
  CHECK_FALSE(static_cast<bool>(h));  // NOLINT(bugprone-use-after-move): defined empty
  Handler assigned;
  assigned = std::move(moved);
  assigned();
  CHECK(out == 42);
}

TEST_CASE("each stored callable is destroyed exactly once", "[unit]") {
  Counted::alive = 0;
  Counted::calls = 0;
  {
    Handler a{Counted{}};
    CHECK(Counted::alive == 1);
    Handler b(std::move(a));
    CHECK(Counted::alive == 1);
    b();
    Handler c{Counted{}};
    c = std::move(b);  // c's old callable destroyed
    CHECK(Counted::alive == 1);
    c.reset();
    CHECK(Counted::alive == 0);
    std::array<char, 64> pad{};
    Handler heap([pad, counted = Counted{}] {
      counted();
      (void)pad;
    });
    CHECK_FALSE(heap.is_inline());
    Handler heap2(std::move(heap));
    heap2();
    CHECK(Counted::alive == 1);
  }
  CHECK(Counted::alive == 0);
  CHECK(Counted::calls == 2);
}
