// Scenario files: every error class names file:line:col, and every shipped
// scenario loads, binds to the default machine and runs to completion.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "sim/machine/machine.hpp"
#include "sim/replay/summary.hpp"
#include "sim/scenario/scenario.hpp"

using namespace xcallsim;

namespace {

const std::string kHead = R"(name = "t"
functions = [ { name = "f", cycles = 10 } ]
)";

config::ConfigError parse_error(const std::string& text) {
  try {
    scenario::parse_scenario(text, "s.toml");
  } catch (const config::ConfigError& e) {
    return e;
  }
  FAIL("expected a ConfigError");
  throw;
}

machine::MachineConfig default_machine() {
  return machine::load_machine_config(std::string(XCALLSIM_CONFIGS_DIR) + "/machines/default.toml");
}

config::ConfigError bind_error(const std::string& text) {
  auto s = scenario::parse_scenario(text, "s.toml");
  smp::Simulation sim(default_machine());
  try {
    scenario::bind(s, sim);
  } catch (const config::ConfigError& e) {
    return e;
  }
  FAIL("expected a ConfigError from bind");
  throw;
}

}  // namespace

TEST_CASE("scenario: unknown op names the op's line and the choices", "[unit]") {
  auto e = parse_error(kHead + "[[cpu]]\ncpus = \"0\"\nprogram = [\n  { op = \"xcal\" },\n]\n");
  CHECK(e.line() == 6);
  CHECK(std::string(e.what()).find("s.toml:6:") == 0);
  CHECK(std::string(e.what()).find("xcall") != std::string::npos);
}

TEST_CASE("scenario: unknown function is reported with the fix", "[unit]") {
  auto e = parse_error(kHead +
                       "[[cpu]]\ncpus = \"0\"\nprogram = [ { op = \"xcall\", target = 1, func = "
                       "\"g\", flags = \"sync\" } ]\n");
  CHECK(e.line() == 5);
  CHECK(e.message().find("unknown function 'g'") != std::string::npos);
  CHECK(e.fix().find("functions") != std::string::npos);
}

TEST_CASE("scenario: bad CPU lists are rejected at the key", "[unit]") {
  auto e = parse_error(kHead + "[[cpu]]\ncpus = \"3-1\"\nprogram = []\n");
  CHECK(e.line() == 4);
  CHECK(e.message().find("backwards") != std::string::npos);
  auto relative = parse_error(kHead + "[[cpu]]\ncpus = \"others\"\nprogram = []\n");
  CHECK(relative.message().find("relative") != std::string::npos);
}

TEST_CASE("scenario: unknown keys and wrong types are errors", "[unit]") {
  auto unknown = parse_error(kHead + "sed = 3\n[[cpu]]\ncpus = \"0\"\nprogram = []\n");
  CHECK(unknown.line() == 3);
  CHECK(unknown.fix().find("seed") != std::string::npos);
  auto type = parse_error(
      kHead + "[[cpu]]\ncpus = \"0\"\nprogram = [ { op = \"compute\", cycles = \"x\" } ]\n");
  CHECK(type.line() == 5);
  CHECK(type.message().find("integer") != std::string::npos);
}

TEST_CASE("scenario: compute min above max is rejected", "[unit]") {
  auto e = parse_error(
      kHead + "[[cpu]]\ncpus = \"0\"\nprogram = [ { op = \"compute\", min = 5, max = 4 } ]\n");
  CHECK(e.message().find("max is below min") != std::string::npos);
}

TEST_CASE("scenario: raw IPIs need a defined vector and xcall vectors are reserved", "[unit]") {
  auto missing = parse_error(
      kHead + "[[cpu]]\ncpus = \"0\"\nprogram = [ { op = \"ipi\", target = 1, vector = 65 } ]\n");
  CHECK(missing.message().find("has no handler") != std::string::npos);
  auto reserved =
      parse_error(kHead + "vectors = [ { vector = 0xfb, name = \"x\", cycles = 1 } ]\n" +
                  "[[cpu]]\ncpus = \"0\"\nprogram = []\n");
  CHECK(reserved.line() == 3);
}

TEST_CASE("scenario bind: a program on a CPU the machine lacks names the program", "[unit]") {
  auto e = bind_error(kHead + "[[cpu]]\ncpus = \"0-99\"\nprogram = []\n");
  CHECK(e.line() == 3);
  CHECK(e.message().find("48 CPUs") != std::string::npos);
}

TEST_CASE("scenario bind: two programs on one CPU are rejected", "[unit]") {
  auto e = bind_error(
      kHead + "[[cpu]]\ncpus = \"0-3\"\nprogram = []\n[[cpu]]\ncpus = \"3\"\nprogram = []\n");
  CHECK(e.line() == 6);
  CHECK(e.message().find("already runs the program at line 3") != std::string::npos);
}

TEST_CASE("scenario bind: csd slots beyond the preallocated ones are rejected", "[unit]") {
  auto e = bind_error(kHead +
                      "[[cpu]]\ncpus = \"0\"\nprogram = [ { op = \"xcall_private\", target = 1, "
                      "slot = 9, func = \"f\", flags = \"async\" } ]\n");
  CHECK(e.message().find("slot 9") != std::string::npos);
}

TEST_CASE("scenario: the seed makes random compute reproducible and seed-dependent", "[unit]") {
  auto text = [](int seed) {
    return "name = \"r\"\nseed = " + std::to_string(seed) +
           "\nfunctions = [ { name = \"f\", cycles = 10 } ]\n[[cpu]]\ncpus = \"0\"\nprogram = [ { "
           "op = \"repeat\", count = 5, body = [ { op = \"compute\", min = 100, max = 100000 }, "
           "{ op = \"xcall\", target = 1, func = \"f\", flags = \"sync\" } ] } ]\n";
  };
  auto end_time = [&](int seed) {
    auto s = scenario::parse_scenario(text(seed), "r.toml");
    smp::Simulation sim(default_machine());
    scenario::bind(s, sim);
    auto outcome = sim.run();
    REQUIRE(outcome.completed);
    return outcome.end_time;
  };
  CHECK(end_time(1) == end_time(1));
  CHECK(end_time(1) != end_time(2));
}

TEST_CASE("every shipped scenario loads, binds and completes on the default machine", "[unit]") {
  int count = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(XCALLSIM_CONFIGS_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    INFO(entry.path().string());
    auto s = scenario::load_scenario(entry.path());
    for (auto profile : {smp::Profile::Seed, smp::Profile::Upstream}) {
      smp::Options options;
      options.profile = profile;
      smp::Simulation sim(default_machine(), options);
      scenario::bind(s, sim);
      auto outcome = sim.run();
      CHECK(outcome.completed);
      CHECK_FALSE(outcome.stuck);
      CHECK(replay::summarize(sim.trace()).unreturned == 0);
    }
  }
  CHECK(count >= 3);
}
