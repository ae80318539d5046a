// test_irreps.cpp — the groups' irreps (homomorphism, orthogonality, Schur, characters),
// the irrep projections against independent computations, the reduction of Z_p to the
// Fourier analysis, and planted character cubes.
#include <catch2/catch.hpp>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "grok/core/group.h"
#include "grok/measures/irrep_projections.h"
#include "grok/measures/irreps.h"
#include "grok/measures/logit_projections.h"

using grok::FiniteGroup;
using grok::Irrep;

namespace {

std::vector<FiniteGroup> test_groups() {
  return {grok::symmetric_group(3), grok::symmetric_group(4), grok::symmetric_group(5),
          grok::dihedral_group(3),  grok::dihedral_group(4),  grok::dihedral_group(7),
          grok::dihedral_group(10), grok::cyclic_group(7),    grok::cyclic_group(12)};
}

// Conjugacy classes from the table: the number of irreps over C.
int64_t class_count(const FiniteGroup& g) {
  std::set<std::set<int64_t>> classes;
  for (int64_t x = 0; x < g.order; ++x) {
    std::set<int64_t> c;
    for (int64_t y = 0; y < g.order; ++y) c.insert(g.mul(g.mul(y, x), g.inverse(y)));
    classes.insert(c);
  }
  return static_cast<int64_t>(classes.size());
}

const Irrep& by_name(const std::vector<Irrep>& irreps, const std::string& name) {
  auto it = std::find_if(irreps.begin(), irreps.end(), [&](const Irrep& r) { return r.name == name; });
  REQUIRE(it != irreps.end());
  return *it;
}

// Cross-entropy of logits [n*n, n] on grid rows `rows`, written out.
double ce(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& rows) {
  at::Tensor l = logits.to(at::kDouble).index_select(0, rows);
  at::Tensor y = labels.index_select(0, rows);
  return (at::logsumexp(l, 1) - l.gather(1, y.unsqueeze(1)).squeeze(1)).mean().item<double>();
}

}  // namespace

TEST_CASE("irreps are orthogonal homomorphisms with orthonormal characters", "[irreps]") {
  for (const FiniteGroup& g : test_groups()) {
    INFO(g.name);
    const std::vector<Irrep> irreps = grok::group_irreps(g);
    at::Tensor table = at::tensor(g.table, at::kLong);
    int64_t dim_sq = 0, complex_type = 0;
    for (const Irrep& rho : irreps) {
      INFO(rho.name);
      const int64_t d = rho.dim, n = g.order;
      REQUIRE(rho.matrices.sizes() == at::IntArrayRef({n, d, d}));
      // ρ(g) ρ(g)^T = I.
      at::Tensor eye = at::eye(d, at::kDouble).expand({n, d, d});
      CHECK(at::allclose(at::bmm(rho.matrices, rho.matrices.transpose(1, 2)), eye, 0, 1e-12));
      // ρ(a) ρ(b) = ρ(a·b) for every pair.
      at::Tensor A = rho.matrices.unsqueeze(1).expand({n, n, d, d}).reshape({n * n, d, d});
      at::Tensor B = rho.matrices.unsqueeze(0).expand({n, n, d, d}).reshape({n * n, d, d});
      CHECK(at::allclose(at::bmm(A, B), rho.matrices.index_select(0, table), 0, 1e-10));
      // <χ, χ> = 1 (irreducible over C) or 2 (a real irrep of complex type: Z_p's freq_k).
      const double norm = rho.character.pow(2).sum().item<double>() / static_cast<double>(n);
      CHECK(norm == Approx(rho.real_type ? 1.0 : 2.0).margin(1e-10));
      dim_sq += rho.real_type ? d * d : d * d / 2;
      complex_type += rho.real_type ? 0 : 1;
    }
    // Σ dim^2 = |G| (complex-type irreps count as their two complex halves, d^2/2 each) ...
    CHECK(dim_sq == g.order);
    // ... and there is one complex irrep per conjugacy class.
    CHECK(static_cast<int64_t>(irreps.size()) + complex_type == class_count(g));
    // Distinct irreps have orthogonal characters.
    for (size_t i = 0; i < irreps.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        CHECK(std::abs((irreps[i].character * irreps[j].character).sum().item<double>()) < 1e-9);
    CHECK(irreps[0].name == "trivial");
  }
}

TEST_CASE("S4 and S5 have the irreps the paper names, with their textbook characters", "[irreps]") {
  const FiniteGroup s5 = grok::symmetric_group(5);
  const std::vector<Irrep> irreps = grok::group_irreps(s5);
  std::vector<std::string> names;
  std::vector<int64_t> dims;
  for (const Irrep& r : irreps) {
    names.push_back(r.name);
    dims.push_back(r.dim);
  }
  CHECK(names == std::vector<std::string>{"trivial", "sign", "standard", "standard_sign", "5d_a", "5d_b", "6d"});
  CHECK(dims == std::vector<int64_t>{1, 1, 4, 4, 5, 5, 6});
  // Characters on each element, from its cycle type alone (fixed points f, transposition t = (0 1)):
  for (int64_t x = 0; x < s5.order; ++x) {
    const auto& perm = s5.elements[static_cast<size_t>(x)];
    int64_t fixed = 0, inversions = 0;
    for (int64_t i = 0; i < 5; ++i) {
      fixed += perm[static_cast<size_t>(i)] == i;
      for (int64_t j = i + 1; j < 5; ++j) inversions += perm[static_cast<size_t>(i)] > perm[static_cast<size_t>(j)];
    }
    const double sign = inversions % 2 == 0 ? 1.0 : -1.0;
    CHECK(by_name(irreps, "sign").character[x].item<double>() == Approx(sign));
    CHECK(by_name(irreps, "standard").character[x].item<double>() ==
          Approx(static_cast<double>(fixed - 1)).margin(1e-12));
    CHECK(by_name(irreps, "standard_sign").character[x].item<double>() ==
          Approx(sign * static_cast<double>(fixed - 1)).margin(1e-12));
  }
  // The 5-d pair as Chughtai et al. label them: 5d_a = (2, 2, 1) has χ = -1 on a
  // transposition, 5d_b = (3, 2) has +1; the 6-d irrep (3, 1, 1) has 0. Index 24 is
  // [1, 0, 2, 3, 4] = (0 1).
  REQUIRE(s5.element_names[24] == "(0 1)");
  CHECK(by_name(irreps, "5d_a").character[24].item<double>() == Approx(-1));
  CHECK(by_name(irreps, "5d_b").character[24].item<double>() == Approx(1));
  CHECK(by_name(irreps, "6d").character[24].item<double>() == Approx(0).margin(1e-12));
  CHECK(by_name(irreps, "5d_a").label == "(2, 2, 1)");

  std::vector<std::string> s4;
  for (const Irrep& r : grok::group_irreps(grok::symmetric_group(4))) s4.push_back(r.name);
  CHECK(s4 == std::vector<std::string>{"trivial", "sign", "standard", "standard_sign", "2d"});
}

TEST_CASE("irrep spans: d^2 functions per real-type irrep, together an orthonormal basis", "[irreps]") {
  for (const FiniteGroup& g : test_groups()) {
    INFO(g.name);
    std::vector<at::Tensor> spans;
    for (const Irrep& rho : grok::group_irreps(g)) {
      spans.push_back(grok::irrep_span(rho));
      CHECK(spans.back().size(1) == (rho.real_type ? rho.dim * rho.dim : 2));
    }
    at::Tensor Q = grok::joint_span(spans);
    REQUIRE(Q.size(1) == g.order);
    CHECK(at::allclose(at::matmul(Q.t(), Q), at::eye(g.order, at::kDouble), 0, 1e-10));
  }
}

TEST_CASE("the projection on irrep spans equals least squares on ρ(a)ρ(b) over the pairs", "[irreps]") {
  // Independent of the table and of the sum over pairs with one product: the basis is
  // the entries of ρ(a)ρ(b), built per pair by matrix products, and the projection is a
  // least-squares fit over the n^2 pairs.
  for (const FiniteGroup& g : {grok::symmetric_group(4), grok::dihedral_group(6)}) {
    const std::vector<Irrep> irreps = grok::group_irreps(g);
    const int64_t n = g.order;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
    at::Tensor L = at::randn({n * n, n}, gen, at::kDouble);
    const Irrep &r1 = irreps[1], &r2 = irreps[2];
    std::vector<at::Tensor> columns;
    for (const Irrep* r : {&r1, &r2}) {
      const int64_t d = r->dim;
      at::Tensor A = r->matrices.unsqueeze(1).expand({n, n, d, d}).reshape({n * n, d, d});
      at::Tensor B = r->matrices.unsqueeze(0).expand({n, n, d, d}).reshape({n * n, d, d});
      columns.push_back(at::bmm(A, B).reshape({n * n, d * d}));
    }
    at::Tensor X = at::cat(columns, 1);                                             // [n^2, Σ d^2]
    at::Tensor fit = at::matmul(X, std::get<0>(at::linalg_lstsq(X, L)));            // [n^2, n]
    at::Tensor Q = grok::joint_span({grok::irrep_span(r1), grok::irrep_span(r2)});  // [n, Σ d^2]
    CHECK(at::allclose(grok::project_on_span(L, g, Q), fit, 0, 1e-9));
    CHECK(at::allclose(grok::excluded_logits(L, g, Q), L - fit, 0, 1e-9));
    at::Tensor restricted = fit + (L - fit).mean(0, true);
    CHECK(at::allclose(grok::restricted_logits(L, g, Q), restricted, 0, 1e-9));
    // The fast losses read the same logits.
    at::Tensor labels = at::tensor(g.table, at::kLong);
    at::Tensor rows = at::arange(0, n * n, 3, at::kLong);
    const grok::GroupLogitTable t = grok::group_logit_table(L, g);
    CHECK(grok::group_restricted_loss(t, Q, labels, rows) == Approx(ce(restricted, labels, rows)).epsilon(1e-12));
    CHECK(grok::group_excluded_loss(t, Q, labels, rows) == Approx(ce(L - fit, labels, rows)).epsilon(1e-12));
    CHECK(grok::group_cross_entropy(t, labels, rows) == Approx(ce(L, labels, rows)).epsilon(1e-12));
  }
}

TEST_CASE("character similarity against the cube tr ρ(a)ρ(b)ρ(c^-1) written out", "[irreps]") {
  const FiniteGroup g = grok::dihedral_group(5);
  const int64_t n = g.order;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(5);
  at::Tensor L = at::randn({n * n, n}, gen, at::kDouble);
  const grok::GroupLogitTable t = grok::group_logit_table(L, g);
  for (const Irrep& rho : grok::group_irreps(g)) {
    at::Tensor cube = at::zeros({n * n, n}, at::kDouble);
    for (int64_t a = 0; a < n; ++a)
      for (int64_t b = 0; b < n; ++b)
        for (int64_t c = 0; c < n; ++c)
          cube[a * n + b][c] = at::trace(at::matmul(at::matmul(rho.matrices[a], rho.matrices[b]), rho.matrices[c].t()));
    at::Tensor centred = L - L.mean(1, true);
    const double expected = rho.name == "trivial" ? 0.0
                                                  : (centred * cube).sum().item<double>() /
                                                        (centred.norm().item<double>() * cube.norm().item<double>());
    INFO(rho.name);
    CHECK(grok::character_similarity(t, rho) == Approx(expected).margin(1e-12));
  }
}

TEST_CASE("Z_p reduces to the Fourier analysis: same similarities, restricted and excluded losses", "[irreps]") {
  for (int64_t p : {13, 12}) {
    INFO("p = " << p);
    const FiniteGroup g = grok::cyclic_group(p);
    const std::vector<Irrep> irreps = grok::group_irreps(g);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
    at::Tensor L = at::randn({p * p, p}, gen, at::kDouble);
    // Some structure, so that the losses are not all near ln p.
    for (int64_t a = 0; a < p; ++a)
      for (int64_t b = 0; b < p; ++b) L[a * p + b][(a + b) % p] += 3.0;
    const grok::GroupLogitTable gt = grok::group_logit_table(L, g);
    const grok::LogitTable ft = grok::logit_table(L, p);
    // Frequency k of the Fourier analysis is the irrep with frequency k (for even p, sign is k = p/2).
    const grok::TrigFit fit = grok::trig_fit(ft, {});
    auto irrep_of = [&](int64_t k) -> const Irrep& {
      return *std::find_if(irreps.begin(), irreps.end(), [&](const Irrep& r) { return r.frequency == k; });
    };
    for (int64_t k = 1; k <= p / 2; ++k)
      CHECK(grok::character_similarity(gt, irrep_of(k)) ==
            Approx(fit.cosine[static_cast<size_t>(k - 1)]).margin(1e-12));
    const std::vector<int64_t> K{1, 3, p / 2};
    std::vector<at::Tensor> spans;
    for (int64_t k : K) spans.push_back(grok::irrep_span(irrep_of(k)));
    at::Tensor Q = grok::joint_span(spans);
    at::Tensor labels = at::tensor(g.table, at::kLong);
    at::Tensor rows = at::arange(1, p * p, 2, at::kLong);
    CHECK(grok::group_restricted_loss(gt, Q, labels, rows) ==
          Approx(grok::restricted_loss(ft, K, labels, rows)).epsilon(1e-12));
    CHECK(grok::group_excluded_loss(gt, Q, labels, rows) ==
          Approx(grok::excluded_loss(ft, K, labels, rows)).epsilon(1e-12));
    CHECK(at::allclose(grok::project_on_span(L, g, Q), grok::excluded_logits(L, p, {}) - grok::excluded_logits(L, p, K),
                       0, 1e-10));
  }
}

TEST_CASE("planted character cubes: exactly the planted irreps, and restricted loss = the logits' loss", "[irreps]") {
  // L = Σ over the planted irreps of α_ρ χ_ρ(a·b·c^-1), plus a per-pair constant that
  // softmax ignores: the similarity of a planted irrep is α_ρ ||T_ρ|| / ||L'||, every other is 0.
  const FiniteGroup g = grok::symmetric_group(4);
  const int64_t n = g.order;
  const std::vector<Irrep> irreps = grok::group_irreps(g);
  const std::vector<std::pair<std::string, double>> planted{{"sign", 2.0}, {"standard", 1.5}};
  at::Tensor L = at::zeros({n * n, n}, at::kDouble);
  for (int64_t a = 0; a < n * n; ++a) L[a] += static_cast<double>(a % 7);  // per-row constant
  std::vector<at::Tensor> spans;
  double planted_sq = 0;
  for (const auto& [name, alpha] : planted) {
    const Irrep& rho = by_name(irreps, name);
    for (int64_t a = 0; a < n; ++a)
      for (int64_t b = 0; b < n; ++b)
        for (int64_t c = 0; c < n; ++c)
          L[a * n + b][c] += alpha * rho.character[g.mul(g.mul(a, b), g.inverse(c))].item<double>();
    spans.push_back(grok::irrep_span(rho));
    planted_sq += alpha * alpha * static_cast<double>(n * n) * rho.character.pow(2).sum().item<double>();
  }
  const grok::GroupLogitTable t = grok::group_logit_table(L, g);
  std::vector<std::string> key;
  for (const Irrep& rho : irreps) {
    const double sim = grok::character_similarity(t, rho);
    if (sim > 0.005) key.push_back(rho.name);
    double expected = 0;
    for (const auto& [name, alpha] : planted)
      if (name == rho.name)
        expected = alpha * static_cast<double>(n) * std::sqrt(rho.character.pow(2).sum().item<double>()) /
                   std::sqrt(planted_sq);
    INFO(rho.name);
    CHECK(sim == Approx(expected).margin(1e-12));
  }
  CHECK(key == std::vector<std::string>{"sign", "standard"});
  // The logits lie in the planted spans (plus per-row constants): restricted = the logits' own loss,
  // excluded logits are constant per row, so the excluded loss is chance, ln n.
  at::Tensor Q = grok::joint_span(spans);
  at::Tensor labels = at::tensor(g.table, at::kLong);
  at::Tensor all = at::arange(n * n, at::kLong);
  CHECK(grok::group_restricted_loss(t, Q, labels, all) ==
        Approx(grok::group_cross_entropy(t, labels, all)).epsilon(1e-10));
  CHECK(grok::group_excluded_loss(t, Q, labels, all) == Approx(std::log(static_cast<double>(n))).epsilon(1e-10));
  // Removing one planted irrep leaves the other: the loss rises, but stays below chance.
  const double without_sign = grok::group_excluded_loss(t, spans[0], labels, all);
  CHECK(without_sign > grok::group_cross_entropy(t, labels, all));
  CHECK(without_sign < std::log(static_cast<double>(n)));
  // An embedding built from the standard irrep's entries lies in its span only.
  at::Tensor E = by_name(irreps, "standard").matrices.reshape({n, -1});
  std::vector<at::Tensor> all_spans;
  for (const Irrep& rho : irreps) all_spans.push_back(grok::irrep_span(rho));
  at::Tensor share = grok::span_fractions(E, all_spans);
  CHECK(share[2].item<double>() == Approx(1.0));
  CHECK(share.sum().item<double>() == Approx(1.0));
}
