// representations.cpp — linear probes, PCA, RQI, clock/pizza measures, softmax collapse, efficiency.
#include "grok/measures/representations.h"
#include "grok/model/grid.h"

#include <cmath>
#include <map>
#include <random>

#include "grok/core/rng.h"
#include "grok/measures/fourier.h"

namespace grok {
namespace {

// Ridge weights for centred X, Y: (X^T X + lambda I)^-1 X^T Y.
at::Tensor ridge_weights(const at::Tensor& X, const at::Tensor& Y, double lambda) {
  at::Tensor gram = at::matmul(X.t(), X) + lambda * at::eye(X.size(1), X.options());
  return at::linalg_solve(gram, at::matmul(X.t(), Y));
}

// Fits on train rows, predicts test rows (both centred with train means).
at::Tensor ridge_predict(const at::Tensor& X, const at::Tensor& Y, const at::Tensor& train_rows,
                         const at::Tensor& test_rows, double lambda) {
  at::Tensor X64 = X.to(at::kDouble), Y64 = Y.to(at::kDouble);
  at::Tensor Xtr = X64.index_select(0, train_rows), Ytr = Y64.index_select(0, train_rows);
  at::Tensor x_mean = Xtr.mean(0, true), y_mean = Ytr.mean(0, true);
  at::Tensor W = ridge_weights(Xtr - x_mean, Ytr - y_mean, lambda);
  return at::matmul(X64.index_select(0, test_rows) - x_mean, W) + y_mean;
}

// Label of the grid row a*p + b for a + b = s, a - b = d (p odd: 2 is invertible).
int64_t grid_row_of_sum_diff(int64_t s, int64_t d, int64_t p) {
  const int64_t half = (p + 1) / 2;  // 2^-1 mod p
  int64_t a = ((s + d) % p) * half % p, b = ((s - d + p) % p) * half % p;
  return a * p + b;
}

}  // namespace

at::Tensor ridge_r2(const at::Tensor& X, const at::Tensor& Y, const at::Tensor& train_rows, const at::Tensor& test_rows,
                    double lambda) {
  at::Tensor pred = ridge_predict(X, Y, train_rows, test_rows, lambda);
  at::Tensor truth = Y.to(at::kDouble).index_select(0, test_rows);
  at::Tensor ss_res = (truth - pred).pow(2).sum(0);
  at::Tensor ss_tot = (truth - truth.mean(0, true)).pow(2).sum(0).clamp_min(1e-300);
  return 1 - ss_res / ss_tot;
}

double ridge_onehot_accuracy(const at::Tensor& X, const at::Tensor& labels, int64_t n_classes,
                             const at::Tensor& train_rows, const at::Tensor& test_rows, double lambda) {
  at::Tensor Y = at::one_hot(labels.clamp_min(0), n_classes).to(at::kDouble);
  at::Tensor pred = ridge_predict(X, Y, train_rows, test_rows, lambda);
  return pred.argmax(1).eq(labels.index_select(0, test_rows)).to(at::kDouble).mean().item<double>();
}

at::Tensor fourier_targets(int64_t p, const std::vector<int64_t>& K, c10::Device device) {
  at::Tensor ab = grid_pairs(p, device).to(at::kDouble);
  at::Tensor a = ab.select(1, 0), b = ab.select(1, 1);
  std::vector<at::Tensor> cols;
  for (int64_t k : K) {
    const double w = 2.0 * M_PI * static_cast<double>(k) / static_cast<double>(p);
    for (const at::Tensor& x : {a, b, a + b}) {
      cols.push_back(at::cos(w * x));
      cols.push_back(at::sin(w * x));
    }
  }
  return cols.empty() ? at::zeros({p * p, 0}, ab.options()) : at::stack(cols, 1);
}

Pca embedding_pca(const at::Tensor& E, int64_t n_components) {
  at::Tensor X = E.to(at::kDouble) - E.to(at::kDouble).mean(0, true);  // [p, d]
  auto [U, S, Vh] = at::linalg_svd(X, false);
  at::Tensor var = S.pow(2);
  const double total = std::max(var.sum().item<double>(), 1e-300);
  Pca pca;
  for (int64_t c = 0; c < std::min<int64_t>(n_components, S.size(0)); ++c) {
    pca.explained_variance_ratio.push_back(var[c].item<double>() / total);
    at::Tensor scores = (U.select(1, c) * S[c]).unsqueeze(1);  // [p, 1]: the component over tokens
    at::Tensor norms = fourier_norms(scores);
    double constant = fourier_constant_norm(scores);
    int64_t best = norms.argmax().item<int64_t>();
    pca.dominant_frequency.push_back(norms[best].item<double>() >= constant ? best + 1 : 0);
  }
  return pca;
}

double rqi(const at::Tensor& E, double delta, bool modular) {
  const int64_t p = E.size(0);
  at::Tensor X = E.to(at::kDouble);
  X = (X - X.mean(0, true)) / X.std(0, false, true).clamp_min(1e-12);
  // Group unordered pairs {i <= j} by their sum (as an integer or mod p).
  std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> by_sum;
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = i; j < p; ++j) by_sum[modular ? (i + j) % p : i + j].push_back({i, j});
  int64_t total = 0, close = 0;
  for (const auto& [sum, pairs] : by_sum) {
    if (pairs.size() < 2) continue;
    std::vector<int64_t> first, second;
    for (const auto& [i, j] : pairs) {
      first.push_back(i);
      second.push_back(j);
    }
    at::Tensor sums = X.index_select(0, at::tensor(first, at::kLong).to(X.device())) +
                      X.index_select(0, at::tensor(second, at::kLong).to(X.device()));
    at::Tensor d = at::cdist(sums, sums).pow(2) / static_cast<double>(X.size(1));  // mean over dims
    const int64_t n = d.size(0);
    at::Tensor upper = at::ones({n, n}, d.options().dtype(at::kBool)).triu(1);
    total += n * (n - 1) / 2;
    close += d.lt(delta).logical_and(upper).sum().item<int64_t>();
  }
  return total > 0 ? static_cast<double>(close) / static_cast<double>(total) : 0.0;
}

double distance_irrelevance(const at::Tensor& correct_logit, int64_t p) {
  std::vector<int64_t> row(static_cast<size_t>(p * p));  // [s, d] -> its grid row
  for (int64_t s = 0; s < p; ++s)
    for (int64_t d = 0; d < p; ++d) row[static_cast<size_t>(s * p + d)] = grid_row_of_sum_diff(s, d, p);
  const at::Tensor c = correct_logit.to(at::kDouble);
  const at::Tensor M = c.index_select(0, at::tensor(row, at::kLong).to(c.device())).view({p, p});  // [s, d]
  const double overall = std::max(M.std(false).item<double>(), 1e-300);
  return M.std(0, false).mean().item<double>() / overall;
}

double gradient_symmetricity(Model& model, int64_t p, int64_t samples, uint64_t seed) {
  // The rows of the input parameter that carry a (position 0) and b (position 1).
  const OperandRows rows = model.operand_rows();
  at::Tensor& input = model.parameters().at(rows.parameter).value;
  std::mt19937_64 rng(seed);
  double sum = 0;
  for (int64_t n = 0; n < samples; ++n) {
    int64_t a = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(p)));
    int64_t b = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(p - 1)));
    if (b >= a) ++b;  // a != b, so the two rows are distinct
    int64_t c = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(p)));
    for (auto& param : model.parameters())
      if (param.value.grad().defined()) param.value.mutable_grad().zero_();
    at::Tensor logits = model.forward(at::tensor({a, b}, at::kLong).view({1, 2}).to(model.device()));
    logits[0][c].backward();
    at::Tensor g = input.grad();
    sum += at::cosine_similarity(g[a + rows.a_offset], g[b + rows.b_offset], 0).item<double>();
  }
  for (auto& param : model.parameters())
    if (param.value.grad().defined()) param.value.mutable_grad().zero_();
  return sum / static_cast<double>(samples);
}

namespace {

// Both collapse fractions with every step in `dtype` (float or double).
SoftmaxCollapse collapse_in(const at::Tensor& logits, const at::Tensor& labels, at::ScalarType dtype) {
  at::Tensor l = logits.to(dtype);
  at::Tensor shifted = l - std::get<0>(l.max(1, true));
  at::Tensor sums = shifted.exp().sum(1);                                                  // [n]
  at::Tensor loss = at::nll_loss(at::log_softmax(l, 1), labels, {}, at::Reduction::None);  // [n]
  return {sums.eq(1.0).to(at::kDouble).mean().item<double>(), loss.eq(0.0).to(at::kDouble).mean().item<double>()};
}

// The whole vector's cosine from its dot product and squared norms; 0 when either is zero.
double cosine_of(double dot, double a_sq, double b_sq) {
  return a_sq > 0 && b_sq > 0 ? dot / std::sqrt(a_sq * b_sq) : 0.0;
}

void zero_grads(Model& model) {
  for (auto& param : model.parameters())
    if (param.value.grad().defined()) param.value.mutable_grad().zero_();
}

}  // namespace

SoftmaxCollapse softmax_collapse(const at::Tensor& logits, const at::Tensor& labels) {
  return collapse_in(logits, labels, at::kFloat);
}

SoftmaxCollapseByPrecision softmax_collapse_by_precision(const at::Tensor& logits, const at::Tensor& labels) {
  return {collapse_in(logits, labels, at::kFloat), collapse_in(logits, labels, at::kDouble)};
}

std::vector<double> gradient_weight_cosine(Model& model, const at::Tensor& pairs, const at::Tensor& labels) {
  zero_grads(model);
  at::Tensor loss = at::nll_loss(at::log_softmax(model.forward(pairs).to(at::kDouble), -1), labels);
  loss.backward();
  std::vector<double> cosines;
  double dot = 0, g_sq = 0, w_sq = 0;  // over all parameters, in float64
  for (auto& param : model.parameters()) {
    at::Tensor w = param.value.detach().to(at::kDouble);
    at::Tensor g = param.value.grad().defined() ? param.value.grad().to(at::kDouble) : at::zeros_like(w);
    const double d = (g * w).sum().item<double>(), gg = g.pow(2).sum().item<double>(),
                 ww = w.pow(2).sum().item<double>();
    cosines.push_back(cosine_of(d, gg, ww));
    dot += d;
    g_sq += gg;
    w_sq += ww;
  }
  cosines.push_back(cosine_of(dot, g_sq, w_sq));
  zero_grads(model);
  return cosines;
}

double efficiency(const at::Tensor& logits, const at::Tensor& labels, double param_norm) {
  at::Tensor l = logits.to(at::kDouble);
  at::Tensor correct = l.gather(1, labels.unsqueeze(1)).squeeze(1);
  at::Tensor others = l.scatter(1, labels.unsqueeze(1), -INFINITY);
  at::Tensor margin = correct - std::get<0>(others.max(1));
  return margin.mean().item<double>() / std::max(param_norm, 1e-300);
}

}  // namespace grok
