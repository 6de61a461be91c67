// Sweep files (docs/sweep-format.md): strict reading with file:line errors,
// the grid's order, a failing point isolated in its row, CSV quoting.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sim/config/config.hpp"
#include "sim/sweep/sweep.hpp"

using namespace xcallsim;

namespace {

const std::string kConfigs = XCALLSIM_CONFIGS_DIR;

const std::string kGood = R"(name = "t"
machines = ["machines/default.toml"]
scenarios = ["scenarios/ping-pong.toml", "scenarios/fan-out.toml"]
profiles = ["seed", "upstream"]
seeds = [1, 2]

[[column]]
metric = "p50_ns"
call = "smp_xcall SYNC"
)";

sweep::Spec parse(const std::string& text) {
  return sweep::parse_spec(text, "s.toml", kConfigs);
}

config::ConfigError error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config::ConfigError& e) {
    return e;
  }
  FAIL("expected a ConfigError");
  throw;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("sweep: the grid is the product of the axes, the last varying fastest", "[unit]") {
  const sweep::Spec spec = parse(kGood);
  const auto grid = sweep::points(spec);
  REQUIRE(grid.size() == 1 * 2 * 2 * 1 * 2);
  CHECK(grid[0].scenario.ends_with("ping-pong.toml"));
  CHECK(grid[0].seed == 1u);
  CHECK(grid[1].seed == 2u);
  CHECK(grid[2].profile == smp::Profile::Upstream);
  CHECK(grid[4].scenario.ends_with("fan-out.toml"));
  for (std::size_t i = 0; i < grid.size(); ++i) CHECK(grid[i].index == i);
}

TEST_CASE("sweep: bad files are errors at their place, with a fix", "[unit]") {
  const auto check = [](const std::string& text, int line, const std::string& part) {
    const config::ConfigError e = error_of(text);
    INFO(e.what());
    CHECK(e.file() == "s.toml");
    CHECK(e.line() == line);
    CHECK_THAT(e.message(), Catch::Contains(part));
    CHECK_FALSE(e.fix().empty());
  };
  check(replaced(kGood, "machines/default.toml", "machines/nope.toml"), 2, "names no file");
  check(replaced(kGood, "\"upstream\"", "\"downstream\""), 4, "downstream");
  check(replaced(kGood, "metric = \"p50_ns\"", "metric = \"p42\""), 8, "p42");
  check(replaced(kGood, "call = \"smp_xcall SYNC\"\n", ""), 7, "per call kind");
  check(kGood + "colour = 1\n", 10, "colour");
  check(replaced(kGood, "seeds = [1, 2]", "seeds = [-1]"), 5, "seeds");
}

TEST_CASE("sweep: a point that cannot run fails alone, in its row", "[unit]") {
  // xAPIC needs APIC IDs <= 0xFE; a 2-socket machine of 128 cores x 2 threads has more.
  const sweep::Spec spec = parse(replaced(kGood, "profiles = [\"seed\", \"upstream\"]",
                                          "send_modes = [\"preset\", \"xapic-physical\"]"));
  const auto grid = sweep::points(spec);
  const sweep::Row ok = sweep::run_point(spec, grid[0]);
  CHECK_FALSE(ok.failed);
  REQUIRE(ok.values.size() == 1);
  CHECK(std::stod(ok.values[0]) > 100.0);  // a SYNC call's p50, ns: hundreds on any preset
  // The same point again gives the same row: points are independent.
  CHECK(sweep::csv_line(spec, sweep::run_point(spec, grid[0])) == sweep::csv_line(spec, ok));
}

TEST_CASE("sweep: CSV cells are quoted per RFC 4180", "[unit]") {
  sweep::Spec spec = parse(kGood);
  spec.columns[0].header = "a,\"b\"";
  CHECK(sweep::csv_header(spec).ends_with(",\"a,\"\"b\"\"\"\n"));
  sweep::Row failed;
  failed.point = sweep::points(spec)[0];
  failed.failed = true;
  failed.error = "x, y";
  CHECK_THAT(sweep::csv_line(spec, failed), Catch::Contains(",\"failed: x, y\","));
}

// [[vary]]: a machine key the preset declares overridable, one axis per key
// (before seeds), its values in the CSV's own column; a key not declared or
// a value the machine refuses is an error at the spec's place.
TEST_CASE("sweep: [[vary]] sets a declared machine key per point", "[unit]") {
  const std::string text =
      replaced(kGood, "seeds = [1, 2]\n",
               "seeds = [1]\n[[vary]]\nkey = \"apic.cost.icr_write\"\nvalues = [298, 5000]\n");
  const sweep::Spec spec = parse(text);
  REQUIRE(spec.vary.size() == 1);
  const auto grid = sweep::points(spec);
  REQUIRE(grid.size() == 1 * 2 * 2 * 1 * 2 * 1);
  CHECK(grid[0].values == std::vector<std::string>{"298"});
  CHECK(grid[1].values == std::vector<std::string>{"5000"});
  CHECK(sweep::csv_header(spec).starts_with(
      "machine,scenario,profile,send_mode,apic.cost.icr_write,seed,"));
  const sweep::Row cheap = sweep::run_point(spec, grid[0]);
  const sweep::Row dear = sweep::run_point(spec, grid[1]);
  REQUIRE_FALSE(cheap.failed);
  REQUIRE_FALSE(dear.failed);
  CHECK(std::stod(dear.values[0]) > std::stod(cheap.values[0]) + 1000.0);  // ~4700 cycles more
  CHECK_THAT(sweep::csv_line(spec, dear),
             Catch::StartsWith("default.toml,ping-pong.toml,seed,preset,5000,1,ok,"));

  const auto undeclared = error_of(replaced(text, "apic.cost.icr_write", "apic.cost.eoi"));
  CHECK(undeclared.line() == 7);
  CHECK_THAT(undeclared.message(), Catch::Contains("not declared overridable by default.toml"));
  const auto refused = error_of(replaced(text, "[298, 5000]", "[298, -1]"));
  CHECK(refused.line() == 8);
  CHECK_THAT(refused.message(), Catch::Contains("apic.cost.icr_write = -1"));
  CHECK_THAT(error_of(replaced(text, "[298, 5000]", "[[1]]")).message(),
             Catch::Contains("a string, a number or a boolean"));
}

// [plot]: y (a column) against x (a numeric [[vary]] key), one data block
// per series, named by the axes that differ; bad choices are errors at
// their key. CSV cells split back as csv_line() wrote them.
TEST_CASE("sweep: [plot] draws a column against a [[vary]] key", "[unit]") {
  const std::string text =
      replaced(kGood, "seeds = [1, 2]\n",
               "seeds = [1]\n[[vary]]\nkey = \"apic.cost.icr_write\"\nvalues = [298, 5000]\n"
               "[plot]\nx = \"apic.cost.icr_write\"\ny = \"p50_ns smp_xcall SYNC\"\n");
  sweep::Spec spec = parse(replaced(text, "profiles = [\"seed\", \"upstream\"]", ""));
  REQUIRE(spec.plot);
  CHECK(spec.plot->title == "t");
  std::vector<std::string> lines;
  for (const sweep::Point& p : sweep::points(spec))
    lines.push_back(sweep::csv_line(spec, sweep::run_point(spec, p)));
  const auto dir = std::filesystem::temp_directory_path() / "xcallsim_sweep_plot";
  std::filesystem::create_directories(dir);
  const sweep::PlotFiles files = sweep::write_plot(spec, lines, dir / "out.csv");
  CHECK(files.image.filename() == "out.png");
  std::ifstream data(files.data), script(files.script);
  const std::string d((std::istreambuf_iterator<char>(data)), {});
  const std::string g((std::istreambuf_iterator<char>(script)), {});
  // fan-out.toml makes no `smp_xcall SYNC` call (an empty cell): one
  // series, ping-pong's, of two points (x = 298, 5000), named by its column.
  CHECK(std::count(d.begin(), d.end(), '\n') == 1 + 2 + 2);
  CHECK_THAT(d, Catch::Contains("\n298 "));
  CHECK_THAT(d, Catch::Contains("\n5000 "));
  CHECK_THAT(g,
             Catch::Contains("index 0 using 1:2 with linespoints title 'p50_ns smp_xcall SYNC'"));
  CHECK_THAT(g, Catch::Contains("noenhanced"));
  CHECK_THAT(g, Catch::Contains("set output 'out.png'"));
  std::filesystem::remove_all(dir);

  CHECK_THAT(error_of(replaced(text, "x = \"apic.cost.icr_write\"", "x = \"seed\"")).message(),
             Catch::Contains("is not a [[vary]] key"));
  CHECK_THAT(error_of(replaced(text, "y = \"p50_ns smp_xcall SYNC\"", "y = \"p99\"")).message(),
             Catch::Contains("is not a column"));
  CHECK(sweep::split_csv("a,\"b,\"\"c\"\"\",,d\n") ==
        std::vector<std::string>{"a", "b,\"c\"", "", "d"});
}
