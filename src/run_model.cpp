// run_model.cpp — rebuild a run's model from its file and evaluate it on the grid.
#include "grok/grid.h"
#include "grok/run_model.h"

#include <cmath>

namespace grok {

RunModel::RunModel(const std::string& run_path)
    : reader_(run_path), config_(reader_.config()), model_(make_model(config_)) {
  checkpoint_steps_ = reader_.checkpoint_steps();
  labels_ = at::tensor(reader_.labels(), at::kLong);
  Split split = reader_.split();
  train_rows_ = at::tensor(split.train, at::kLong);
  test_rows_ = at::tensor(split.test, at::kLong);
  valid_rows_ = labels_.ge(0).nonzero().squeeze(1);
  grid_ = grid_pairs(p());
}

void RunModel::load_checkpoint(size_t index) {
  at::NoGradGuard no_grad;
  for (auto& param : model_->parameters()) param.value.copy_(reader_.checkpoint_param(index, param.name));
}

at::Tensor RunModel::grid_logits(ActivationCache* cache) {
  at::NoGradGuard no_grad;
  return model_->forward(grid_, cache);
}

std::string RunModel::neuron_hook() const {
  // x^2 turns a frequency-k wave into frequency 2k, so a quadratic model's
  // neurons show their frequency before the activation, not after it.
  const std::string site = config_.act == "quadratic" ? "mlp.hook_pre" : "mlp.hook_post";
  if (config_.model == "mlp") return site;
  return "blocks." + std::to_string(config_.n_layers - 1) + "." + site;
}

at::Tensor RunModel::number_embedding() const {
  at::NoGradGuard no_grad;
  if (config_.model == "mlp" && config_.mlp_input == "onehot")
    return model_->param("mlp.W_in").slice(0, 0, p()).to(at::kDouble);
  return model_->param("embed.W_E").slice(0, 0, p()).to(at::kDouble);
}

at::Tensor RunModel::neuron_logit_map() const {
  at::NoGradGuard no_grad;
  at::Tensor W_U = model_->param("unembed.W_U").to(at::kDouble);
  if (config_.model == "mlp") return W_U;
  std::string last = "blocks." + std::to_string(config_.n_layers - 1) + ".mlp.W_out";
  return at::matmul(model_->param(last).to(at::kDouble), W_U);
}

at::Tensor RunModel::neuron_input_weights() const {
  at::NoGradGuard no_grad;
  if (config_.model == "mlp" && config_.mlp_input == "onehot")
    return model_->param("mlp.W_in").slice(0, 0, p()).to(at::kDouble);
  std::string w_in = config_.model == "mlp" ? "mlp.W_in" : "blocks.0.mlp.W_in";
  return at::matmul(number_embedding(), model_->param(w_in).to(at::kDouble));
}

double RunModel::total_param_norm() const {
  double sq = 0;
  for (const auto& param : model_->parameters()) sq += param.value.to(at::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

}  // namespace grok
