// loss.h — the training loss (config.loss).
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
// Differentiable with respect to `logits`. InputError for another name.
at::Tensor loss_value(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels);

}  // namespace grok
