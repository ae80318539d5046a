// grid_model.cpp — a model on the full grid and the weight combinations the analyses read.
#include "grok/grid_model.h"

#include <cmath>

#include "grok/grid.h"

namespace grok {

GridModel::GridModel(const Config& config) : config_(config), model_(make_model(config)), grid_(grid_pairs(config.p)) {}

at::Tensor GridModel::grid_logits(ActivationCache* cache) const {
  at::NoGradGuard no_grad;
  return model_->forward(grid_, cache);
}

std::string GridModel::neuron_hook() const {
  // x^2 turns a frequency-k wave into frequency 2k, so a quadratic model's
  // neurons show their frequency before the activation, not after it.
  const std::string site = config_.act == "quadratic" ? "mlp.hook_pre" : "mlp.hook_post";
  if (config_.model == "mlp") return site;
  return "blocks." + std::to_string(config_.n_layers - 1) + "." + site;
}

at::Tensor GridModel::number_embedding() const {
  at::NoGradGuard no_grad;
  if (config_.model == "mlp" && config_.mlp_input == "onehot")
    return model_->param("mlp.W_in").slice(0, 0, p()).to(at::kDouble);
  return model_->param("embed.W_E").slice(0, 0, p()).to(at::kDouble);
}

at::Tensor GridModel::neuron_logit_map() const {
  at::NoGradGuard no_grad;
  at::Tensor W_U = model_->param("unembed.W_U").to(at::kDouble);
  if (config_.model == "mlp") return W_U;
  std::string last = "blocks." + std::to_string(config_.n_layers - 1) + ".mlp.W_out";
  return at::matmul(model_->param(last).to(at::kDouble), W_U);
}

at::Tensor GridModel::neuron_input_weights() const {
  at::NoGradGuard no_grad;
  if (config_.model == "mlp" && config_.mlp_input == "onehot")
    return model_->param("mlp.W_in").slice(0, 0, p()).to(at::kDouble);
  std::string w_in = config_.model == "mlp" ? "mlp.W_in" : "blocks.0.mlp.W_in";
  return at::matmul(number_embedding(), model_->param(w_in).to(at::kDouble));
}

double GridModel::total_param_norm() const {
  double sq = 0;
  for (const auto& param : model_->parameters()) sq += param.value.to(at::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

}  // namespace grok
