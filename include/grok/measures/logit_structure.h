// logit_structure.h — how the logits and the neuron->logit map are built from
// waves, beyond the trig fit's cos(w_k (a + b - c)).
//
// Definitions and sources: docs/probe-file.md, "Logit families" and "Neuron to
// logit alignment". All tensors float64.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "grok/measures/logit_projections.h"

namespace grok {

// The four families of logit waves per frequency k, in this column order.
// Addition circuits (Nanda et al. 2023) live in the a + b - c families;
// subtraction circuits in the a - b - c ones. Each family member is a
// [p^2, p] table unit-normalised over the grid (row a*p + b, column c).
enum LogitFamily : int64_t { kCosSum = 0, kSinSum = 1, kCosDiff = 2, kSinDiff = 3, kLogitFamilies = 4 };

// L' = L centred per row (as trig_fit: softmax ignores a per-input constant).
// coefficient[k-1, f] = <L', F_{k,f}> with F_{k,0} = cos(w_k (a + b - c)),
// F_{k,1} = sin(w_k (a + b - c)), F_{k,2} = cos(w_k (a - b - c)),
// F_{k,3} = sin(w_k (a - b - c)), each divided by its norm over the grid;
// fraction = coefficient^2 / ||L'||^2, the share of ||L'||^2 on that direction.
// For odd p the 4 floor(p/2) directions are orthonormal and orthogonal to
// per-row constants, so fractions add up (total <= 1). For even p and
// k = p/2 the sin families are zero and the two cos families coincide
// (cos(pi (a + b - c)) = cos(pi (a - b - c))): both report the same share.
struct LogitFamilies {
  at::Tensor coefficient;            // [n_freq, 4]
  at::Tensor fraction;               // [n_freq, 4]
  std::vector<double> family_total;  // [4]: fraction summed over k, per family
  double total = 0;                  // sum of every fraction
};
LogitFamilies logit_families(const LogitTable& t);
LogitFamilies logit_families(const at::Tensor& L, int64_t p);

// Neuron -> logit alignment: does each cluster's W_L row look like a wave of
// its own frequency over the answers c? For neuron n with cluster k >= 1,
// fraction(n) = (<r', cos_k>^2 + <r', sin_k>^2) / ||r'||^2 where r' is row n of
// W_L centred over c (a constant added to every logit changes no softmax) and
// cos_k, sin_k are the unit-norm rows of the Fourier basis over c.
struct NeuronLogitAlignment {
  at::Tensor fraction;      // [d_mlp]: as above; NaN for cluster 0 (no frequency to test); 0 for a constant row
  at::Tensor cluster_mean;  // [n_freq]: mean of fraction over cluster k's neurons; NaN for an empty cluster
  at::Tensor cluster_size;  // [n_freq] int64: neurons per cluster
};
// W_L [d_mlp, p] (neurons -> logits); cluster [d_mlp] int64 in 0..floor(p/2),
// 0 = none (e.g. neuron_clusters(nf, tau), or nf.best to test every live neuron).
NeuronLogitAlignment neuron_logit_alignment(const at::Tensor& W_L, const at::Tensor& cluster);

}  // namespace grok
