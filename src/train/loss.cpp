// loss.cpp — cross-entropy / MSE losses and the minimum-norm readout (see loss.h).
#include "grok/train/loss.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "grok/core/error.h"
#include "grok/runtime/threads.h"
#include "grok/runtime/vector_math.h"

namespace grok {
namespace {

// StableMax's s(x) below zero, 1 / (1 - x + 1e-30), read at min(x, 0): where() differentiates
// both branches, and 1 / (1 - x) at x = 1 would otherwise put 0 * inf = NaN into the gradient
// of a positive logit. (Above zero s(x) = x + 1.)
at::Tensor stablemax_below_zero(const at::Tensor& x) { return (1 - x.clamp_max(0) + 1e-30).reciprocal(); }

[[noreturn]] void unknown_loss(const std::string& loss) {
  throw InputError(fmt::format("loss must be one of ce | mse | stablemax, got '{}'", loss));
}

// max_c row[c] (C >= 1), in eight interleaved lanes: a maximum is exact in any order, and one
// running maximum would wait on each comparison in turn.
template <class T>
T row_max(const T* row, int64_t C) {
  T lane[8];
  for (int l = 0; l < 8; ++l) lane[l] = row[0];
  int64_t c = 0;
  for (; c + 8 <= C; c += 8)
    for (int l = 0; l < 8; ++l) lane[l] = row[c + l] > lane[l] ? row[c + l] : lane[l];
  for (; c < C; ++c) lane[0] = row[c] > lane[0] ? row[c] : lane[0];
  T m = lane[0];
  for (int l = 1; l < 8; ++l) m = lane[l] > m ? lane[l] : m;
  return m;
}

// Cross-entropy over rows of x [R, C] (row r of member r / B, its label labels[r % B]), T = float
// or double, in float64 as loss_value and loss_gradient compute it, the row's maximum m
// subtracted first: e_c = exp(x_rc - m) once, S = sum_c e_c, then
//   term[r] = -(x_r,label - m - log S)    g_rc = e_c (1 / (S B)) - [c = label] / B.
// S is summed in four interleaved partial sums (c mod 4, each in ascending c) added 0..3, and the
// gradient multiplies by one reciprocal: the loops vectorise, and the order is fixed, so the bits
// do not depend on the thread count. (Within float64 rounding of softmax(x) - one_hot; not bit
// for bit ATen's.) g = nullptr: the terms alone.
template <class T>
void cross_entropy_rows(const T* x, const int64_t* labels, int64_t R, int64_t B, int64_t C, double* term, T* g) {
  // parallel_tasks, not at::parallel_for: the latter runs serially outside g++ OpenMP builds (threads.h).
  parallel_tasks(R, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t begin, int64_t end) {
    std::vector<double> e(static_cast<size_t>(C));  // the row's exp(x - m)
    double* ec = e.data();
    for (int64_t r = begin; r < end; ++r) {
      const T* row = x + r * C;
      const int64_t label = labels[r % B];
      const T m = row_max(row, C);
      for (int64_t c = 0; c < C; ++c) ec[c] = static_cast<double>(row[c]) - static_cast<double>(m);
      exp_in_place(ec, C);
      double lane[4] = {0, 0, 0, 0};
      int64_t c = 0;
      for (; c + 4 <= C; c += 4)
        for (int l = 0; l < 4; ++l) lane[l] += ec[c + l];
      for (int l = 0; c + l < C; ++l) lane[l] += ec[c + l];
      const double sum = ((lane[0] + lane[1]) + lane[2]) + lane[3];
      term[r] = -(static_cast<double>(row[label]) - static_cast<double>(m) - std::log(sum));
      if (!g) continue;
      const double scale = 1.0 / (sum * static_cast<double>(B));
      T* grad = g + r * C;
      for (int64_t k = 0; k < C; ++k) grad[k] = static_cast<T>(ec[k] * scale);
      grad[label] = static_cast<T>(ec[label] * scale - 1.0 / static_cast<double>(B));
    }
  });
}

}  // namespace

at::Tensor loss_value(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor x = logits.to(at::kDouble);  // [B, C]
  if (loss == "ce") return at::nll_loss(at::log_softmax(x, -1), labels);
  if (loss == "stablemax") return at::nll_loss(log_stablemax(x), labels);
  if (loss == "mse") return at::mse_loss(x, at::one_hot(labels, x.size(-1)).to(at::kDouble));  // mean of B*C terms
  unknown_loss(loss);
}

at::Tensor loss_gradient(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels) {
  c10::NoGradGuard no_grad;
  const at::Tensor x = logits.to(at::kDouble);                                // [..., B, C]
  const at::Tensor target = at::one_hot(labels, x.size(-1)).to(at::kDouble);  // [B, C]
  const double B = static_cast<double>(x.size(-2)), C = static_cast<double>(x.size(-1));
  at::Tensor g;
  if (loss == "ce") {
    g = (at::softmax(x, -1) - target) / B;
  } else if (loss == "mse") {
    g = (x - target) * (2.0 / (B * C));
  } else if (loss == "stablemax") {
    const at::Tensor below = stablemax_below_zero(x);
    const at::Tensor s = at::where(x < 0, below, x + 1);
    const at::Tensor slope = at::where(x < 0, below * below, at::ones_like(x));  // s'(x)
    g = slope * (s.sum(-1, /*keepdim=*/true).reciprocal() - target / s) / B;
  } else {
    unknown_loss(loss);
  }
  return g.to(logits.scalar_type());
}

namespace {

// "ce" over logits [K, B, C] on the CPU in one pass (cross_entropy_rows): each member's mean of
// its B rows' terms, summed in ascending b, and the gradient when asked for.
bool fused_cross_entropy_applies(const std::string& loss, const at::Tensor& logits) {
  return loss == "ce" && logits.device().is_cpu() && logits.size(1) > 0 &&
         (logits.scalar_type() == at::kFloat || logits.scalar_type() == at::kDouble);
}
LossWithGradient fused_cross_entropy(const at::Tensor& logits, const at::Tensor& labels, bool with_gradient) {
  const int64_t K = logits.size(0), B = logits.size(1), C = logits.size(2);
  const at::Tensor x = logits.contiguous();
  const at::Tensor y = labels.cpu().contiguous();  // int64, in 0..C-1 (check_members)
  const int64_t* label = y.data_ptr<int64_t>();
  at::Tensor term = at::empty({K, B}, x.options().dtype(at::kDouble));     // [K, B]
  at::Tensor gradient = with_gradient ? at::empty_like(x) : at::Tensor();  // [K, B, C]
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "cross_entropy_rows", [&] {
    cross_entropy_rows(x.data_ptr<scalar_t>(), label, K * B, B, C, term.data_ptr<double>(),
                       with_gradient ? gradient.data_ptr<scalar_t>() : nullptr);
  });
  at::Tensor mean = at::empty({K}, term.options());  // [K]
  const double* t = term.data_ptr<double>();
  for (int64_t k = 0; k < K; ++k) {
    double sum = 0;
    for (int64_t b = 0; b < B; ++b) sum += t[k * B + b];
    mean.data_ptr<double>()[k] = sum / static_cast<double>(B);
  }
  return {mean, gradient};
}

void check_members(const char* what, const at::Tensor& logits, const at::Tensor& labels) {
  if (logits.dim() != 3 || labels.dim() != 1 || labels.size(0) != logits.size(1))
    throw InputError(fmt::format("{}: logits [K, B, C] and labels [B] expected, got shapes {} and {}", what,
                                 fmt::join(logits.sizes(), "x"), fmt::join(labels.sizes(), "x")));
  if (labels.scalar_type() != at::kLong) throw InputError(fmt::format("{}: labels must be int64", what));
  if (labels.numel() > 0) {
    const int64_t low = labels.min().item<int64_t>(), high = labels.max().item<int64_t>(), C = logits.size(2);
    if (low < 0 || high >= C)
      throw InputError(fmt::format("{}: labels must lie in 0..{}, got {}", what, C - 1, low < 0 ? low : high));
  }
}

}  // namespace

at::Tensor loss_values(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels) {
  c10::NoGradGuard no_grad;
  check_members("loss_values", logits, labels);
  if (fused_cross_entropy_applies(loss, logits)) return fused_cross_entropy(logits, labels, false).loss;
  std::vector<at::Tensor> each;
  for (int64_t k = 0; k < logits.size(0); ++k) each.push_back(loss_value(loss, logits[k], labels));
  return each.empty() ? at::zeros({0}, logits.options().dtype(at::kDouble)) : at::stack(each);
}

LossWithGradient loss_with_gradient(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels) {
  c10::NoGradGuard no_grad;
  check_members("loss_with_gradient", logits, labels);
  if (fused_cross_entropy_applies(loss, logits)) return fused_cross_entropy(logits, labels, true);
  return {loss_values(loss, logits, labels), loss_gradient(loss, logits, labels)};
}

at::Tensor log_stablemax(const at::Tensor& x) {
  const at::Tensor s = at::where(x < 0, stablemax_below_zero(x), x + 1);  // [B, C], > 0
  return at::log(s / s.sum(-1, /*keepdim=*/true));
}

at::Tensor min_norm_readout(const at::Tensor& features, const at::Tensor& targets, double ridge) {
  c10::NoGradGuard no_grad;
  const at::Tensor phi = features.to(at::kDouble);                 // [n, d]
  const at::Tensor y = targets.to(at::kDouble);                    // [n, C]
  auto [u, s, vh] = at::linalg_svd(phi, /*full_matrices=*/false);  // [n, k], [k], [k, d]; k = min(n, d)
  at::Tensor gain;                                                 // [k]: 1/s, or s / (s^2 + ridge)
  if (ridge > 0) {
    gain = s / (s * s + ridge);
  } else {
    const double cutoff = static_cast<double>(std::max(phi.size(0), phi.size(1))) * DBL_EPSILON *
                          (s.numel() > 0 ? s.max().item<double>() : 0.0);
    gain = at::where(s > cutoff, s.reciprocal(), at::zeros_like(s));
  }
  return at::matmul(vh.transpose(0, 1) * gain, at::matmul(u.transpose(0, 1), y));  // [d, C]
}

}  // namespace grok
