// grad_filters.h — what happens to the gradients between backward and the optimizer's
// update: Grokfast's slow-gradient amplifiers (Lee et al. 2024) and perp-grad (Prieto et
// al. 2025). The Optimizer applies them in that order (optimizer.h); their state is part
// of the optimizer state, so a resumed run continues bit for bit.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "grok/core/config.h"
#include "grok/model/model.h"

namespace grok {

// Grokfast, as in the authors' grokfast.py (config.grokfast):
//   ema: mu starts at the first gradient; every update mu <- alpha mu + (1 - alpha) g, then
//        g <- g + lambda mu.
//   ma:  a window of the last w gradients, the current one included; once it holds w of
//        them, g <- g + lambda * (their mean). Until then g is left alone.
class GrokfastFilter {
 public:
  // Buffers shaped like `params` (ema: one per tensor; ma: [w, ...] per tensor). With
  // `member_axis` the params are ensemble stacks [K, ...] (optimizer.h): the window's mean is
  // then taken per member, by the kernel a member alone would use (a sum over the window
  // axis of the whole stack rounds some elements differently).
  GrokfastFilter(const Config& config, const std::vector<NamedTensor>& params, bool member_axis = false);

  // Filters g = params[i].value.grad() in place. `update` is the 1-based number of this
  // update (the optimizer's step count after it): it says whether mu has been started and
  // which window slot the gradient goes into.
  void apply(std::vector<NamedTensor>& params, int64_t update);

  // "<param>.grokfast_ema" [param shape] or "<param>.grokfast_window" [w, param shape];
  // aliases the live buffers, so copying into them restores a checkpoint.
  std::vector<NamedTensor> state(const std::vector<NamedTensor>& params);
  // For parameters stacked over ensemble members [K, ...]: the axis of state()'s tensors
  // that is the member axis (ema 0; ma 1, after the window).
  int64_t state_member_axis() const { return mode_ == "ema" ? 0 : 1; }
  // Keeps the members at `index` of every buffer (member_axis only; Optimizer::keep_members).
  void keep_members(const at::Tensor& index);

 private:
  std::string mode_;  // "ema" | "ma"
  double alpha_, lambda_;
  int64_t window_;
  bool member_axis_;
  std::vector<at::Tensor> buffers_;
};

// perp-grad for one tensor, as in Prieto et al.'s orthograd.py: with w and g flattened,
//   g_perp = g - (w.g / (w.w + 1e-30)) w,   returned as g_perp * ||g|| / (||g_perp|| + 1e-30),
// in g's shape and dtype. The 1e-30 guards are theirs (a zero w or a g parallel to w).
at::Tensor orthogonal_gradient(const at::Tensor& w, const at::Tensor& g);
// The same for each member's slice of stacks w, g [K, ...] (an ensemble's), [K, ...].
at::Tensor orthogonal_gradient_per_member(const at::Tensor& w, const at::Tensor& g);

}  // namespace grok
