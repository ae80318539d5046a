// loss.h — the training loss (config.loss) and the closed-form readout solve (config.solver).
//
// The loss is computed in float64 (logits are float32; the loss is not) and
// is both what training minimises and the train_loss/test_loss metrics.
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace grok {

// logits [B, C] float32 or float64, labels [B] int64 in 0..C-1 -> a float64 scalar.
//   "ce":  mean over the B pairs of -log softmax(logits)[label]            (nats)
//   "mse": sum over pairs and classes of (logits - one_hot(label))^2 / (B * C),
//          i.e. the mean over examples AND classes
//   "stablemax": mean over the B pairs of -log(s(x_label) / sum_c s(x_c)) with
//          s(x) = x + 1 for x >= 0 and 1 / (1 - x + 1e-30) for x < 0 (Prieto et al.
//          2025; the 1e-30 is their code's, and keeps s finite)  (nats)
// Differentiable with respect to `logits`. InputError for another name.
at::Tensor loss_value(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels);

// d loss_value(loss, logits, labels) / d logits, written out (config.backward = manual): in
// float64, returned in logits' dtype and shape [..., B, C] (leading axes: members, each
// with its own mean over the B pairs). "ce": (softmax(x) - one_hot) / B; "mse":
// 2 (x - one_hot) / (B C); "stablemax": s'(x) (1 / sum_c s(x_c) - one_hot / s(x)) / B with
// s' = 1 for x >= 0 and s^2 below.
at::Tensor loss_gradient(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels);

// The losses of K members on the same B pairs: logits [K, B, C], labels [B] -> [K] float64,
// member k's loss_value(loss, logits[k], labels). "ce" on the CPU is one pass over the logits in
// float64 (each row's exponentials computed once, rows on every thread, each member's mean summed
// in ascending b: the bits do not depend on the thread count), equal to loss_value within float64
// rounding, not bit for bit (another order of sums); other losses and devices are loss_value
// itself. The evaluation's test loss (trainer.cpp) is this. InputError, on every path and
// before any arithmetic, for shapes that do not fit, labels not int64 or outside 0..C-1.
at::Tensor loss_values(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels);

// loss_values and loss_gradient in one call (config.backward = manual: the train metric and what
// the written-out backward starts from): "ce" on the CPU takes each row's exponentials once for
// both; the gradient is loss_gradient's within float64 rounding.
struct LossWithGradient {
  at::Tensor loss;      // [K] float64
  at::Tensor gradient;  // [K, B, C], logits' dtype
};
LossWithGradient loss_with_gradient(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels);

// log(s(x) / sum over the last axis of s(x)), s as for "stablemax" above; x [B, C] -> [B, C], x's dtype.
at::Tensor log_stablemax(const at::Tensor& x);

// The readout W [d, C] that minimises ||features @ W - targets||_F^2 + ridge ||W||_F^2,
// from features [n, d] and targets [n, C], in float64 via the thin SVD
// features = U diag(s) V^T:
//   ridge = 0: W = V diag(1/s) U^T targets = pinv(features) @ targets, the
//              minimum-norm least-squares solution; singular values at or
//              below max(n, d) * DBL_EPSILON * max(s) count as zero
//              (NumPy's lstsq and torch.linalg.pinv default cut-off);
//   ridge > 0: W = V diag(s / (s^2 + ridge)) U^T targets
//              = (features^T features + ridge I)^-1 features^T targets.
at::Tensor min_norm_readout(const at::Tensor& features, const at::Tensor& targets, double ridge);

}  // namespace grok
