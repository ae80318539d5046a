// logit_projections.cpp — restricted / excluded logits and the trig fit.
//
// Everything here depends on the grid only through s = (a + b) mod p, so
// instead of building [p^2, p] direction matrices we first sum L over the
// pairs with the same s (H[s, c], a [p, p] table) and work with that: the
// same numbers, p times less work. The restricted logits depend on the pair
// only through s as well, so their softmax is taken over p rows, not p^2.
#include "grok/measures/logit_projections.h"
#include "grok/model/grid.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <random>
#include <stdexcept>

#include "grok/core/rng.h"
#include "grok/measures/fourier.h"

namespace grok {
namespace {

// The cos and sin profiles of every frequency over s, [n_freq, 2, p], each
// scaled so that the grid vector u(a, b) = profile[s(a, b)] has unit norm
// (p pairs share each s). The sin profile of k = p/2 (even p) is zero.
at::Tensor sum_profiles(int64_t p, c10::Device device) {
  const at::TensorOptions f64 = at::TensorOptions(at::kDouble).device(device);
  at::Tensor k = at::arange(1, n_frequencies(p) + 1, f64).unsqueeze(1);                            // [F, 1]
  at::Tensor angle = k * at::arange(p, f64).unsqueeze(0) * (2.0 * M_PI / static_cast<double>(p));  // [F, p]
  at::Tensor u = at::stack({at::cos(angle), at::sin(angle)}, 1);                                   // [F, 2, p]
  at::Tensor grid_norm = u.norm(2, {2}, true) * std::sqrt(static_cast<double>(p));                 // [F, 2, 1]
  at::Tensor nonzero = grid_norm > 1e-9 * static_cast<double>(p);
  return at::where(nonzero, u / grid_norm.clamp_min(1e-300), at::zeros_like(u));
}

// The profiles of the frequencies in K, stacked: [2|K|, p].
at::Tensor profiles_of(int64_t p, const std::vector<int64_t>& K, c10::Device device) {
  at::Tensor k_index = at::tensor(K, at::kLong).to(device) - 1;
  return sum_profiles(p, device).index_select(0, k_index).reshape({-1, p});
}

// sum_{k in K} P_k L as a table over s: [p(s), p(c)]. u^T L = u_s^T H.
at::Tensor projection_by_sum(const at::Tensor& H, int64_t p, const std::vector<int64_t>& K) {
  if (K.empty()) return at::zeros({p, p}, H.options());
  at::Tensor U = profiles_of(p, K, H.device());  // [2|K|, p]
  return at::matmul(U.t(), at::matmul(U, H));
}

// H[s, c] = sum of L[(a, b), c] over the pairs with (a + b) mod p = s.
at::Tensor sum_table(const at::Tensor& L, const at::Tensor& s, int64_t p) {
  return at::zeros({p, p}, L.options()).index_add_(0, s, L);
}

at::Tensor sum_of_projections(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  at::Tensor s = grid_sums(p, L.device());
  return projection_by_sum(sum_table(L.to(at::kDouble), s, p), p, K).index_select(0, s);  // [p*p, p]
}

// The frequencies a null draw may use: 1..floor(p/2) without K, ascending.
// Checks K on the way (in range, no repeats, leaves |K| candidates).
std::vector<int64_t> null_candidates(int64_t p, const std::vector<int64_t>& K) {
  const int64_t F = n_frequencies(p);
  std::vector<bool> in_K(static_cast<size_t>(F + 1), false);
  for (int64_t k : K) {
    if (k < 1 || k > F || in_K[static_cast<size_t>(k)])
      throw std::invalid_argument("null baseline: key frequencies must be distinct and in 1..floor(p/2)");
    in_K[static_cast<size_t>(k)] = true;
  }
  std::vector<int64_t> candidates;
  for (int64_t k = 1; k <= F; ++k)
    if (!in_K[static_cast<size_t>(k)]) candidates.push_back(k);
  if (candidates.size() < K.size())
    throw std::invalid_argument("null baseline: fewer non-key frequencies than key frequencies");
  return candidates;
}

// C[s, y] = number of rows with (a + b) mod p = s and label y, [p, p] float64:
// the restricted logits depend on a row only through s, so a loss over rows is
// a weighted sum over this table.
at::Tensor row_counts(const LogitTable& t, const at::Tensor& labels, const at::Tensor& rows) {
  at::Tensor cell = t.s.index_select(0, rows) * t.p + labels.index_select(0, rows);  // [n]
  return at::zeros({t.p * t.p}, t.L.options())
      .index_add_(0, cell, at::ones({rows.size(0)}, t.L.options()))
      .view({t.p, t.p});
}

// Restricted loss of every drawn set at once. `sets` is [D][m]; returns [D].
at::Tensor restricted_losses_of_sets(const LogitTable& t, const std::vector<std::vector<int64_t>>& sets,
                                     const at::Tensor& counts, double n_rows) {
  const int64_t p = t.p, D = static_cast<int64_t>(sets.size()), m = static_cast<int64_t>(sets[0].size());
  at::Tensor T = at::zeros({D, p, p}, t.H.options());  // [draw, s, c]: sum over the set of P_k L, by s
  if (m > 0) {
    std::vector<int64_t> flat;
    for (const auto& set : sets)
      for (int64_t k : set) flat.push_back(k - 1);
    at::Tensor index = at::tensor(flat, at::kLong).to(t.H.device());
    at::Tensor U = sum_profiles(p, t.H.device());                       // [F, 2, p(s)]
    at::Tensor UH = at::matmul(U, t.H);                                 // [F, 2, p(c)]: u^T L, once per frequency
    at::Tensor U_set = U.index_select(0, index).view({D, 2 * m, p});    // [D, 2m, s]
    at::Tensor UH_set = UH.index_select(0, index).view({D, 2 * m, p});  // [D, 2m, c]
    T = at::bmm(U_set.transpose(1, 2), UH_set);                         // [D, s, c]
  }
  // Bias correction as in restricted_loss: every s occurs p times on the grid.
  at::Tensor logits = T + (t.column_mean - T.mean(1, true));                          // [D, s, c]
  return -(at::log_softmax(logits, 2) * counts).sum(at::IntArrayRef{1, 2}) / n_rows;  // [D]
}

}  // namespace

double mean_nll(const at::Tensor& logits, const at::Tensor& labels) {
  return at::nll_loss(at::log_softmax(logits, -1), labels).item<double>();
}

std::vector<std::vector<int64_t>> null_frequency_sets(int64_t p, const std::vector<int64_t>& K, int64_t draws,
                                                      uint64_t seed) {
  const std::vector<int64_t> candidates = null_candidates(p, K);
  const size_t m = K.size(), n = candidates.size();
  std::mt19937_64 rng(mix_seed(seed, kNullFrequencyStream));
  std::vector<std::vector<int64_t>> sets;
  for (int64_t d = 0; d < draws; ++d) {
    std::vector<int64_t> pool = candidates;
    // Partial Fisher-Yates: the first m slots end up a uniform m-subset.
    for (size_t i = 0; i < m; ++i) std::swap(pool[i], pool[i + uniform_below(rng, n - i)]);
    std::vector<int64_t> set(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(m));
    std::sort(set.begin(), set.end());
    sets.push_back(std::move(set));
  }
  return sets;
}

RestrictedNull restricted_loss_null(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                                    const at::Tensor& rows, int64_t draws, uint64_t seed) {
  RestrictedNull null;
  null.sets = null_frequency_sets(t.p, K, draws, seed);
  if (draws <= 0 || rows.size(0) == 0) return null;
  at::Tensor losses =
      restricted_losses_of_sets(t, null.sets, row_counts(t, labels, rows), static_cast<double>(rows.size(0))).cpu();
  null.loss.assign(losses.data_ptr<double>(), losses.data_ptr<double>() + draws);
  const double n = static_cast<double>(draws);
  null.mean = std::accumulate(null.loss.begin(), null.loss.end(), 0.0) / n;
  double sq = 0;
  for (double l : null.loss) sq += (l - null.mean) * (l - null.mean);
  null.sd = draws > 1 ? std::sqrt(sq / (n - 1)) : 0.0;
  return null;
}

at::Tensor project_frequency(const at::Tensor& L, int64_t p, int64_t k) { return sum_of_projections(L, p, {k}); }

LogitTable logit_table(const at::Tensor& L, int64_t p) {
  LogitTable t;
  t.p = p;
  t.L = L.to(at::kDouble).contiguous();
  t.s = grid_sums(p, L.device());
  t.H = sum_table(t.L, t.s, p);
  t.column_mean = t.H.sum(0) / static_cast<double>(p * p);
  t.row_logsumexp = at::logsumexp(t.L, 1);
  return t;
}

double cross_entropy(const LogitTable& t, const at::Tensor& labels, const at::Tensor& rows) {
  // -log softmax(L_r)[y_r] = logsumexp(L_r) - L_r[y_r], read from the flat table.
  at::Tensor label_logit = t.L.view({-1}).index_select(0, rows * t.p + labels.index_select(0, rows));
  return (t.row_logsumexp.index_select(0, rows) - label_logit).mean().item<double>();
}

double restricted_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                       const at::Tensor& rows) {
  at::Tensor T = projection_by_sum(t.H, t.p, K);  // [s, c]
  // Bias correction: the grid mean of L - sum P_k L; every s occurs p times, so T's grid mean is T.mean(0).
  at::Tensor by_sum = at::log_softmax(T + (t.column_mean - T.mean(0)), 1);  // [s, c]: one row per value of s
  at::Tensor picked = by_sum.view({-1}).index_select(0, t.s.index_select(0, rows) * t.p + labels.index_select(0, rows));
  return -picked.mean().item<double>();
}

double excluded_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                     const at::Tensor& rows) {
  at::Tensor T = projection_by_sum(t.H, t.p, K);
  at::Tensor logits = t.L.index_select(0, rows) - T.index_select(0, t.s.index_select(0, rows));
  return mean_nll(logits, labels.index_select(0, rows));
}

at::Tensor restricted_logits(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  at::Tensor kept = sum_of_projections(L, p, K);
  return kept + (L.to(at::kDouble) - kept).mean(0, true);
}

at::Tensor excluded_logits(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  return L.to(at::kDouble) - sum_of_projections(L, p, K);
}

double cross_entropy_on(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& rows) {
  return mean_nll(logits.to(at::kDouble).index_select(0, rows), labels.index_select(0, rows));
}

at::Tensor logit_projection_norms(const LogitTable& t) {
  at::Tensor uH =
      at::matmul(sum_profiles(t.p, t.H.device()), t.H);  // [F, 2, c]: u^T L for the cos and sin direction of each k
  return uH.pow(2).sum(at::IntArrayRef{1, 2});           // [F]
}

at::Tensor logit_projection_norms(const at::Tensor& L, int64_t p) { return logit_projection_norms(logit_table(L, p)); }

std::vector<int64_t> rank_by_logit_projection(const at::Tensor& L, int64_t p) {
  at::Tensor norms = logit_projection_norms(L, p).cpu();
  std::vector<int64_t> order(static_cast<size_t>(n_frequencies(p)));
  std::iota(order.begin(), order.end(), 1);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return norms[x - 1].item<double>() > norms[y - 1].item<double>(); });
  return order;
}

TrigFit trig_fit(const LogitTable& t, const std::vector<int64_t>& K) {
  const int64_t p = t.p;
  // L' = L centred per row. Summed over the pairs with the same s, that is H
  // centred per row; and ||L'||^2 = ||L||^2 - p * sum of the squared row means.
  at::Tensor Hc = t.H - t.H.mean(1, true);  // [s, c]
  const double row_means_sq = t.L.mean(1).pow(2).sum().item<double>();
  const double norm_sq = t.L.pow(2).sum().item<double>() - static_cast<double>(p) * row_means_sq;
  const double norm = std::max(std::sqrt(std::max(norm_sq, 0.0)), 1e-300);
  // G[r] = sum of L' over the (a, b, c) with (a + b - c) mod p = r: Chat_k depends on r only.
  at::Tensor values = at::arange(p, at::TensorOptions(at::kLong).device(t.H.device()));
  at::Tensor r = (values.unsqueeze(1) - values.unsqueeze(0)).remainder(p);  // [s, c]
  at::Tensor G = at::zeros({p}, Hc.options()).index_add_(0, r.reshape({-1}), Hc.reshape({-1}));
  // Chat_k = cos(w_k r) / (p ||cos_k||) (each residue r occurs p^2 times), and the
  // cos profile over s is cos(w_k r) / (sqrt(p) ||cos_k||): C_k = profile . G / sqrt(p).
  at::Tensor cos_profiles = sum_profiles(p, G.device()).select(1, 0);                      // [F, r]
  at::Tensor C = (at::matmul(cos_profiles, G) / std::sqrt(static_cast<double>(p))).cpu();  // [F]
  TrigFit fit;
  fit.coefficient.assign(C.data_ptr<double>(), C.data_ptr<double>() + C.numel());
  double kept_sq = 0;
  for (size_t i = 0; i < fit.coefficient.size(); ++i) {
    fit.cosine.push_back(fit.coefficient[i] / norm);
    const bool key = std::find(K.begin(), K.end(), static_cast<int64_t>(i) + 1) != K.end();
    if (key) kept_sq += fit.coefficient[i] * fit.coefficient[i];
  }
  // The Chat_k are orthonormal, so the fit's norm and residual follow from the C_k.
  fit.fit_cosine = std::sqrt(kept_sq) / norm;
  fit.residual = std::sqrt(std::max(0.0, 1.0 - kept_sq / (norm * norm)));
  return fit;
}

TrigFit trig_fit(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K) {
  return trig_fit(logit_table(L, p), K);
}

}  // namespace grok
