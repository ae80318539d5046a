// loss.cpp — cross-entropy / MSE losses and the minimum-norm readout (see loss.h).
#include "grok/train/loss.h"

#include <fmt/core.h>

#include <algorithm>
#include <cfloat>

#include "grok/core/error.h"

namespace grok {
namespace {

// StableMax's s(x) below zero, 1 / (1 - x + 1e-30), read at min(x, 0): where() differentiates
// both branches, and 1 / (1 - x) at x = 1 would otherwise put 0 * inf = NaN into the gradient
// of a positive logit. (Above zero s(x) = x + 1.)
at::Tensor stablemax_below_zero(const at::Tensor& x) { return (1 - x.clamp_max(0) + 1e-30).reciprocal(); }

[[noreturn]] void unknown_loss(const std::string& loss) {
  throw InputError(fmt::format("loss must be one of ce | mse | stablemax, got '{}'", loss));
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
