// test_task.cpp — label tables against brute force, true modular division, the split.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "grok/core/error.h"
#include "grok/core/task.h"

using grok::make_split;
using grok::make_task;

namespace {

// Brute force, written independently of task.cpp: plain integer arithmetic
// reduced once at the end.
int64_t brute_label(const std::string& task, int64_t a, int64_t b, int64_t p) {
  auto m = [p](int64_t x) { return ((x % p) + p) % p; };
  if (task == "add") return m(a + b);
  if (task == "sub") return m(a - b);
  if (task == "mul") return m(a * b);
  if (task == "x2y2") return m(a * a + b * b);
  if (task == "x2xyy2") return m(a * a + a * b + b * b);
  if (task == "x2xyy2x") return m(a * a + a * b + b * b + a);
  if (task == "x3xy") return m(a * a * a + a * b);
  if (task == "x3xy2y") return m(a * a * a + a * b * b + b);
  if (task == "div") {
    // c with c * b = a (mod p), found by search.
    if (b == 0) return -1;
    for (int64_t c = 0; c < p; ++c)
      if (m(c * b) == a) return c;
  }
  return -2;
}

}  // namespace

TEST_CASE("every task's label table equals brute force", "[task]") {
  for (int64_t p : {2, 7, 23, 97}) {
    for (const std::string name : {"add", "sub", "mul", "div", "x2y2", "x2xyy2", "x2xyy2x", "x3xy", "x3xy2y"}) {
      grok::Task t = make_task(name, p, 0);
      REQUIRE(t.labels.size() == static_cast<size_t>(p * p));
      for (int64_t a = 0; a < p; ++a)
        for (int64_t b = 0; b < p; ++b) {
          INFO(name << " p=" << p << " a=" << a << " b=" << b);
          REQUIRE(t.label(a, b) == brute_label(name, a, b, p));
        }
    }
  }
}

TEST_CASE("division is true modular division, not multiplication", "[task]") {
  grok::Task t = make_task("div", 97, 0);
  CHECK(t.label(6, 3) == 2);
  CHECK(t.label(1, 2) == 49);  // 2 * 49 = 98 = 1 (mod 97)
  CHECK(t.label(5, 0) == -1);  // undefined
  CHECK(t.valid_pairs().size() == 97 * 96);
  for (int64_t a = 0; a < 97; ++a)
    for (int64_t b = 1; b < 97; ++b) REQUIRE((t.label(a, b) * b) % 97 == a);
}

TEST_CASE("division rejects a composite p with a clear error", "[task]") {
  REQUIRE_THROWS_AS(make_task("div", 12, 0), grok::InputError);
  REQUIRE_THROWS_WITH(make_task("div", 12, 0), Catch::Contains("prime"));
  REQUIRE_NOTHROW(make_task("mul", 12, 0));
}

TEST_CASE("bad task names and moduli are rejected", "[task]") {
  REQUIRE_THROWS_WITH(make_task("addition", 7, 0), Catch::Contains("unknown task 'addition'"));
  REQUIRE_THROWS_AS(make_task("add", 1, 0), grok::InputError);
  REQUIRE_THROWS_AS(make_task("add", -5, 0), grok::InputError);
}

TEST_CASE("the rand task is a fixed table drawn from the data seed", "[task]") {
  grok::Task a = make_task("rand", 31, 7), b = make_task("rand", 31, 7), c = make_task("rand", 31, 8);
  CHECK(a.labels == b.labels);
  CHECK(a.labels != c.labels);
  for (int64_t l : a.labels) REQUIRE((l >= 0 && l < 31));
  std::set<int64_t> distinct(a.labels.begin(), a.labels.end());
  CHECK(distinct.size() == 31);  // 961 draws cover all 31 labels
}

TEST_CASE("the split is disjoint, complete, sized by frac_train and seeded", "[task][split]") {
  grok::Task t = make_task("div", 31, 0);
  grok::Split s = make_split(t, 0.3, 0);
  const size_t valid = 31 * 30;
  CHECK(s.train.size() == static_cast<size_t>(std::llround(0.3 * valid)));
  CHECK(s.train.size() + s.test.size() == valid);
  std::vector<int64_t> all = s.train;
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  CHECK(all == t.valid_pairs());  // disjoint and covering; no b = 0 pair
  CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  CHECK(make_split(t, 0.3, 0).train == s.train);
  CHECK(make_split(t, 0.3, 1).train != s.train);
}

TEST_CASE("frac_train outside (0, 1) is rejected", "[task][split]") {
  grok::Task t = make_task("add", 13, 0);
  for (double f : {0.0, 1.0, -0.1, 1.5}) REQUIRE_THROWS_AS(make_split(t, f, 0), grok::InputError);
}
