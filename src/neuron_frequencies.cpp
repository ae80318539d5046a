// neuron_frequencies.cpp — neuron frequency fractions, clusters and key frequencies.
#include "grok/neuron_frequencies.h"

#include <cmath>

#include "grok/fourier.h"

namespace grok {

NeuronFrequencies neuron_frequencies(const at::Tensor& N, int64_t p) {
  // The 2-D transform B N B^T of every neuron at once, in float32 (the
  // activations are float32; fractions need no more), as two plain matmuls:
  // B over a, then B over b after swapping the two grid axes. The result is
  // laid out [j, i, m]; frac_k is symmetric in i and j, so that is fine.
  const int64_t M = N.size(1);
  at::Tensor B = fourier_basis(p).to(at::kFloat);
  at::Tensor centred = N.to(at::kFloat) - N.to(at::kFloat).mean(0, true);                       // [p*p, M]
  at::Tensor over_a = at::matmul(B, centred.view({p, p * M})).view({p, p, M});                   // [i, b, m]
  at::Tensor swapped = over_a.transpose(0, 1).contiguous().view({p, p * M});                      // [b, (i, m)]
  at::Tensor hat_sq = at::matmul(B, swapped).view({p, p, M}).pow_(2);                             // [j, i, m]
  // Sum the squared coefficients over blocks of rows and columns that share a
  // frequency (group 0 = const, group k = rows 2k-1 and 2k).
  std::vector<int64_t> group(static_cast<size_t>(p), 0);
  for (int64_t k = 1; k <= n_frequencies(p); ++k)
    for (int64_t r : frequency_rows(p, k)) group[static_cast<size_t>(r)] = k;
  const int64_t G = n_frequencies(p) + 1;
  at::Tensor g = at::tensor(group, at::kLong);
  at::Tensor rows = at::zeros({G, p, M}, at::kFloat).index_add_(0, g, hat_sq);          // [G, i, m]
  at::Tensor blocks = at::zeros({G, G, M}, at::kFloat).index_add_(1, g, rows).to(at::kDouble);  // [G, G, m]
  at::Tensor total = blocks.sum(at::IntArrayRef{0, 1}).clamp_min(1e-300);                // [m]
  // frac_k: the (const|k) x (const|k) blocks, i.e. (k,k) + (k,0) + (0,k) + (0,0).
  at::Tensor k_idx = at::arange(1, G, at::kLong);
  at::Tensor kk = blocks.index_select(0, k_idx).index_select(1, k_idx).diagonal(0, 0, 1).t();  // [K, m]
  at::Tensor k0 = blocks.select(1, 0).index_select(0, k_idx), zk = blocks.select(0, 0).index_select(0, k_idx);
  at::Tensor frac = (kk + k0 + zk + blocks[0][0]) / total;                                  // [K, m]
  auto [best_frac, best] = frac.max(0);
  return {frac, best + 1, best_frac};
}

std::vector<int64_t> cluster_sizes(const NeuronFrequencies& nf, double tau) {
  std::vector<int64_t> sizes(static_cast<size_t>(nf.frac.size(0)), 0);
  auto best = nf.best.accessor<int64_t, 1>();
  auto frac = nf.best_frac.accessor<double, 1>();
  for (int64_t n = 0; n < best.size(0); ++n)
    if (frac[n] >= tau) ++sizes[static_cast<size_t>(best[n] - 1)];
  return sizes;
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
