// Typed getters: types, ranges, enums, arrays, positions, suggestions.
#include <catch2/catch.hpp>

#include "error_of.hpp"

#include <cmath>

#include "sim/config/config.hpp"

using namespace xcallsim::config;

namespace {

Table root_of(std::string_view text) {
  return Document::parse(text, "g.toml").root();
}

}  // namespace

TEST_CASE("integer range is inclusive at both ends", "[unit]") {
  auto t = root_of("lo = 1\nhi = 64\nbelow = 0\nabove = 65\n");
  CHECK(t.required_int("lo", {1, 64}) == 1);
  CHECK(t.required_int("hi", {1, 64}) == 64);
  const auto below = error_of([&] { t.required_int("below", {1, 64}); });
  CHECK(below.line() == 3);
  CHECK(below.column() == 1);
  CHECK(below.message() == "`below` = 0 is out of range");
  CHECK(below.fix() == "use an integer from 1 to 64");
  const auto above = error_of([&] { t.required_int("above", {1, 64}); });
  CHECK(above.line() == 4);
  CHECK(error_of([&] { t.required_int("below", {1}); }).fix() == "use an integer at least 1");
}

TEST_CASE("wrong type names the expected and the actual type", "[unit]") {
  auto t = root_of("[s]\nsockets = \"two\"\nflag = 1\nname = 3\nlist = 4\n");
  auto s = t.required_table("s");
  const auto e = error_of([&] { s.required_int("sockets"); });
  CHECK(e.line() == 2);
  CHECK(e.message() == "`s.sockets` must be an integer, not a string");
  CHECK(error_of([&] { s.required_bool("flag"); }).message() ==
        "`s.flag` must be a boolean (true or false), not an integer");
  CHECK(error_of([&] { s.optional_string("name"); }).message() ==
        "`s.name` must be a string, not an integer");
  CHECK(error_of([&] { s.required_array("list"); }).message() ==
        "`s.list` must be an array, not an integer");
  CHECK(error_of([&] { t.required_table("s").required_table("sockets"); }).message() ==
        "`s.sockets` must be a table, not a string");
}

TEST_CASE("optional getters: absent -> nullopt, present -> checked", "[unit]") {
  auto t = root_of("x = 3\nb = false\ns = \"v\"\n");
  CHECK(t.optional_int("nope") == std::nullopt);
  CHECK(t.optional_double("nope") == std::nullopt);
  CHECK(t.optional_bool("nope") == std::nullopt);
  CHECK(t.optional_table("nope") == std::nullopt);
  CHECK(t.optional_int("x") == 3);
  CHECK(t.optional_bool("b") == false);
  CHECK(t.optional_string("s") == "v");
  CHECK_THROWS_AS(t.optional_int("x", {4, 5}), ConfigError);
  CHECK_FALSE(t.contains("nope"));
  CHECK(t.contains("x"));
  t.finish();  // everything was asked about
}

TEST_CASE("doubles: integers accepted, nan and inf rejected, range checked", "[unit]") {
  auto t = root_of("i = 2\nf = 2.5\nn = nan\ninf = inf\nz = 0.0\n");
  CHECK(t.required_double("i") == 2.0);
  CHECK(t.required_double("f", {0.001, 100.0}) == 2.5);
  CHECK_THROWS_AS(t.required_double("n"), ConfigError);
  CHECK_THROWS_AS(t.required_double("inf", {0.0, 1e9}), ConfigError);
  const auto e = error_of([&] { t.required_double("z", {0.001, 100.0}); });
  CHECK(e.line() == 5);
  CHECK(e.fix() == "use a number from 0.001 to 100");
}

TEST_CASE("enums map names to values and suggest the closest name", "[unit]") {
  enum class Mode { A, B };
  static constexpr std::array<Choice<Mode>, 2> kModes{{{"xapic", Mode::A}, {"x2apic", Mode::B}}};
  auto t = root_of("good = \"x2apic\"\ntypo = \"xapci\"\nfar = \"banana\"\n");
  CHECK(t.required_enum("good", kModes) == Mode::B);
  CHECK(t.optional_enum("absent", kModes) == std::nullopt);
  const auto typo = error_of([&] { t.required_enum("typo", kModes); });
  CHECK(typo.line() == 2);
  CHECK(typo.message() == "`typo` = \"xapci\" is not one of \"xapic\", \"x2apic\"");
  CHECK(typo.fix() == "did you mean \"xapic\"?");
  CHECK(error_of([&] { t.required_enum("far", kModes); }).fix() ==
        "use one of \"xapic\", \"x2apic\"");
}

TEST_CASE("arrays: typed elements with per-element positions", "[unit]") {
  auto t = root_of("v = [1, 2, 3]\nm = [[10, 20],\n     [20, \"x\"]]\nbad = [1, 99]\n");
  CHECK(t.required_int_array("v", {0, 10}) == std::vector<std::int64_t>{1, 2, 3});
  auto m = t.required_array("m");
  REQUIRE(m.size() == 2);
  CHECK(m.array_at(0).int_at(1) == 20);
  const auto e = error_of([&] { m.array_at(1).int_at(1); });
  CHECK(e.line() == 3);
  CHECK(e.column() == 11);
  CHECK(e.message() == "`m[1][1]` must be an integer, not a string");
  const auto range = error_of([&] { t.required_int_array("bad", {0, 10}); });
  CHECK(range.line() == 4);
  CHECK(range.column() == 11);
  CHECK(range.message() == "`bad[1]` = 99 is out of range");
  CHECK_THROWS_AS(m.array_at(0).array_at(0), ConfigError);
}

TEST_CASE("inline and nested tables report dotted paths", "[unit]") {
  auto root = root_of("[apic.cost]\ndelivery = { self = 1, smt = -2 }\n");
  auto delivery = root.required_table("apic").required_table("cost").required_table("delivery");
  CHECK(delivery.path() == "apic.cost.delivery");
  CHECK(delivery.required_int("self") == 1);
  const auto e = error_of([&] { delivery.required_int("smt", {0, 100}); });
  CHECK(e.message() == "`apic.cost.delivery.smt` = -2 is out of range");
  CHECK(e.line() == 2);
  CHECK(e.column() == 24);
}

TEST_CASE("views keep the document alive", "[unit]") {
  std::optional<Table> kept;
  {
    auto doc = Document::parse("[a]\nb = 7\n", "g.toml");
    kept = doc.root().required_table("a");
  }
  CHECK(kept->required_int("b") == 7);
  CHECK(kept->source() == "g.toml");
}

TEST_CASE("closest_match finds likely typos only", "[unit]") {
  const std::string_view keys[] = {"sockets", "cores_per_socket", "threads_per_core"};
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("socket", keys) == std::string_view("sockets"));
  CHECK(closest_match("thread_per_core", keys) == std::string_view("threads_per_core"));
  CHECK(closest_match("memory", keys) == std::nullopt);
  const std::string_view short_keys[] = {"smt"};
  CHECK(closest_match("ab", short_keys) == std::nullopt);  // 2 edits of a 2-letter word is no typo
}

TEST_CASE("holds_string tells int-or-name values apart and marks the key known", "[unit]") {
  auto t = root_of("a = \"all\"\nb = 3\n");
  CHECK(t.holds_string("a"));
  CHECK_FALSE(t.holds_string("b"));
  CHECK_FALSE(t.holds_string("absent"));
  t.finish();  // a and b were asked about
}
