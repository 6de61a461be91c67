// The cpumask value type and the trace/warning vocabulary.
#include <catch2/catch.hpp>

#include <vector>

#include "xcall/cpumask.hpp"
#include "xcall/platform/warnings.hpp"
#include "xcall/profile.hpp"

using namespace xcallsim::xcall;

TEST_CASE("cpumask: set, clear, test, iterate ascending across words", "[xcall]") {
  cpumask<130> m;
  CHECK(m.empty());
  CHECK(m.first() == -1);
  for (int cpu : {129, 0, 64, 63, 65}) m.set(cpu);
  m.set(130);  // out of range: ignored
  m.set(-1);
  CHECK(m.weight() == 5);
  std::vector<int> seen;
  m.for_each([&](int cpu) { seen.push_back(cpu); });
  CHECK(seen == std::vector<int>{0, 63, 64, 65, 129});
  CHECK(m.next(65) == 129);
  CHECK(m.next(129) == -1);
  m.clear(64);
  CHECK_FALSE(m.test(64));
  CHECK_FALSE(m.test(500));
  const auto a = cpumask<130>::of(3) | cpumask<130>::of(70);
  const auto b = cpumask<130>::first_n(10);
  CHECK((a & b) == cpumask<130>::of(3));
  CHECK(a.first_and(b) == 3);
  auto c = a;
  c.andnot(b);
  CHECK(c == cpumask<130>::of(70));
  CHECK(cpumask<130>::first_n(130).weight() == 130);
}

TEST_CASE("profiles: the seed and upstream rules differ in every choice point", "[xcall]") {
  const ProfileRules seed = rules_for(Profile::Seed);
  const ProfileRules upstream = rules_for(Profile::Upstream);
  CHECK(seed.single_uses_mask_path != upstream.single_uses_mask_path);
  CHECK(seed.all_includes_self != upstream.all_includes_self);
  CHECK(seed.mask_runs_local != upstream.mask_runs_local);
  CHECK(seed.warn_invalid_cpu != upstream.warn_invalid_cpu);
  CHECK(seed.private_seed_rules != upstream.private_seed_rules);
  CHECK(seed.any_seed_rules != upstream.any_seed_rules);
}

TEST_CASE("warnings: every kind has a name and a reporting style", "[xcall]") {
  for (int i = 0; i < kWarningCount; ++i) {
    const auto w = static_cast<Warning>(i);
    CHECK(std::string(warning_name(w)) != "unknown");
  }
  CHECK(warn_style(Warning::NotInTask) == WarnStyle::WarnOnce);
  CHECK(warn_style(Warning::CsdUnlockNotLocked) == WarnStyle::Warn);
  CHECK(warn_style(Warning::InvalidCpu) == WarnStyle::PrWarn);
}
