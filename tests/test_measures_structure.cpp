// test_measures_structure.cpp — logit families, neuron->logit alignment and
// dead neurons, against tables written out element by element.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>

#include "grok/measures/logit_structure.h"
#include "grok/measures/neuron_frequencies.h"
#include "grok/measures/neuron_phases.h"

namespace {

// One family member F_{k,f} over the grid, [p*p, p], written out over (a, b, c)
// and divided by its own norm: f = 0 cos(a+b-c), 1 sin(a+b-c), 2 cos(a-b-c), 3 sin(a-b-c).
at::Tensor family_member(int64_t p, int64_t k, int64_t f) {
  at::Tensor T = at::empty({p * p, p}, at::kDouble);
  auto acc = T.accessor<double, 2>();
  for (int64_t a = 0; a < p; ++a)
    for (int64_t b = 0; b < p; ++b)
      for (int64_t c = 0; c < p; ++c) {
        const int64_t r = f < 2 ? a + b - c : a - b - c;
        const double angle = 2 * M_PI * static_cast<double>(k * r) / static_cast<double>(p);
        acc[a * p + b][c] = f % 2 == 0 ? std::cos(angle) : std::sin(angle);
      }
  const double norm = T.norm().item<double>();
  return norm > 1e-6 ? T / norm : T;
}

}  // namespace

TEST_CASE("logit families equal inner products with the written-out tables, odd and even p", "[measures][families]") {
  for (int64_t p : {30, 31}) {
    at::manual_seed(21);
    at::Tensor L = at::randn({p * p, p}, at::kDouble) + at::randn({p * p, 1}, at::kDouble) * 4.0;
    at::Tensor Lc = L - L.mean(1, true);
    grok::LogitFamilies fam = grok::logit_families(L, p);
    REQUIRE(fam.coefficient.sizes().vec() == std::vector<int64_t>{p / 2, 4});
    for (int64_t k : {int64_t{1}, int64_t{4}, p / 2})
      for (int64_t f = 0; f < 4; ++f) {
        const double expected = (Lc * family_member(p, k, f)).sum().item<double>();
        INFO("p = " << p << ", k = " << k << ", family " << f);
        CHECK(fam.coefficient[k - 1][f].item<double>() == Approx(expected).margin(1e-9));
        CHECK(fam.fraction[k - 1][f].item<double>() ==
              Approx(expected * expected / Lc.pow(2).sum().item<double>()).margin(1e-12));
      }
  }
}

TEST_CASE("planted logit families: amplitudes recovered, a - b models have nothing in the a + b families",
          "[measures][families]") {
  const int64_t p = 31;
  at::manual_seed(4);
  // Known amplitudes on (k, family), plus a per-row offset that softmax (and the measure) ignores.
  struct Term {
    int64_t k, f;
    double alpha;
  };
  const std::vector<Term> terms{{3, 0, 6.0}, {3, 1, -2.0}, {8, 2, 4.0}, {12, 3, 1.5}};
  at::Tensor L = at::randn({p * p, 1}, at::kDouble) * 10.0 + at::zeros({p * p, p}, at::kDouble);
  double sum_sq = 0;
  for (const Term& t : terms) {
    L += t.alpha * family_member(p, t.k, t.f);
    sum_sq += t.alpha * t.alpha;
  }
  grok::LogitFamilies fam = grok::logit_families(L, p);
  for (const Term& t : terms) {
    CHECK(fam.coefficient[t.k - 1][t.f].item<double>() == Approx(t.alpha).epsilon(1e-9));
    CHECK(fam.fraction[t.k - 1][t.f].item<double>() == Approx(t.alpha * t.alpha / sum_sq).epsilon(1e-9));
  }
  CHECK(fam.total == Approx(1.0).epsilon(1e-9));
  CHECK(fam.family_total[grok::kCosDiff] == Approx(16.0 / sum_sq).epsilon(1e-9));
  CHECK(std::abs(fam.coefficient[4][0].item<double>()) < 1e-9);  // k = 5 absent

  // A pure subtraction model: everything in the a - b - c families, nothing in a + b - c.
  at::Tensor sub = 5.0 * family_member(p, 3, 2) + 2.0 * family_member(p, 5, 3);
  grok::LogitFamilies sf = grok::logit_families(sub, p);
  CHECK(sf.family_total[grok::kCosSum] + sf.family_total[grok::kSinSum] < 1e-20);
  CHECK(sf.family_total[grok::kCosDiff] + sf.family_total[grok::kSinDiff] == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("random logits: the family fractions are what chance gives", "[measures][families]") {
  // For i.i.d. N(0, 1) logits, L' lives in a p^2 (p - 1)-dimensional space and
  // each of the 4 floor(p/2) = 2 (p - 1) orthonormal directions takes chi^2_1 of
  // it: every fraction is ~ 1 / (p^2 (p - 1)) and their total ~ 2 / p^2 (mean of
  // a chi^2_60 / 60 for p = 31: 1 +- 0.18). Checked: total within [0.5, 1.6]
  // times that, no single fraction above 20 / (p^2 (p - 1)) (chi^2_1 > 20: p ~ 1e-5).
  const int64_t p = 31;
  at::manual_seed(99);
  grok::LogitFamilies fam = grok::logit_families(at::randn({p * p, p}, at::kDouble) * 3.0, p);
  const double one = 1.0 / static_cast<double>(p * p * (p - 1));
  const double expected_total = 4.0 * static_cast<double>(p / 2) * one;
  CHECK(fam.total > 0.5 * expected_total);
  CHECK(fam.total < 1.6 * expected_total);
  CHECK(fam.fraction.max().item<double>() < 20 * one);
}

TEST_CASE("neuron->logit alignment on a planted W_L", "[measures][alignment]") {
  const int64_t p = 31;
  auto wave = [&](int64_t k, double phase) {
    return at::cos(at::arange(p, at::kDouble) * (2 * M_PI * static_cast<double>(k) / p) + phase);
  };
  std::vector<at::Tensor> rows;
  std::vector<int64_t> cluster;
  for (int64_t n = 0; n < 4; ++n) {  // cluster 3: a k = 3 wave of any phase, a k = 8 leak, a constant
    rows.push_back(2.0 * wave(3, 0.7 * n) + 0.5 * wave(8, 0.0) + 7.0);
    cluster.push_back(3);
  }
  rows.push_back(-3.0 * wave(5, M_PI / 2));  // cluster 5: a pure sin(w_5 c) row
  cluster.push_back(5);
  rows.push_back(wave(2, 0.3));  // cluster 7 whose row is a k = 2 wave
  cluster.push_back(7);
  rows.push_back(wave(3, 0.0));  // not clustered
  cluster.push_back(0);
  rows.push_back(at::full({p}, 4.0, at::kDouble));  // a constant row in cluster 4: no share anywhere
  cluster.push_back(4);
  at::Tensor W_L = at::stack(rows);  // [8, p]
  grok::NeuronLogitAlignment al = grok::neuron_logit_alignment(W_L, at::tensor(cluster, at::kLong));
  // ||A cos(w c + phi)||^2 = A^2 p / 2 for 0 < k < p/2, and waves of different k are orthogonal.
  const double leak = 4.0 / (4.0 + 0.25);
  for (int64_t n = 0; n < 4; ++n) CHECK(al.fraction[n].item<double>() == Approx(leak).epsilon(1e-9));
  CHECK(al.fraction[4].item<double>() == Approx(1.0).epsilon(1e-9));
  CHECK(al.fraction[5].item<double>() == Approx(0.0).margin(1e-12));
  CHECK(std::isnan(al.fraction[6].item<double>()));
  CHECK(al.fraction[7].item<double>() == 0.0);
  CHECK(al.cluster_mean[2].item<double>() == Approx(leak).epsilon(1e-9));
  CHECK(al.cluster_mean[4].item<double>() == Approx(1.0).epsilon(1e-9));
  CHECK(al.cluster_mean[6].item<double>() == Approx(0.0).margin(1e-12));
  CHECK(std::isnan(al.cluster_mean[0].item<double>()));
  CHECK(al.cluster_size[2].item<int64_t>() == 4);
  CHECK(al.cluster_size[3].item<int64_t>() == 1);
  CHECK(al.cluster_size.sum().item<int64_t>() == 7);
}

TEST_CASE("dead neurons get no best frequency and join no cluster", "[measures][dead]") {
  const int64_t p = 31;
  std::vector<at::Tensor> neurons;
  at::Tensor a = at::arange(p * p, at::kLong).div(p, "floor").to(at::kDouble);
  at::Tensor b = at::arange(p * p, at::kLong).remainder(p).to(at::kDouble);
  for (int64_t n = 0; n < 4; ++n) neurons.push_back(at::cos((a + b) * (2 * M_PI * 6 / p) + n));  // k = 6
  for (int64_t n = 0; n < 3; ++n) neurons.push_back(at::full({p * p}, 0.25 * n, at::kDouble));   // dead (0, 0.25, 0.5)
  grok::NeuronFrequencies nf = grok::neuron_frequencies(at::stack(neurons, 1), p);
  for (int64_t n = 0; n < 4; ++n) CHECK(nf.best[n].item<int64_t>() == 6);
  for (int64_t n = 4; n < 7; ++n) {
    CHECK(nf.best[n].item<int64_t>() == 0);
    CHECK(nf.best_frac[n].item<double>() == 0.0);
  }
  // With tau = 0 every live neuron counts: the dead ones must not land in k = 1.
  std::vector<int64_t> sizes = grok::cluster_sizes(nf, 0.0);
  CHECK(sizes[0] == 0);
  CHECK(sizes[5] == 4);
  CHECK(grok::key_frequencies(nf, 0.0) == std::vector<int64_t>{6});
  CHECK(grok::neuron_clusters(nf, 0.85).equal(at::tensor({6, 6, 6, 6, 0, 0, 0}, at::kLong)));
  CHECK(grok::neuron_clusters(nf, 1.01).equal(at::zeros({7}, at::kLong)));
}

namespace {

// Gromov's solution written out: neuron n at frequency f_n, phases phi_a, phi_b and psi,
// amplitudes A, B, C; in_a[x, n] = A cos(w x + phi_a), ..., out[n, q] = C cos(w q + psi).
struct Planted {
  at::Tensor in_a, in_b, out;
  std::vector<int64_t> f;
  std::vector<double> phi_a, phi_b;
};
Planted gromov_weights(int64_t p, int64_t M, const std::function<double(double, double, int64_t)>& psi_of) {
  Planted w{at::empty({p, M}, at::kDouble), at::empty({p, M}, at::kDouble), at::empty({M, p}, at::kDouble), {}, {}, {}};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> phase(-M_PI, M_PI), amp(0.5, 1.5);
  for (int64_t n = 0; n < M; ++n) {
    const int64_t f = 1 + n % (p / 2);
    const double pa = phase(rng), pb = phase(rng), ps = psi_of(pa, pb, n);
    const double A = amp(rng), B = amp(rng), C = amp(rng), omega = 2 * M_PI * static_cast<double>(f) / p;
    for (int64_t x = 0; x < p; ++x) {
      w.in_a[x][n] = A * std::cos(omega * x + pa);
      w.in_b[x][n] = B * std::cos(omega * x + pb);
      w.out[n][x] = C * std::cos(omega * x + ps);
    }
    w.f.push_back(f);
    w.phi_a.push_back(pa);
    w.phi_b.push_back(pb);
  }
  return w;
}

}  // namespace

TEST_CASE("Gromov phases: the planted solution has alignment 1 and its phases are recovered", "[measures][gromov]") {
  const int64_t p = 13, M = 40;
  const Planted w = gromov_weights(p, M, [](double a, double b, int64_t) { return a + b; });
  const grok::NeuronPhases r = grok::neuron_phases(w.in_a, w.in_b, w.out);
  for (int64_t n = 0; n < M; ++n) {
    INFO("neuron " << n);
    CHECK(r.frequency[n].item<int64_t>() == w.f[n]);
    CHECK(std::cos(r.phase_a[n].item<double>() - w.phi_a[n]) == Approx(1.0).epsilon(1e-9));
    CHECK(std::cos(r.phase_b[n].item<double>() - w.phi_b[n]) == Approx(1.0).epsilon(1e-9));
  }
  CHECK(r.mean_alignment == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("Gromov phases: unrelated output phases give alignment near 0, a - b's relation is not a + b's",
          "[measures][gromov]") {
  const int64_t p = 13, M = 400;
  // psi drawn independently: the weighted mean of cos(...) is an average of random cosines.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> phase(-M_PI, M_PI);
  const Planted random = gromov_weights(p, M, [&](double, double, int64_t) { return phase(rng); });
  CHECK(std::abs(grok::neuron_phases(random.in_a, random.in_b, random.out).mean_alignment) < 0.15);
  // psi = phi_a - phi_b (what a subtraction circuit would use): alignment cos(2 phi_b), mean ~ 0.
  const Planted minus = gromov_weights(p, M, [](double a, double b, int64_t) { return a - b; });
  CHECK(std::abs(grok::neuron_phases(minus.in_a, minus.in_b, minus.out).mean_alignment) < 0.15);
  // A dead neuron (all zeros) has weight 0 and does not move the mean.
  Planted dead = gromov_weights(p, 4, [](double a, double b, int64_t) { return a + b; });
  dead.out[0].zero_();
  const grok::NeuronPhases d = grok::neuron_phases(dead.in_a, dead.in_b, dead.out);
  CHECK(d.weight[0].item<double>() == Approx(0.0).margin(1e-12));
  CHECK(d.mean_alignment == Approx(1.0).epsilon(1e-9));
}
