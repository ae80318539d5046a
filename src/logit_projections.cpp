// logit_projections.cpp — restricted / excluded logits and the trig fit.
//
// Everything here depends on the grid only through s = (a + b) mod p, so
// instead of building [p^2, p] direction matrices we first sum L over the
// pairs with the same s (H[s, c], a [p, p] table) and work with that: the
// same numbers, p times less work.
#include "grok/grid.h"
#include "grok/logit_projections.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "grok/fourier.h"

namespace grok {
namespace {

// H[s, c] = sum of L[(a, b), c] over the pairs with (a + b) mod p = s.
at::Tensor sum_table(const at::Tensor& L, int64_t p) {
  return at::zeros({p, p}, at::kDouble).index_add_(0, grid_sums(p), L.to(at::kDouble));
}

// The cos and sin profiles of frequency k over s, each scaled so that the grid
// vector u(a, b) = profile[s(a, b)] has unit norm (p pairs share each s).
std::vector<at::Tensor> sum_profiles(int64_t p, int64_t k) {
  at::Tensor s = at::arange(p, at::kDouble) * (2.0 * M_PI * static_cast<double>(k) / static_cast<double>(p));
  std::vector<at::Tensor> out;
  for (at::Tensor u : {at::cos(s), at::sin(s)}) {
    double grid_norm = std::sqrt(static_cast<double>(p)) * u.norm().item<double>();
    if (grid_norm > 1e-9 * static_cast<double>(p)) out.push_back(u / grid_norm);
  }
  return out;
}

// sum_{k in K} P_k L as a table over s: [p(s), p(c)].
at::Tensor projection_by_sum(const at::Tensor& H, int64_t p, const std::vector<int64_t>& K) {
  at::Tensor T = at::zeros({p, p}, at::kDouble);
  for (int64_t k : K)
    for (const at::Tensor& u : sum_profiles(p, k)) T += at::outer(u, at::matmul(u, H));  // u^T L = u_s^T H
  return T;
}

at::Tensor sum_of_projections(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  return projection_by_sum(sum_table(L, p), p, K).index_select(0, grid_sums(p));  // [p*p, p]
}

}  // namespace

at::Tensor project_frequency(const at::Tensor& L, int64_t p, int64_t k) { return sum_of_projections(L, p, {k}); }

LogitTable logit_table(const at::Tensor& L, int64_t p) {
  LogitTable t;
  t.p = p;
  t.L = L.to(at::kDouble);
  t.s = grid_sums(p);
  t.H = at::zeros({p, p}, at::kDouble).index_add_(0, t.s, t.L);
  return t;
}

double restricted_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                       const at::Tensor& rows) {
  at::Tensor T = projection_by_sum(t.H, t.p, K);  // [s, c]
  // Bias correction: the grid mean of L - sum P_k L; every s occurs p times, so T's grid mean is T.mean(0).
  at::Tensor correction = t.L.mean(0, true) - T.mean(0, true);
  at::Tensor logits = T.index_select(0, t.s.index_select(0, rows)) + correction;
  return at::nll_loss(at::log_softmax(logits, -1), labels.index_select(0, rows)).item<double>();
}

double excluded_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                     const at::Tensor& rows) {
  at::Tensor T = projection_by_sum(t.H, t.p, K);
  at::Tensor logits = t.L.index_select(0, rows) - T.index_select(0, t.s.index_select(0, rows));
  return at::nll_loss(at::log_softmax(logits, -1), labels.index_select(0, rows)).item<double>();
}

at::Tensor restricted_logits(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  at::Tensor kept = sum_of_projections(L, p, K);
  return kept + (L.to(at::kDouble) - kept).mean(0, true);
}

at::Tensor excluded_logits(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  return L.to(at::kDouble) - sum_of_projections(L, p, K);
}

double cross_entropy_on(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& rows) {
  at::Tensor lp = at::log_softmax(logits.to(at::kDouble).index_select(0, rows), -1);
  return at::nll_loss(lp, labels.index_select(0, rows)).item<double>();
}

at::Tensor logit_projection_norms(const at::Tensor& L, int64_t p) {
  at::Tensor H = sum_table(L, p);
  at::Tensor out = at::zeros({n_frequencies(p)}, at::kDouble);
  for (int64_t k = 1; k <= n_frequencies(p); ++k)
    for (const at::Tensor& u : sum_profiles(p, k)) out[k - 1] += at::matmul(u, H).pow(2).sum();
  return out;
}

std::vector<int64_t> rank_by_logit_projection(const at::Tensor& L, int64_t p) {
  at::Tensor norms = logit_projection_norms(L, p);
  std::vector<int64_t> order(static_cast<size_t>(n_frequencies(p)));
  std::iota(order.begin(), order.end(), 1);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return norms[x - 1].item<double>() > norms[y - 1].item<double>();
  });
  return order;
}

TrigFit trig_fit(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  at::Tensor Lc = L.to(at::kDouble) - L.to(at::kDouble).mean(1, true);  // [p*p, p]
  const double norm = std::max(Lc.norm().item<double>(), 1e-300);
  // G[r] = sum of Lc over the (a, b, c) with (a + b - c) mod p = r: Chat_k depends on r only.
  at::Tensor r = (grid_sums(p).unsqueeze(1) - at::arange(p, at::kLong).unsqueeze(0)).remainder(p);  // [p*p, p]
  at::Tensor G = at::zeros({p}, at::kDouble).index_add_(0, r.reshape({-1}), Lc.reshape({-1}));
  TrigFit fit;
  double kept_sq = 0;
  for (int64_t k = 1; k <= n_frequencies(p); ++k) {
    at::Tensor profile = at::cos(at::arange(p, at::kDouble) * (2.0 * M_PI * static_cast<double>(k) / p));
    // ||Chat_k||^2 over [p^2, p]: each residue r occurs p^2 times.
    double chat_norm = static_cast<double>(p) * profile.norm().item<double>();
    double c = at::dot(G, profile).item<double>() / chat_norm;
    fit.coefficient.push_back(c);
    fit.cosine.push_back(c / norm);
    if (std::find(K.begin(), K.end(), k) != K.end()) kept_sq += c * c;
  }
  // The Chat_k are orthonormal, so the fit's norm and residual follow from the C_k.
  fit.fit_cosine = std::sqrt(kept_sq) / norm;
  fit.residual = std::sqrt(std::max(0.0, 1.0 - kept_sq / (norm * norm)));
  return fit;
}

}  // namespace grok
