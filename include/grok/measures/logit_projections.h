// logit_projections.h — restricted loss, excluded loss and the logit trig fit.
//
// L is the logit table on the full grid, [p*p, p] (row a*p + b, column c).
// u_k_cos in R^{p^2} is cos(w_k (a + b)) over the grid, unit-normalised, u_k_sin
// likewise; P_k L = u_k_cos (u_k_cos^T L) + u_k_sin (u_k_sin^T L) keeps the
// part of L that depends on a + b through frequency k.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace grok {

// P_k L, [p*p, p] float64.
at::Tensor project_frequency(const at::Tensor& L, int64_t p, int64_t k);

// Restricted logits: sum_{k in K} P_k L plus, per column c, the mean over
// inputs of (L - that sum) (the bias correction).
at::Tensor restricted_logits(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K);

// Excluded logits: L - sum_{k in K} P_k L (no bias correction).
at::Tensor excluded_logits(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K);

// L prepared once for many projections and losses: float64 logits, the sums
// over pairs with the same (a + b) mod p (H[s, c]), each row's s, the grid mean
// of each column and each row's logsumexp.
struct LogitTable {
  int64_t p = 0;
  at::Tensor L;              // [p*p, p] float64
  at::Tensor H;              // [p, p] float64
  at::Tensor s;              // [p*p] int64
  at::Tensor column_mean;    // [p] float64
  at::Tensor row_logsumexp;  // [p*p] float64
};
LogitTable logit_table(const at::Tensor& L, int64_t p);

// Cross-entropy of L itself on grid rows `rows` (labels [p*p] int64).
double cross_entropy(const LogitTable& t, const at::Tensor& labels, const at::Tensor& rows);

// Cross-entropy on grid rows `rows` of the restricted / excluded logits,
// computed on those rows only.
double restricted_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                       const at::Tensor& rows);
double excluded_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                     const at::Tensor& rows);

// Mean float64 cross-entropy of logits [p*p, p] over the grid rows `rows`,
// against `labels` [p*p] (int64).
double cross_entropy_on(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& rows);

// ||P_k L||^2 for k = 1..floor(p/2), [n_freq].
at::Tensor logit_projection_norms(const LogitTable& t);
at::Tensor logit_projection_norms(const at::Tensor& L, int64_t p);

// Frequencies ordered by ||P_k L||^2, largest first (1-based).
std::vector<int64_t> rank_by_logit_projection(const at::Tensor& L, int64_t p);

// Logit trig fit. Chat_k = cos(w_k (a + b - c)) over [p^2, p], unit-normalised;
// C_k = <L', Chat_k> with L' = L centred per row (softmax ignores a per-input
// constant, and it would otherwise dilute the similarity).
struct TrigFit {
  std::vector<double> coefficient;  // C_k, k = 1..floor(p/2)
  std::vector<double> cosine;       // C_k / ||L'||
  double fit_cosine = 0;            // cos(L', sum_{k in K} C_k Chat_k) = sqrt(sum_{k in K} C_k^2) / ||L'||
  double residual = 0;              // ||L' - sum_{k in K} C_k Chat_k|| / ||L'||
};
TrigFit trig_fit(const LogitTable& t, const std::vector<int64_t>& K);
TrigFit trig_fit(const at::Tensor& L, int64_t p, const std::vector<int64_t>& K);

}  // namespace grok
