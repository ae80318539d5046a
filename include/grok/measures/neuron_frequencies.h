// neuron_frequencies.h — which frequency each MLP neuron computes, and the key frequencies.
//
// For neuron n: centre N[:, n] over the p^2 inputs, reshape to [p, p], take the
// 2-D Fourier transform N_hat = B N B^T, and let
//   frac_k(n) = sum over (i, j) in {0, 2k-1, 2k}^2 of N_hat[i, j]^2 / sum over all (i, j) of N_hat[i, j]^2,
// the fraction of the neuron's variance explained by frequency k (constant,
// linear and quadratic terms). k runs over 1..floor(p/2) inclusive. A neuron
// that is constant on the grid (dead, or float32 rounding noise around its mean)
// has frac_k = 0 for every k, and so no best frequency: best = 0 ("none").
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace grok {

// The default cluster threshold tau on frac_best (Nanda et al. 2023 use 0.85).
inline constexpr double kClusterThreshold = 0.85;

struct NeuronFrequencies {
  at::Tensor frac;       // [n_freq, n_neurons] float64: frac_k(n), row k-1
  at::Tensor best;       // [n_neurons] int64: argmax_k frac_k(n) (1-based k); 0 = none (every frac_k is 0)
  at::Tensor best_frac;  // [n_neurons] float64: frac_best(n); 0 when best = 0
};

// N: [p*p, n_neurons] activations on the full grid (row a*p + b).
NeuronFrequencies neuron_frequencies(const at::Tensor& N, int64_t p);

// Neurons in cluster k: best(n) = k and frac_k(n) >= tau. Returns [n_freq] counts.
// Neurons with best = 0 join no cluster, whatever tau.
std::vector<int64_t> cluster_sizes(const NeuronFrequencies& nf, double tau);

// The smallest cluster that makes a frequency key: max(2, ceil(0.01 * n_neurons)).
int64_t key_cluster_threshold(int64_t n_neurons);

// Frequencies (1-based, ascending) whose cluster holds at least key_cluster_threshold neurons.
std::vector<int64_t> key_frequencies(const NeuronFrequencies& nf, double tau);

// Each neuron's cluster: best(n) when best(n) >= 1 and frac_best(n) >= tau, else 0 (none). [n_neurons] int64.
at::Tensor neuron_clusters(const NeuronFrequencies& nf, double tau);

}  // namespace grok
