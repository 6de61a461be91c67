// Layered documents (Document::load_layered): `base = "file"` loads that file
// under this one; keys replace, tables merge key by key, and an error names
// the file and line its key came from.
#include <catch2/catch.hpp>

#include "error_of.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/config/config.hpp"

using xcallsim::config::Document;

namespace {

struct Dir {
  std::filesystem::path path;
  explicit Dir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("xcallsim_layers_" + name)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

}  // namespace

TEST_CASE("layers: keys replace, tables merge key by key, the base's keys stay", "[unit]") {
  const Dir d("merge");
  d.write("host.toml", "name = \"host\"\n[t]\na = 1\nb = 2\n[t.sub]\nc = 3\n");
  const auto top = d.write("guest.toml", "base = \"host.toml\"\nname = \"guest\"\n[t]\nb = 20\n");
  auto root = Document::load_layered(top, "base").root();
  CHECK(root.required_string("base") == "host.toml");
  CHECK(root.required_string("name") == "guest");
  auto t = root.required_table("t");
  CHECK(t.required_int("a") == 1);
  CHECK(t.required_int("b") == 20);
  CHECK(t.required_table("sub").required_int("c") == 3);
  CHECK(root.source() == top.string());
}

TEST_CASE("layers: an error names the file and line of its key, base or top", "[unit]") {
  const Dir d("where");
  const auto host = d.write("host.toml", "[t]\na = \"x\"\n");
  const auto top = d.write("guest.toml", "base = \"host.toml\"\n\n[t]\nb = \"y\"\n");
  auto t = Document::load_layered(top, "base").root().required_table("t");
  const auto in_base = error_of([&] { t.required_int("a"); });
  CHECK(in_base.file() == host.string());
  CHECK(in_base.line() == 2);
  const auto in_top = error_of([&] { t.required_int("b"); });
  CHECK(in_top.file() == top.string());
  CHECK(in_top.line() == 4);
  auto fresh = Document::load_layered(top, "base").root().required_table("t");
  fresh.contains("b");
  const auto unknown = error_of([&] { fresh.finish(); });  // `a`, from the base, is unknown here
  CHECK(unknown.file() == host.string());
  CHECK(unknown.line() == 2);
}

TEST_CASE("layers: a missing base, a non-string base and a cycle are clear errors", "[unit]") {
  const Dir d("bad");
  const auto missing = d.write("a.toml", "x = 1\nbase = \"nope.toml\"\n");
  const auto e1 = error_of([&] { Document::load_layered(missing, "base"); });
  CHECK(e1.file() == missing.string());
  CHECK(e1.line() == 2);
  CHECK_THAT(e1.message(), Catch::Contains("no such file"));
  const auto number = d.write("b.toml", "base = 3\n");
  CHECK_THAT(error_of([&] { Document::load_layered(number, "base"); }).message(),
             Catch::Contains("must be a string"));
  d.write("c.toml", "base = \"d.toml\"\n");
  const auto cycle = d.write("d.toml", "base = \"c.toml\"\n");
  const auto e3 = error_of([&] { Document::load_layered(cycle, "base"); });
  CHECK_THAT(e3.message(), Catch::Contains("makes a cycle"));  // found at once, not by depth
  CHECK_FALSE(e3.fix().empty());
  const auto self = d.write("e.toml", "base = \"./e.toml\"\n");
  CHECK_THAT(error_of([&] { Document::load_layered(self, "base"); }).message(),
             Catch::Contains("makes a cycle"));
}

TEST_CASE("layers: absolute names, directories and over-long chains are refused", "[unit]") {
  const Dir d("refused");
  const auto absolute = d.write("a.toml", "base = \"/etc/hostname\"\n");
  CHECK_THAT(error_of([&] { Document::load_layered(absolute, "base"); }).message(),
             Catch::Contains("not a relative file name"));
  std::filesystem::create_directories(d.path / "dir");
  const auto folder = d.write("b.toml", "base = \"dir\"\n");
  CHECK_THAT(error_of([&] { Document::load_layered(folder, "base"); }).message(),
             Catch::Contains("not a regular file"));
  // kMaxLayers bases load; one more is refused at the top file's `base`.
  d.write("l0.toml", "x = 0\n");
  for (int i = 1; i <= Document::kMaxLayers + 1; ++i)
    d.write("l" + std::to_string(i) + ".toml",
            "base = \"l" + std::to_string(i - 1) + ".toml\"\nx = " + std::to_string(i) + "\n");
  const auto deepest_ok = d.path / ("l" + std::to_string(Document::kMaxLayers) + ".toml");
  CHECK(Document::load_layered(deepest_ok, "base").root().required_int("x") ==
        Document::kMaxLayers);
  const auto too_deep = d.path / ("l" + std::to_string(Document::kMaxLayers + 1) + ".toml");
  CHECK_THAT(error_of([&] { Document::load_layered(too_deep, "base"); }).message(),
             Catch::Contains("bases deep"));
}
