// test_measures_projections.cpp — restricted / excluded loss and the restricted
// loss's null baseline, against the definitions written out on the p^2 grid:
// explicit unit vectors u_k_cos, u_k_sin over (a, b), explicit outer-product
// projections u u^T L, the bias correction, and a cross-entropy by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <set>

#include "grok/core/rng.h"
#include "grok/measures/logit_projections.h"

namespace {

// sum_{k in K} (u_cos u_cos^T L + u_sin u_sin^T L) with u built over every
// (a, b) by two loops, unit-normalised; the zero sin vector of k = p/2 (even p) is skipped.
at::Tensor explicit_projection(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  at::Tensor kept = at::zeros_like(L);
  for (int64_t k : K) {
    at::Tensor uc = at::empty({p * p}, at::kDouble), us = at::empty({p * p}, at::kDouble);
    auto c = uc.accessor<double, 1>(), s = us.accessor<double, 1>();
    for (int64_t a = 0; a < p; ++a)
      for (int64_t b = 0; b < p; ++b) {
        c[a * p + b] = std::cos(2 * M_PI * static_cast<double>(k * (a + b)) / static_cast<double>(p));
        s[a * p + b] = std::sin(2 * M_PI * static_cast<double>(k * (a + b)) / static_cast<double>(p));
      }
    for (at::Tensor u : {uc, us}) {
      const double norm = u.norm().item<double>();
      if (norm < 1e-6) continue;
      u = u / norm;
      kept += at::outer(u, at::matmul(u, L));
    }
  }
  return kept;
}

// Mean over `rows` of -log(exp(l_y) / sum_c exp(l_c)), one row at a time.
double explicit_cross_entropy(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& rows) {
  at::Tensor lc = logits.contiguous();
  auto l = lc.accessor<double, 2>();
  auto y = labels.accessor<int64_t, 1>();
  auto rr = rows.accessor<int64_t, 1>();
  double total = 0;
  for (int64_t i = 0; i < rows.size(0); ++i) {
    const int64_t r = rr[i];
    double top = l[r][0], z = 0;
    for (int64_t c = 1; c < l.size(1); ++c) top = std::max(top, l[r][c]);
    for (int64_t c = 0; c < l.size(1); ++c) z += std::exp(l[r][c] - top);
    total += top + std::log(z) - l[r][y[r]];
  }
  return total / static_cast<double>(rows.size(0));
}

double explicit_restricted_loss(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K, const at::Tensor& labels,
                                const at::Tensor& rows) {
  at::Tensor kept = explicit_projection(L, p, K);
  return explicit_cross_entropy(kept + (L - kept).mean(0, true), labels, rows);
}

double explicit_excluded_loss(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K, const at::Tensor& labels,
                              const at::Tensor& rows) {
  return explicit_cross_entropy(L - explicit_projection(L, p, K), labels, rows);
}

// A random split of the grid: [train rows], [test rows].
std::pair<at::Tensor, at::Tensor> random_split(int64_t p, double fraction) {
  at::Tensor order = at::randperm(p * p, at::kLong);
  const int64_t n = static_cast<int64_t>(fraction * static_cast<double>(p * p));
  return {std::get<0>(order.slice(0, 0, n).sort()), std::get<0>(order.slice(0, n).sort())};
}

// (a + b) mod p over the grid, written out.
at::Tensor sum_labels(int64_t p) {
  at::Tensor y = at::empty({p * p}, at::kLong);
  auto acc = y.accessor<int64_t, 1>();
  for (int64_t a = 0; a < p; ++a)
    for (int64_t b = 0; b < p; ++b) acc[a * p + b] = (a + b) % p;
  return y;
}

}  // namespace

TEST_CASE("restricted and excluded loss equal the outer-product definition on random logits", "[measures][null]") {
  for (int64_t p : {30, 31}) {
    at::manual_seed(3);
    // Random logits with a per-row offset and a per-column bias (the bias correction must handle both).
    at::Tensor L = at::randn({p * p, p}, at::kDouble) * 2.0 + at::randn({p * p, 1}, at::kDouble) +
                   at::randn({1, p}, at::kDouble) * 3.0;
    at::Tensor labels = at::randint(p, {p * p}, at::kLong);  // not a function of a + b
    auto [train, test] = random_split(p, 0.3);
    grok::LogitTable t = grok::logit_table(L, p);
    const std::vector<int64_t> K{2, 9, p / 2};  // includes the cos-only k = p/2 for even p
    INFO("p = " << p);
    CHECK(grok::restricted_loss(t, K, labels, test) ==
          Approx(explicit_restricted_loss(L, p, K, labels, test)).epsilon(1e-10));
    CHECK(grok::restricted_loss(t, K, labels, train) ==
          Approx(explicit_restricted_loss(L, p, K, labels, train)).epsilon(1e-10));
    CHECK(grok::excluded_loss(t, K, labels, train) ==
          Approx(explicit_excluded_loss(L, p, K, labels, train)).epsilon(1e-10));
    CHECK(grok::excluded_loss(t, {5}, labels, train) ==
          Approx(explicit_excluded_loss(L, p, {5}, labels, train)).epsilon(1e-10));
  }
}

TEST_CASE("the restricted-loss null baseline equals the outer-product definition for its drawn sets",
          "[measures][null]") {
  for (int64_t p : {30, 31}) {
    at::manual_seed(17);
    at::Tensor L = at::randn({p * p, p}, at::kDouble) * 3.0 + at::randn({1, p}, at::kDouble);
    at::Tensor labels = at::randint(p, {p * p}, at::kLong);
    auto [train, test] = random_split(p, 0.4);
    const std::vector<int64_t> K{1, 4, 7};
    const int64_t draws = 20;
    grok::RestrictedNull null = grok::restricted_loss_null(grok::logit_table(L, p), K, labels, test, draws, 42);
    REQUIRE(null.loss.size() == static_cast<size_t>(draws));
    REQUIRE(null.sets.size() == static_cast<size_t>(draws));
    double sum = 0, sq = 0;
    for (int64_t d = 0; d < draws; ++d) {
      const double expected = explicit_restricted_loss(L, p, null.sets[static_cast<size_t>(d)], labels, test);
      INFO("p = " << p << ", draw " << d);
      CHECK(null.loss[static_cast<size_t>(d)] == Approx(expected).epsilon(1e-10));
      sum += expected;
    }
    const double mean = sum / draws;
    for (double l : null.loss) sq += (l - mean) * (l - mean);
    CHECK(null.mean == Approx(mean).epsilon(1e-10));
    CHECK(null.sd == Approx(std::sqrt(sq / (draws - 1))).epsilon(1e-8));
    CHECK(null.sd > 0);
    // Swapping train and test rows changes the answer (the rows are used, not ignored).
    grok::RestrictedNull on_train = grok::restricted_loss_null(grok::logit_table(L, p), K, labels, train, draws, 42);
    CHECK(on_train.sets == null.sets);
    CHECK(std::abs(on_train.mean - null.mean) > 1e-6);
  }
}

TEST_CASE("null draws: seeded, portable, distinct, never a key frequency", "[measures][null]") {
  const int64_t p = 113;
  const std::vector<int64_t> K{7, 11, 54, 56, 1};
  auto sets = grok::null_frequency_sets(p, K, 25, 2024);
  CHECK(sets == grok::null_frequency_sets(p, K, 25, 2024));
  CHECK(sets != grok::null_frequency_sets(p, K, 25, 2025));
  std::set<std::vector<int64_t>> distinct;
  for (const auto& s : sets) {
    REQUIRE(s.size() == K.size());
    CHECK(std::is_sorted(s.begin(), s.end()));
    CHECK(std::set<int64_t>(s.begin(), s.end()).size() == s.size());
    for (int64_t k : s) {
      CHECK(k >= 1);
      CHECK(k <= 56);
      CHECK(std::find(K.begin(), K.end(), k) == K.end());
    }
    distinct.insert(s);
  }
  CHECK(distinct.size() > 20);  // C(51, 5) sets: repeats among 25 draws are near impossible
  // The documented recipe, written out: mt19937_64(mix_seed(seed, 101)), then a
  // partial Fisher-Yates over the ascending non-key frequencies with uniform_below.
  std::mt19937_64 rng(grok::mix_seed(2024, 101));
  std::vector<int64_t> pool;
  for (int64_t k = 1; k <= 56; ++k)
    if (std::find(K.begin(), K.end(), k) == K.end()) pool.push_back(k);
  for (size_t i = 0; i < K.size(); ++i) std::swap(pool[i], pool[i + grok::uniform_below(rng, pool.size() - i)]);
  std::vector<int64_t> first(pool.begin(), pool.begin() + 5);
  std::sort(first.begin(), first.end());
  CHECK(sets[0] == first);
  // Every frequency can be drawn: over many draws each non-key k appears.
  std::set<int64_t> seen;
  for (const auto& s : grok::null_frequency_sets(p, K, 400, 1)) seen.insert(s.begin(), s.end());
  CHECK(seen.size() == 51);
  CHECK_THROWS(grok::null_frequency_sets(p, {0}, 1, 1));
  CHECK_THROWS(grok::null_frequency_sets(p, {3, 3}, 1, 1));
  CHECK_THROWS(grok::null_frequency_sets(7, {1, 2}, 1, 1));  // only {3} left
}

TEST_CASE("null baseline: memorisation alone beats chance but not the null, a planted circuit beats the null",
          "[measures][null]") {
  const int64_t p = 31;
  at::manual_seed(8);
  at::Tensor labels = sum_labels(p);
  auto [train, test] = random_split(p, 0.3);
  const std::vector<int64_t> K{3, 7, 11};
  // Pure memorisation: +M on the correct logit of train pairs only, nothing on test pairs.
  const double M = 40;
  at::Tensor memorised = at::zeros({p * p, p}, at::kDouble);
  memorised.index_put_({train, labels.index_select(0, train)}, M);
  grok::LogitTable tm = grok::logit_table(memorised, p);
  const double restricted = grok::restricted_loss(tm, K, labels, test);
  grok::RestrictedNull null = grok::restricted_loss_null(tm, K, labels, test, 20, 5);
  // The arithmetic: each kept frequency lifts the correct logit by ~2 f M / p.
  CHECK(restricted < std::log(31.0) - 1.0);
  CHECK(std::abs(restricted - null.mean) < 3 * null.sd + 0.05);
  // A circuit on K: cos(w_k (a + b - c)) for k in K, written out.
  at::Tensor circuit = at::zeros({p * p, p}, at::kDouble);
  auto acc = circuit.accessor<double, 2>();
  auto y = labels.accessor<int64_t, 1>();
  for (int64_t k : K)
    for (int64_t i = 0; i < p * p; ++i)
      for (int64_t c = 0; c < p; ++c) acc[i][c] += 3.0 * std::cos(2 * M_PI * static_cast<double>(k * (y[i] - c)) / p);
  grok::LogitTable tc = grok::logit_table(circuit + memorised, p);
  grok::RestrictedNull cnull = grok::restricted_loss_null(tc, K, labels, test, 20, 5);
  CHECK(grok::restricted_loss(tc, K, labels, test) < cnull.mean - 5 * cnull.sd - 1.0);
}

// Hidden (run by name): the cost of one null baseline at nanda2023's size, for
// the analysis budget (~400 checkpoints). Prints, asserts nothing about time.
TEST_CASE("null baseline timing at p = 113", "[.][null-timing]") {
  const int64_t p = 113;
  at::manual_seed(1);
  at::Tensor L = at::randn({p * p, p}, at::kFloat).to(at::kDouble);
  at::Tensor labels = sum_labels(p);
  at::Tensor test = random_split(p, 0.3).second;  // ~8,940 rows
  grok::LogitTable t = grok::logit_table(L, p);
  const std::vector<int64_t> K{7, 11, 14, 42, 54};
  const int reps = 50;
  grok::restricted_loss_null(t, K, labels, test, 20, 0);  // warm-up
  auto start = std::chrono::steady_clock::now();
  double sink = 0;
  for (int r = 0; r < reps; ++r) sink += grok::restricted_loss_null(t, K, labels, test, 20, 0).mean;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / reps;
  WARN("restricted_loss_null, p = 113, |K| = 5, 20 draws, " << test.size(0) << " rows: " << ms << " ms per call");
  CHECK(std::isfinite(sink));
}
