// stacked_models.h — small transformers stacked along a member axis, and their autograd
// gradients: the reference the fast paths (factored forward, written-out backward) are checked on.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "grok/core/config.h"
#include "grok/core/presets.h"
#include "grok/model/model.h"
#include "grok/train/loss.h"

namespace grok_test {

// max |got - want| / max |want|.
inline double max_relative(const at::Tensor& got, const at::Tensor& want) {
  const double scale = want.abs().max().item<double>();
  return (got.to(at::kDouble) - want.to(at::kDouble)).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

// nanda2023's recipe at a small size.
inline grok::Config small_nanda(int64_t p = 23) {
  grok::Config c = grok::load_preset("nanda2023");
  c.p = p, c.d_model = 32, c.n_heads = 4, c.d_head = 8, c.d_mlp = 64;
  return c;
}

// Parameters of model seeds 0..K-1 stacked along a member axis, as `dtype` leaves.
inline std::vector<at::Tensor> stacked_params(const grok::Config& config, int64_t K, at::ScalarType dtype) {
  std::vector<std::unique_ptr<grok::Model>> models;
  for (int64_t k = 0; k < K; ++k) {
    grok::Config c = config;
    c.seed = k;
    models.push_back(grok::make_model(c));
  }
  std::vector<at::Tensor> stacked;
  for (size_t i = 0; i < models[0]->parameters().size(); ++i) {
    std::vector<at::Tensor> slices;
    for (const auto& m : models) slices.push_back(m->parameters()[i].value.detach().to(dtype));
    stacked.push_back(at::stack(slices).requires_grad_(true));
  }
  return stacked;
}

// Logits [K, B, P] and the gradient of the members' summed `loss`, by autograd, through the
// hooked forward (forward_members) or the family's logits_members (the factored one).
struct Pass {
  at::Tensor logits;
  std::vector<at::Tensor> grads;  // parameters() order, [K, ...]
};
inline Pass autograd_pass(const grok::Model& model, const std::vector<at::Tensor>& stacked_in, const at::Tensor& pairs,
                          const at::Tensor& labels, bool factored, const std::string& loss = "ce") {
  std::vector<at::Tensor> stacked;
  for (const at::Tensor& s : stacked_in) stacked.push_back(s.detach().clone().requires_grad_(true));
  const at::Tensor logits =
      factored ? model.logits_members(stacked, pairs) : model.forward_members(stacked, pairs);  // [K, B, P]
  at::Tensor total = at::zeros({}, at::kDouble);
  for (const at::Tensor& member : logits.unbind(0)) total = total + grok::loss_value(loss, member, labels);
  total.backward();
  Pass r{logits.detach(), {}};
  for (const at::Tensor& s : stacked) r.grads.push_back(s.grad());
  return r;
}

}  // namespace grok_test
