// neuron_frequencies.cpp — neuron frequency fractions, clusters and key frequencies.
#include "grok/neuron_frequencies.h"

#include <cmath>

#include "grok/fourier.h"

namespace grok {

NeuronFrequencies neuron_frequencies(const at::Tensor& N, int64_t p) {
  at::Tensor centred = N.to(at::kDouble) - N.to(at::kDouble).mean(0, true);     // [p*p, M]
  at::Tensor hat_sq = fourier_transform_2d(centred.reshape({p, p, -1})).pow(2);  // [p, p, M]
  at::Tensor total = hat_sq.sum(at::IntArrayRef{0, 1}).clamp_min(1e-300);                       // [M]
  const int64_t n_freq = n_frequencies(p);
  at::Tensor frac = at::zeros({n_freq, N.size(1)}, at::kDouble);
  for (int64_t k = 1; k <= n_freq; ++k) {
    std::vector<int64_t> rows{0};
    for (int64_t r : frequency_rows(p, k)) rows.push_back(r);
    at::Tensor idx = at::tensor(rows, at::kLong);
    frac[k - 1] = hat_sq.index_select(0, idx).index_select(1, idx).sum(at::IntArrayRef{0, 1}) / total;
  }
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
