// test_phases.cpp — accuracy milestones.
#include <catch2/catch.hpp>

#include "grok/story/milestones.h"

TEST_CASE("milestones are the first steps crossing each threshold", "[phases]") {
  std::vector<int64_t> steps{0, 10, 20, 30, 40, 50};
  std::vector<double> train{0.1, 0.995, 1.0, 1.0, 1.0, 1.0};
  std::vector<double> test{0.0, 0.05, 0.4, 0.6, 0.96, 0.991};
  grok::AccuracyMilestones m = grok::accuracy_milestones(steps, train, test);
  CHECK(m.t_mem == 10);
  CHECK(m.test_acc_at_mem == Approx(0.05));
  CHECK(m.t_50 == 30);
  CHECK(m.t_95 == 40);
  CHECK(m.t_grok == 50);
  CHECK_THAT(grok::describe_milestones(m), Catch::Contains("grokked 40 steps after memorising"));
}

TEST_CASE("milestones that never happen are empty", "[phases]") {
  grok::AccuracyMilestones m = grok::accuracy_milestones({0, 1}, {0.5, 1.0}, {0.0, 0.01});
  CHECK(m.t_mem == 1);
  CHECK_FALSE(m.t_grok.has_value());
  CHECK_THAT(grok::describe_milestones(m), Catch::Contains("did not generalise"));
}

TEST_CASE("thousands separators", "[phases]") {
  CHECK(grok::with_commas(0) == "0");
  CHECK(grok::with_commas(999) == "999");
  CHECK(grok::with_commas(1000) == "1,000");
  CHECK(grok::with_commas(1234567) == "1,234,567");
}
