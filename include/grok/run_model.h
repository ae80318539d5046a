// run_model.h — a run file's model, loadable at any checkpoint, evaluated on the full grid.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "grok/config.h"
#include "grok/model.h"
#include "grok/run_file.h"
#include "grok/task.h"

namespace grok {

class RunModel {
 public:
  explicit RunModel(const std::string& run_path);

  const Config& config() const { return config_; }
  int64_t p() const { return config_.p; }
  const RunReader& reader() const { return reader_; }
  const std::vector<int64_t>& checkpoint_steps() const { return checkpoint_steps_; }
  Model& model() { return *model_; }

  // Copies checkpoint `index`'s weights into the model.
  void load_checkpoint(size_t index);

  at::Tensor labels() const { return labels_; }          // [p*p] int64, -1 = invalid pair
  at::Tensor train_rows() const { return train_rows_; }  // grid indices [n_train]
  at::Tensor test_rows() const { return test_rows_; }
  at::Tensor valid_rows() const { return valid_rows_; }

  // The model on every pair of the grid: logits [p*p, p], and hooks if asked.
  at::Tensor grid_logits(ActivationCache* cache = nullptr);
  // The hook the Fourier analysis calls N: the last MLP's post-activations
  // (pre-activations for act = quadratic, whose square doubles frequencies).
  std::string neuron_hook() const;
  // The token embedding of the p number tokens, [p, d] (for one-hot MLPs the a-rows of W_in).
  at::Tensor number_embedding() const;
  // W_L = W_out W_U (transformer, last block) or W_U (MLP): [d_mlp, p].
  at::Tensor neuron_logit_map() const;
  // Each neuron's input weights as a function of the token a, [p, d_mlp]
  // (W_E[:p] W_in for transformers and embedded MLPs, W_in[:p] for one-hot MLPs).
  at::Tensor neuron_input_weights() const;
  double total_param_norm() const;

 private:
  RunReader reader_;
  Config config_;
  std::unique_ptr<Model> model_;
  std::vector<int64_t> checkpoint_steps_;
  at::Tensor labels_, train_rows_, test_rows_, valid_rows_, grid_;
};

}  // namespace grok
