// optimizer.h — AdamW, Adam and SGD(+momentum), written out so their state is
// ours to checkpoint and their update rules are readable.
//
// The update rules match PyTorch's torch.optim implementations (single-tensor
// path) term for term, so runs are comparable with Python reproductions.
// Before the update the gradients go through Grokfast (config.grokfast), then
// perp-grad (config.perp_grad), as in grad_filters.h.
#pragma once

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

#include "grok/core/config.h"
#include "grok/model/model.h"
#include "grok/train/grad_filters.h"

namespace grok {

class Optimizer {
 public:
  // Holds references to `params` (the model's tensors); they must outlive it. With
  // `member_axis` every tensor is a stack [K, ...] of K models' (an ensemble, model.h
  // forward_members): the updates are element-wise, so member k's slice takes exactly the
  // update it would alone, and perp-grad, the one filter that reads a whole tensor, reads
  // each member's slice on its own.
  Optimizer(const Config& config, std::vector<NamedTensor>& params, bool member_axis = false);

  // One update of every parameter from its .grad(), at learning rate `lr`.
  void step(double lr);
  void zero_grad();

  // The state buffers, named "<param>.exp_avg", "<param>.exp_avg_sq" (Adam*)
  // or "<param>.momentum_buffer" (SGD), then Grokfast's (grad_filters.h). The
  // tensors alias the live state, so copying into them restores a checkpoint.
  std::vector<NamedTensor> state();
  // Member k's slices of state() (member_axis only), aliasing it likewise.
  std::vector<NamedTensor> member_state(int64_t k);
  // member_axis only: keeps the members at `index` ([K'] ascending) of every state buffer, for
  // stacks narrowed the same way (an ensemble whose other members have ended); the params
  // passed to the constructor must already hold the narrowed stacks.
  void keep_members(const at::Tensor& index);
  int64_t step_count() const { return step_count_; }
  void set_step_count(int64_t n);

  // For a step captured as a CUDA graph (step_graph.h), whose host code runs once, at capture:
  // from now on the step count that the updates read lives in a tensor on the parameters' device,
  // which step() advances in place, and Adam's bias corrections are computed from it there (as
  // PyTorch's capturable Adam computes them; equal to the host path's within float rounding).
  // step() then leaves the host count alone: whoever replays the step calls count_step() once per
  // step run. Needs no Grokfast (validate: cuda_graph).
  void count_on_device();
  bool counts_on_device() const { return device_step_count_.defined(); }
  void count_step() { ++step_count_; }

 private:
  void adam_update(at::Tensor& param, const at::Tensor& grad, size_t i, double lr);
  void sgd_update(at::Tensor& param, const at::Tensor& grad, size_t i, double lr);

  Config config_;
  std::vector<NamedTensor>& params_;
  bool member_axis_ = false;
  std::vector<at::Tensor> exp_avg_, exp_avg_sq_, momentum_;
  std::optional<GrokfastFilter> grokfast_;
  int64_t step_count_ = 0;
  at::Tensor device_step_count_;  // [] float64 on the parameters' device: count_on_device()
};

// The learning rate of step `step` (0-based): linear warm-up, then constant.
double learning_rate(const Config& config, int64_t step);
// Whether learning_rate(config, s) is config.lr for every s >= step (the warm-up is over).
bool learning_rate_constant(const Config& config, int64_t step);

}  // namespace grok
