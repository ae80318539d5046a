// grid_model.h — a run's model evaluated on the full input grid, and the weight
// combinations the analyses read (number embedding, W_L, neuron input weights).
//
// One GridModel holds one set of weights; RunModel loads checkpoints into it.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "grok/config.h"
#include "grok/model.h"

namespace grok {

class GridModel {
 public:
  explicit GridModel(const Config& config);

  const Config& config() const { return config_; }
  int64_t p() const { return config_.p; }
  Model& model() { return *model_; }
  const Model& model() const { return *model_; }

  // The model on every pair of the grid: logits [p*p, p] (row a*p + b), and hooks if asked.
  at::Tensor grid_logits(ActivationCache* cache = nullptr) const;
  // The hook the Fourier analysis calls N: the last MLP's post-activations
  // (pre-activations for act = quadratic, whose square doubles frequencies).
  std::string neuron_hook() const;
  // The token embedding of the p number tokens, [p, d] float64 (for one-hot MLPs the a-rows of W_in).
  at::Tensor number_embedding() const;
  // W_L = W_out W_U (transformer, last block) or W_U (MLP): [d_mlp, p] float64.
  at::Tensor neuron_logit_map() const;
  // Each neuron's input weights as a function of the token a, [p, d_mlp] float64
  // (W_E[:p] W_in for transformers and embedded MLPs, W_in[:p] for one-hot MLPs).
  at::Tensor neuron_input_weights() const;
  double total_param_norm() const;

 private:
  Config config_;
  std::unique_ptr<Model> model_;
  at::Tensor grid_;  // [p*p, 2] int64
};

}  // namespace grok
