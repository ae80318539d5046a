// representations.h — what the model's internal representations encode.
// Definitions: docs/probe-file.md, "Probes" (after the papers cited there) and
// "Training-time diagnostics"; refinements are noted at each function.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "grok/model/model.h"

namespace grok {

// Ridge regression X -> Y fitted on `train_rows`, scored on `test_rows`:
// R^2 per target column (1 - SS_res / SS_tot, on test rows). X [n, d], Y [n, t].
// X and Y are centred with the train means (an unpenalised intercept).
at::Tensor ridge_r2(const at::Tensor& X, const at::Tensor& Y, const at::Tensor& train_rows, const at::Tensor& test_rows,
                    double lambda);

// Accuracy on test rows of argmax over a ridge fit to one-hot(labels) [n] in 0..n_classes-1.
double ridge_onehot_accuracy(const at::Tensor& X, const at::Tensor& labels, int64_t n_classes,
                             const at::Tensor& train_rows, const at::Tensor& test_rows, double lambda);

// The spec's probe targets on the grid for frequencies K: for each k, columns
// cos(w_k a), sin(w_k a), cos(w_k b), sin(w_k b), cos(w_k (a+b)), sin(w_k (a+b)). [p*p, 6|K|].
at::Tensor fourier_targets(int64_t p, const std::vector<int64_t>& K, c10::Device device = at::kCPU);

struct Pca {
  std::vector<double> explained_variance_ratio;  // top components
  std::vector<int64_t> dominant_frequency;       // per component: argmax_k of its Fourier norm over tokens (0 = const)
};
// PCA of the token embedding E [p, d] (centred), top `n_components`.
Pca embedding_pca(const at::Tensor& E, int64_t n_components);

// RQI (Liu et al. 2022). E is standardised per dimension; a quadruple is two
// different unordered pairs {i, j} != {m, n} with the same sum; d = mean over
// dims of (E_i + E_j - E_m - E_n)^2; RQI = fraction of quadruples with d < delta.
// `modular` = false: sums equal as integers (Liu's parallelograms; a linear
// embedding scores 1). true: sums equal mod p (the spec's wording; includes
// wrap-around quadruples that no linear embedding can satisfy).
double rqi(const at::Tensor& E, double delta, bool modular);

// Distance irrelevance q (Zhong et al. 2023): M[s, d] = correct logit of the
// pair with a + b = s, a - b = d (mod p); q = mean over d of std over s of M,
// divided by std of all of M. Needs odd p (a = (s + d)/2 must exist).
// `correct_logit` is [p*p] over the grid.
double distance_irrelevance(const at::Tensor& correct_logit, int64_t p);

// Gradient symmetricity s_g (Zhong et al. 2023): mean over `samples` random
// (a, b, c) with a != b of cos(d logit_c / d E_a, d logit_c / d E_b), where E_a
// is the input-embedding row the model reads for a at position 0 (b at 1).
double gradient_symmetricity(Model& model, int64_t p, int64_t samples, uint64_t seed);

// Softmax collapse (Prieto et al. 2025), in float32 as training computes it:
// fraction of rows whose sum over c of exp(l_c - max l) is exactly 1, and
// fraction of rows whose cross-entropy is exactly 0.
struct SoftmaxCollapse {
  double sum_exactly_one = 0;
  double loss_exactly_zero = 0;
};
SoftmaxCollapse softmax_collapse(const at::Tensor& logits, const at::Tensor& labels);

// Softmax collapse in both precisions. Prieto et al.'s logger measures it in
// the precision of the training loss (their --softmax_precision); our training
// loss is float64, so `in_float64` ("collapses in the precision trained") is the
// paper's measure for our runs and `in_float32` ("collapses in float32") is
// what the same logits would do in a float32 loss. The logits are rounded to
// each precision first, then shifted by their row max, exponentiated and
// summed in that precision. logits [n, p] (any float type), labels [n] int64.
struct SoftmaxCollapseByPrecision {
  SoftmaxCollapse in_float32;
  SoftmaxCollapse in_float64;
};
SoftmaxCollapseByPrecision softmax_collapse_by_precision(const at::Tensor& logits, const at::Tensor& labels);

// Naive loss minimisation (Prieto et al. 2025): cos(grad_theta L, theta) per
// parameter tensor, in model.parameters() order, then the same over all
// parameters concatenated (last entry). L is the float64 mean cross-entropy
// of model.forward(pairs) against labels, as training computes it. Sign: the
// gradient itself, not the update, as in their released OrthoGrad (which
// projects p.grad onto p); NLM (descent scales the weights up along
// themselves, -grad ∝ theta) shows as values near -1. A tensor whose weights
// or gradient are all zero gets 0. Gradients are zeroed before and after.
// pairs [B, 2] int64, labels [B] int64; returns [n_params + 1].
std::vector<double> gradient_weight_cosine(Model& model, const at::Tensor& pairs, const at::Tensor& labels);

// Efficiency (Varma et al. 2023): mean over rows of (correct logit - largest
// other logit), divided by the total parameter norm ||theta||.
double efficiency(const at::Tensor& logits, const at::Tensor& labels, double param_norm);

}  // namespace grok
