// grad_filters.cpp — Grokfast and perp-grad (see grad_filters.h).
#include "grok/train/grad_filters.h"

namespace grok {

GrokfastFilter::GrokfastFilter(const Config& config, const std::vector<NamedTensor>& params, bool member_axis)
    : mode_(config.grokfast),
      alpha_(config.grokfast_alpha),
      lambda_(config.grokfast_lambda),
      window_(config.grokfast_window),
      member_axis_(member_axis) {
  for (const NamedTensor& p : params) {
    if (mode_ == "ema") {
      buffers_.push_back(at::zeros_like(p.value));
    } else {
      std::vector<int64_t> shape{window_};
      shape.insert(shape.end(), p.value.sizes().begin(), p.value.sizes().end());
      buffers_.push_back(at::zeros(shape, p.value.options()));
    }
  }
}

void GrokfastFilter::apply(std::vector<NamedTensor>& params, int64_t update) {
  c10::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor g = params[i].value.mutable_grad();
    if (!g.defined()) continue;
    at::Tensor& buffer = buffers_[i];
    if (mode_ == "ema") {
      if (update == 1) buffer.copy_(g);  // mu starts at the first gradient
      buffer.mul_(alpha_).add_(g, 1.0 - alpha_);
      g.add_(buffer, lambda_);
    } else {
      buffer.select(0, (update - 1) % window_).copy_(g);  // a ring: slot of the newest gradient
      if (update < window_) continue;
      if (!member_axis_) {
        g.add_(buffer.sum(0) / static_cast<double>(window_), lambda_);
      } else {
        for (int64_t k = 0; k < g.size(0); ++k)  // buffer [w, K, ...]
          g[k].add_(buffer.select(1, k).sum(0) / static_cast<double>(window_), lambda_);
      }
    }
  }
}

void GrokfastFilter::keep_members(const at::Tensor& index) {
  c10::NoGradGuard no_grad;
  for (at::Tensor& b : buffers_) b = b.index_select(state_member_axis(), index);
}

std::vector<NamedTensor> GrokfastFilter::state(const std::vector<NamedTensor>& params) {
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < params.size(); ++i) {
    std::vector<std::string> axes = params[i].axes;
    if (mode_ == "ema") {
      out.push_back({params[i].name + ".grokfast_ema", buffers_[i], axes});
    } else {
      if (!axes.empty()) axes.insert(axes.begin(), "grokfast_window");
      out.push_back({params[i].name + ".grokfast_window", buffers_[i], axes});
    }
  }
  return out;
}

at::Tensor orthogonal_gradient(const at::Tensor& w, const at::Tensor& g) {
  c10::NoGradGuard no_grad;
  const at::Tensor wf = w.reshape({-1}), gf = g.reshape({-1});  // [n]
  const at::Tensor projection = at::dot(wf, gf) / (at::dot(wf, wf) + 1e-30);
  const at::Tensor g_perp = gf - projection * wf;
  return (g_perp * (gf.norm() / (g_perp.norm() + 1e-30))).view_as(g);
}

at::Tensor orthogonal_gradient_per_member(const at::Tensor& w, const at::Tensor& g) {
  std::vector<at::Tensor> members;
  for (int64_t k = 0; k < w.size(0); ++k) members.push_back(orthogonal_gradient(w[k], g[k]));
  return at::stack(members);
}

}  // namespace grok
