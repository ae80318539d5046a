// logit_projections.h — restricted loss, excluded loss and the logit trig fit.
//
// L is the logit table on the full grid, [p*p, p] (row a*p + b, column c).
// u_k_cos in R^{p^2} is cos(w_k (a + b)) over the grid, unit-normalised, u_k_sin
// likewise; P_k L = u_k_cos (u_k_cos^T L) + u_k_sin (u_k_sin^T L) keeps the
// part of L that depends on a + b through frequency k.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
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

// Mean of -log_softmax(logits)[row, label] over the rows of `logits` [n, C] (labels [n] int64):
// the cross-entropy of logits already restricted to the rows measured.
double mean_nll(const at::Tensor& logits, const at::Tensor& labels);

// Cross-entropy of L itself on grid rows `rows` (labels [p*p] int64).
double cross_entropy(const LogitTable& t, const at::Tensor& labels, const at::Tensor& rows);

// Cross-entropy on grid rows `rows` of the restricted / excluded logits,
// computed on those rows only.
double restricted_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                       const at::Tensor& rows);
double excluded_loss(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                     const at::Tensor& rows);

// Null baseline for the restricted loss (our refinement of Nanda et al. 2023,
// asked for by the issue "Progress measures a referee would accept").
// Memorised pairs add a term to H whose spectrum is flat, so keeping any |K|
// frequencies lifts the correct logit by about 2 f M |K| / p nats (f the train
// fraction, M the memorised margin): restricted loss below ln p is nearly
// automatic. The null is the same restricted loss with |K| frequencies drawn
// uniformly without replacement from {1..floor(p/2)} \ K, `draws` times.
// The draws come from std::mt19937_64(mix_seed(seed, kNullFrequencyStream))
// by a partial Fisher-Yates over the ascending candidates (uniform_below), so
// they are identical on every platform, and identical at every checkpoint for
// a fixed K and seed (one null curve, not a re-drawn one per checkpoint).
inline constexpr uint64_t kNullFrequencyStream = 101;  // distinct from core/rng.h's data streams
struct RestrictedNull {
  double mean = 0;                         // mean over draws of the restricted loss
  double sd = 0;                           // sample standard deviation over draws (n - 1; 0 for one draw)
  std::vector<double> loss;                // [draws]: restricted loss with each drawn set
  std::vector<std::vector<int64_t>> sets;  // [draws][|K|]: the drawn frequencies, ascending
};
// The drawn sets alone: [draws][|K|]. Throws std::invalid_argument when K has a
// frequency outside 1..floor(p/2) or a repeat, or when fewer than |K| frequencies lie outside K.
std::vector<std::vector<int64_t>> null_frequency_sets(int64_t p, const std::vector<int64_t>& K, int64_t draws,
                                                      uint64_t seed);
// labels [p*p] int64, rows [n] int64 grid rows (e.g. the test pairs).
// Cost: one [p, p] product per frequency drawn, one log_softmax over [draws, p, p].
RestrictedNull restricted_loss_null(const LogitTable& t, const std::vector<int64_t>& K, const at::Tensor& labels,
                                    const at::Tensor& rows, int64_t draws, uint64_t seed);

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
