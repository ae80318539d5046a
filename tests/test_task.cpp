// test_task.cpp — label tables against brute force, true modular division, the split.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
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

TEST_CASE("label noise corrupts exactly round(label_noise x n_train) train labels, each to a wrong one",
          "[task][noise]") {
  grok::Task t = make_task("add", 23, 0);
  grok::Split s = make_split(t, 0.3, 0);  // 159 train pairs
  REQUIRE(s.train.size() == 159);
  for (double noise : {0.0, 0.01, 0.1, 0.25, 0.5, 0.99}) {
    INFO("label_noise " << noise);
    std::vector<int64_t> y = grok::noisy_train_labels(t, s, noise, 7);
    REQUIRE(y.size() == s.train.size());
    size_t changed = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      const int64_t a = s.train[i] / 23, b = s.train[i] % 23;
      const int64_t truth = (a + b) % 23;  // written out, not read from the task
      CHECK(y[i] >= 0);
      CHECK(y[i] < 23);
      changed += y[i] != truth;
    }
    // 159 * noise rounded half away from zero: 0, 2 (1.59), 16 (15.9), 40 (39.75), 80 (79.5), 157 (157.41).
    const std::map<double, size_t> expected{{0.0, 0}, {0.01, 2}, {0.1, 16}, {0.25, 40}, {0.5, 80}, {0.99, 157}};
    CHECK(changed == expected.at(noise));  // none of the chosen kept its true label
  }
}

TEST_CASE("label noise 0 is the task's labels, bit for bit", "[task][noise]") {
  grok::Task t = make_task("x2xyy2", 31, 0);
  grok::Split s = make_split(t, 0.4, 3);
  std::vector<int64_t> clean;
  for (int64_t i : s.train) clean.push_back(t.labels[static_cast<size_t>(i)]);
  CHECK(grok::noisy_train_labels(t, s, 0.0, 3) == clean);
  CHECK(grok::noisy_train_labels(t, s, 0.0, 99) == clean);  // no seed can matter without noise
}

TEST_CASE("label noise is drawn from the data seed alone", "[task][noise]") {
  grok::Task t = make_task("add", 23, 0);
  grok::Split s = make_split(t, 0.3, 0);
  std::vector<int64_t> a = grok::noisy_train_labels(t, s, 0.2, 0);
  CHECK(grok::noisy_train_labels(t, s, 0.2, 0) == a);  // same data seed: same labels
  CHECK(grok::noisy_train_labels(t, s, 0.2, 1) != a);  // another data seed: other labels
  // The split's own stream and the noise's are independent: the noise is not the split's shuffle.
  std::vector<int64_t> b = grok::noisy_train_labels(t, s, 0.4, 0);
  CHECK(b != a);
}

TEST_CASE("label noise picks pairs and wrong labels uniformly", "[task][noise]") {
  // add mod 7, half the 49 pairs for training (25), 20% noisy (5 pairs). Over 4000 data
  // seeds each train position should be noisy ~20% of the time, and the wrong label's
  // offset from the true one, (y - truth) mod 7, uniform over 1..6.
  grok::Task t = make_task("add", 7, 0);
  const int draws = 4000;
  std::vector<int> noisy_at(25, 0), offset(7, 0);
  for (int seed = 0; seed < draws; ++seed) {
    grok::Split s = make_split(t, 0.5, static_cast<uint64_t>(seed));
    REQUIRE(s.train.size() == 25);
    std::vector<int64_t> y = grok::noisy_train_labels(t, s, 0.2, static_cast<uint64_t>(seed));
    for (size_t i = 0; i < y.size(); ++i) {
      const int64_t truth = (s.train[i] / 7 + s.train[i] % 7) % 7;
      if (y[i] == truth) continue;
      ++noisy_at[i];
      ++offset[static_cast<size_t>(((y[i] - truth) % 7 + 7) % 7)];
    }
  }
  // Binomial(4000, 0.2): mean 800, sd 25.3; allow 6 sd.
  for (int n : noisy_at) CHECK(std::abs(n - 800) < 152);
  // 20000 wrong labels over 6 offsets: mean 3333, sd 52.7; allow 6 sd. Offset 0 never happens.
  CHECK(offset[0] == 0);
  for (size_t k = 1; k < 7; ++k) CHECK(std::abs(offset[k] - 20000 / 6) < 316);
}

TEST_CASE("label noise below 0 or at 1 and above is rejected", "[task][noise]") {
  grok::Task t = make_task("add", 13, 0);
  grok::Split s = make_split(t, 0.3, 0);
  for (double f : {-0.1, 1.0, 1.5}) REQUIRE_THROWS_AS(grok::noisy_train_labels(t, s, f, 0), grok::InputError);
}
