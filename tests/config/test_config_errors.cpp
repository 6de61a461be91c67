// ConfigError format, syntax errors, unknown and missing keys.
#include <catch2/catch.hpp>

#include "error_of.hpp"

#include <filesystem>
#include <fstream>

#include "sim/config/config.hpp"

using xcallsim::config::ConfigError;
using xcallsim::config::Document;

namespace {}  // namespace

TEST_CASE("ConfigError::what() is one line in the file:line:col error format", "[unit]") {
  const ConfigError e("m.toml", 3, 7, "bad thing", "do this");
  CHECK(std::string(e.what()) == "m.toml:3:7: error: bad thing; fix: do this");
  CHECK(e.file() == "m.toml");
  CHECK(e.line() == 3);
  CHECK(e.column() == 7);
  CHECK(e.message() == "bad thing");
  CHECK(e.fix() == "do this");
  // No position known: the ":line:col" part is left out, not invented.
  CHECK(std::string(ConfigError("m.toml", 0, 0, "m", "f").what()) == "m.toml: error: m; fix: f");
}

TEST_CASE("TOML syntax errors carry the parser's position", "[unit]") {
  SECTION("missing value") {
    const auto e = error_of([] { Document::parse("a = 1\nb = \n", "s.toml"); });
    CHECK(e.file() == "s.toml");
    CHECK(e.line() == 2);
    CHECK(e.column() == 5);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  SECTION("duplicate key gets a specific fix") {
    const auto e = error_of([] { Document::parse("a = 1\na = 2\n", "s.toml"); });
    CHECK(e.line() == 2);
    CHECK(e.fix().find("only once") != std::string::npos);
  }
}

TEST_CASE("finish() reports the first unknown key in file order, with a suggestion", "[unit]") {
  auto doc = Document::parse("zeta = 1\nsocket = 2\nalpha = 3\n", "u.toml");
  auto root = doc.root();
  CHECK(root.required_int("zeta") == 1);
  root.optional_int("sockets");  // asked about, absent: still a known key
  const auto e = error_of([&] { root.finish(); });
  CHECK(e.line() == 2);  // `socket` precedes `alpha` in the file though not in key order
  CHECK(e.column() == 1);
  CHECK(e.message() == "unknown key `socket` in the top level");
  CHECK(e.fix() == "did you mean `sockets`?");
}

TEST_CASE("finish() without a close match lists the accepted keys", "[unit]") {
  auto root = Document::parse("[t]\nx = 1\ncompletely_else = 2\n", "u.toml").root();
  auto t = root.required_table("t");
  t.required_int("x");
  const auto e = error_of([&] { t.finish(); });
  CHECK(e.line() == 3);
  CHECK(e.message() == "unknown key `completely_else` in [t]");
  CHECK(e.fix() == "remove it; keys accepted here: x");
  root.finish();  // [t] itself was asked for
}

TEST_CASE("an unrequested sub-table is an unknown key too", "[unit]") {
  auto root = Document::parse("a = 1\n\n[extra]\nb = 2\n", "u.toml").root();
  root.required_int("a");
  const auto e = error_of([&] { root.finish(); });
  CHECK(e.line() == 3);
  CHECK(e.message() == "unknown key `extra` in the top level");
}

TEST_CASE("missing required key is reported at its table and names the key", "[unit]") {
  auto root = Document::parse("name = \"x\"\n\n[topology]\nsockets = 1\n", "m.toml").root();
  auto topology = root.required_table("topology");
  const auto e = error_of([&] { topology.required_int("cores_per_socket"); });
  CHECK(e.line() == 3);
  CHECK(e.column() == 1);
  CHECK(e.message() == "missing required key `cores_per_socket` in [topology]");
  CHECK(e.fix() == "add `cores_per_socket = <integer>` to [topology]");
}

TEST_CASE("missing required key next to a near-miss suggests the rename", "[unit]") {
  auto root = Document::parse("[cost]\nicr_wrte = 298\n", "m.toml").root();
  auto cost = root.required_table("cost");
  const auto e = error_of([&] { cost.required_int("icr_write"); });
  CHECK(e.line() == 1);
  CHECK(e.fix() == "rename `icr_wrte` (line 2) to `icr_write`");
}

TEST_CASE("missing required table at the top level points at 1:1", "[unit]") {
  auto root = Document::parse("name = \"x\"\n", "m.toml").root();
  const auto e = error_of([&] { root.required_table("clock"); });
  CHECK(std::string(e.what()) ==
        "m.toml:1:1: error: missing required key `clock` in the top level; fix: add a [clock] "
        "section");
}

TEST_CASE("Document::load reads files and names unreadable ones", "[unit]") {
  const auto dir = std::filesystem::temp_directory_path() / "xcallsim_config_test";
  std::filesystem::create_directories(dir);
  const auto file = dir / "ok.toml";
  std::ofstream(file) << "x = 5\n";
  auto root = Document::load(file).root();
  CHECK(root.required_int("x") == 5);
  CHECK(root.source() == file.string());

  const auto missing = dir / "does-not-exist.toml";
  const auto e = error_of([&] { Document::load(missing); });
  CHECK(e.file() == missing.string());
  CHECK(e.line() == 0);
  CHECK(std::string(e.what()).rfind(missing.string() + ": error: cannot read the file", 0) == 0);
  std::filesystem::remove_all(dir);
}
