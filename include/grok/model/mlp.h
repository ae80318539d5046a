// mlp.h — the two-layer MLP family (Gromov 2023; Liu et al. 2022).
//
// mlp_input = onehot: h = act(W_in[a] + W_in[p + b] + b_in), i.e. W_in applied
//   to concat(one_hot(a), one_hot(b)); W_in is [2p, d_mlp].
// mlp_input = embed:  h = act((W_E[a] + W_E[b]) @ W_in + b_in); W_E is [p, d_model].
// logits = h @ W_U + b_U, W_U [d_mlp, p]. With act = quadratic and no biases
// this is Gromov's analytically solvable model.
// Init: W_E ~ N(0,1)/sqrt(d_model), W_in ~ N(0,1)/sqrt(fan_in), W_U ~ N(0,1)/sqrt(d_mlp); biases 0.
#pragma once

#include "grok/model/model.h"

namespace grok {

class Mlp : public Model {
 public:
  explicit Mlp(const Config& config);
  at::Tensor forward_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                             ActivationCache* cache = nullptr) const override;
  std::vector<HookInfo> hooks() const override;
  std::vector<std::string> default_hooks() const override;
  std::string describe() const override;
  at::Tensor number_embedding() const override;    // W_E, or W_in[:p] for one-hot input
  at::Tensor neuron_input_map() const override;    // W_E W_in, or W_in[:p]
  at::Tensor neuron_input_map_b() const override;  // the same, or one-hot: W_in[p:2p]
  std::string neuron_hook() const override;        // mlp.hook_post (hook_pre for act = quadratic)
  at::Tensor neuron_logit_map() const override;    // W_U
  // h = act(in(a) + in(b)): the operands meet only as a sum.
  bool operands_enter_additively() const override { return true; }
  OperandRows operand_rows() const override;
  // logits = mlp.hook_post @ W_U + b_U.
  std::optional<Readout> readout() const override { return readout_; }

 private:
  void bind_weights() override;
  at::Tensor W_E, W_in, b_in, W_U, b_U;
  Readout readout_;
};

}  // namespace grok
