// neuron_frequencies.cpp — neuron frequency fractions, clusters and key frequencies.
#include "grok/measures/neuron_frequencies.h"

#include <cmath>

#include "grok/measures/fourier.h"

namespace grok {

NeuronFrequencies neuron_frequencies(const at::Tensor& N, int64_t p) {
  // frac_k needs N_hat = B N B^T only on the blocks {0, 2k-1, 2k}^2, so:
  //   1. over a, every row: Z = B N, one [p, p] x [p, p*M] matmul (the cost of this function);
  //   2. over b, only what the blocks use: row i = 0 against every j, and a row i of
  //      frequency k against j in {0, 2k-1, 2k} (3 of p products);
  //   3. the denominator by Parseval, sum over (i, j) of N_hat^2 = sum over (i, b) of Z^2.
  // float32 throughout (the activations are float32), sums of squares in float64.
  const int64_t M = N.size(1), F = n_frequencies(p);
  const double sqrt_p = std::sqrt(static_cast<double>(p));
  at::Tensor X = N.to(at::kFloat).contiguous();                      // [p*p, M], row a*p + b
  at::Tensor B = fourier_basis(p, N.device()).to(at::kFloat);        // [p, p]
  at::Tensor Z = at::matmul(B, X.view({p, p * M})).view({p, p, M});  // [i, b, m]
  // Centring N over the grid subtracts mean_m everywhere; B maps the constant
  // to its row 0 only (B 1 = sqrt(p) e_0), so only Z[0] changes.
  at::Tensor mean = X.mean(0);  // [m]
  Z.select(0, 0).sub_(mean * sqrt_p);
  at::Tensor Z_rows = Z.view({p * p, M});
  // [m]; Z * Z is faster here than square() or linalg_vector_norm.
  at::Tensor total = (Z_rows * Z_rows).sum(0).to(at::kDouble);

  at::Tensor freq = row_frequencies(p, N.device());                           // [p]
  at::Tensor row0_sq = at::matmul(B, Z.select(0, 0)).to(at::kDouble).pow(2);  // [j, m]: N_hat[0, j]^2
  // For each row i >= 1, the B rows {0, cos k(i), sin k(i)} = {0, 2k-1, 2k}; for
  // even p, 2k = p for k = p/2 picks the appended zero row (that k has no sin).
  at::Tensor B_padded = at::cat({B, at::zeros({1, p}, B.options())});                                // [p+1, p]
  at::Tensor k_of_i = freq.slice(0, 1);                                                              // [p-1]
  at::Tensor pick = at::stack({at::zeros({p - 1}, freq.options()), 2 * k_of_i - 1, 2 * k_of_i}, 1);  // [p-1, 3]
  at::Tensor B_pick = B_padded.index_select(0, pick.reshape({-1})).view({p - 1, 3, p});              // [i-1, 3, b]
  // [i-1, 3, m]: N_hat[i, {0, c_k, s_k}]^2
  at::Tensor rows_sq = at::bmm(B_pick, Z.slice(0, 1)).to(at::kDouble).pow(2);

  // Sum over the rows i of each frequency: k0 = (k, 0) block, kk = (k, k) block;
  // zk = (0, k) block from row 0.
  at::Tensor by_k = at::zeros({F + 1, 3, M}, rows_sq.options()).index_add_(0, k_of_i, rows_sq).slice(0, 1);
  at::Tensor k0 = by_k.select(1, 0), kk = by_k.select(1, 1) + by_k.select(1, 2);                      // [F, m]
  at::Tensor zk = at::zeros({F + 1, M}, row0_sq.options()).index_add_(0, freq, row0_sq).slice(0, 1);  // [F, m]
  // A constant neuron has no frequency: its float32 "variance" is rounding
  // noise next to its mean, so count it as zero rather than divide noise by noise.
  at::Tensor mean_sq = mean.to(at::kDouble).pow(2) * static_cast<double>(p * p);  // [m]
  at::Tensor varies = total > 1e-10 * mean_sq;
  at::Tensor frac = at::where(varies, (kk + k0 + zk + row0_sq.select(0, 0)) / total.clamp_min(1e-300), 0.0);  // [F, m]
  auto [best_frac, best] = frac.max(0);
  // All-zero fractions would make argmax pick k = 1 by tie-breaking: say "none" instead.
  return {frac, at::where(best_frac > 0, best + 1, at::zeros_like(best)), best_frac};
}

std::vector<int64_t> cluster_sizes(const NeuronFrequencies& nf, double tau) {
  std::vector<int64_t> sizes(static_cast<size_t>(nf.frac.size(0)), 0);
  const at::Tensor best_cpu = nf.best.cpu(), frac_cpu = nf.best_frac.cpu();
  auto best = best_cpu.accessor<int64_t, 1>();
  auto frac = frac_cpu.accessor<double, 1>();
  for (int64_t n = 0; n < best.size(0); ++n)
    if (best[n] >= 1 && frac[n] >= tau) ++sizes[static_cast<size_t>(best[n] - 1)];
  return sizes;
}

at::Tensor neuron_clusters(const NeuronFrequencies& nf, double tau) {
  return at::where(nf.best.ge(1).logical_and(nf.best_frac.ge(tau)), nf.best, at::zeros_like(nf.best));
}

int64_t key_cluster_threshold(int64_t n_neurons) {
  return std::max<int64_t>(2, static_cast<int64_t>(std::ceil(0.01 * static_cast<double>(n_neurons))));
}

std::vector<int64_t> key_frequencies(const NeuronFrequencies& nf, double tau) {
  const int64_t threshold = key_cluster_threshold(nf.frac.size(1));
  std::vector<int64_t> sizes = cluster_sizes(nf, tau), keys;
  for (size_t k = 0; k < sizes.size(); ++k)
    if (sizes[k] >= threshold) keys.push_back(static_cast<int64_t>(k) + 1);
  return keys;
}

}  // namespace grok
