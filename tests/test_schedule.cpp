// test_schedule.cpp — checkpoint / activation schedules.
#include <catch2/catch.hpp>

#include "grok/core/schedule.h"

TEST_CASE("every-N schedules include the first and last step", "[schedule]") {
  grok::Schedule s(250, 100, 0, {});
  CHECK(s.steps() == std::vector<int64_t>{0, 100, 200, 250});
}

TEST_CASE("log-spaced schedules are geometric and deduplicated", "[schedule]") {
  grok::Schedule s(10000, 0, 5, {});
  CHECK(s.steps() == std::vector<int64_t>{0, 1, 10, 100, 1000, 10000});
  grok::Schedule dense(3, 0, 20, {});
  CHECK(dense.steps() == std::vector<int64_t>{0, 1, 2, 3});
}

TEST_CASE("explicit lists merge with the rest, steps past the end are dropped", "[schedule]") {
  grok::Schedule s(100, 50, 0, {7, 50, 400});
  CHECK(s.steps() == std::vector<int64_t>{0, 7, 50, 100});
  CHECK(s.due(7));
  CHECK_FALSE(s.due(8));
}
