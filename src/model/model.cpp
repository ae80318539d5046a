// model.cpp — parameter registry and hook selection shared by every model.
#include "grok/model/model.h"

#include <fmt/core.h>

#include <cmath>

#include "grok/core/error.h"

namespace grok {

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p.value.numel();
  return n;
}

const at::Tensor& Model::param(const std::string& name) const {
  for (const auto& p : params_)
    if (p.name == name) return p.value;
  throw InputError(fmt::format("model has no parameter '{}'", name));
}

double Model::total_norm() const {
  c10::NoGradGuard no_grad;
  double sq = 0;
  for (const auto& param : params_) sq += param.value.to(at::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

std::vector<at::Tensor> Model::one_member_stack() const {
  std::vector<at::Tensor> one;
  for (const NamedTensor& p : params_) one.push_back(p.value.unsqueeze(0));
  return one;
}

at::Tensor Model::forward(const at::Tensor& pairs, ActivationCache* cache) const {
  ActivationCache members;
  at::Tensor logits = forward_members(one_member_stack(), pairs, cache ? &members : nullptr);  // [1, B, p]
  if (cache)
    for (auto& [name, value] : members) (*cache)[name] = value.select(0, 0);
  return logits.select(0, 0);
}

void Model::alias_member_of(const std::vector<at::Tensor>& stacked, int64_t member) {
  c10::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) params_[i].value = stacked.at(i).select(0, member);
  bind_weights();
}

void Model::to_device(const c10::Device& device) {
  c10::NoGradGuard no_grad;
  for (NamedTensor& p : params_)
    if (p.value.device() != device) p.value = p.value.to(device).requires_grad_(p.value.requires_grad());
  bind_weights();
}

at::Tensor Model::optional_param(const std::string& name) const {
  for (const auto& p : params_)
    if (p.name == name) return p.value;
  return {};
}

at::Tensor Model::optional_param(const std::vector<at::Tensor>& stacked, const std::string& name) const {
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return stacked.at(i);
  return {};
}

at::Tensor& Model::add_param(const std::string& name, at::IntArrayRef shape, std::vector<std::string> axes,
                             double scale, at::Generator& gen) {
  at::Tensor t = scale == 0.0 ? at::zeros(shape, at::kFloat) : at::randn(shape, gen, at::kFloat).mul_(scale);
  t.requires_grad_(true);
  params_.push_back({name, t, std::move(axes)});
  return params_.back().value;
}

std::vector<HookInfo> select_hooks(const Model& model, const std::string& hook_list) {
  std::vector<HookInfo> available = model.hooks();
  std::vector<std::string> wanted = split_list(hook_list);
  if (wanted.size() == 1 && wanted[0] == "all") return available;
  if (wanted.size() == 1 && wanted[0] == "default") wanted = model.default_hooks();
  std::vector<HookInfo> out;
  for (const auto& name : wanted) {
    auto it = std::find_if(available.begin(), available.end(), [&](const HookInfo& h) { return h.name == name; });
    if (it == available.end()) {
      std::string names;
      for (const auto& h : available) names += (names.empty() ? "" : " ") + h.name;
      throw InputError(fmt::format("unknown hook '{}'; this model has: {}", name, names));
    }
    out.push_back(*it);
  }
  return out;
}

at::Tensor member_matmul(const at::Tensor& x, const at::Tensor& W) {
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end() - 1);
  out_shape.push_back(W.size(2));
  return at::bmm(x.reshape({x.size(0), -1, x.size(-1)}), W).view(out_shape);
}

at::Tensor member_matmul_bf16_in_float32(const at::Tensor& x, const at::Tensor& W) {
  const auto rounded = [](const at::Tensor& t) { return t.to(at::kBFloat16).to(at::kFloat); };
  return rounded(member_matmul(rounded(x), rounded(W)));
}

at::Tensor per_member(const at::Tensor& t, int64_t rank) {
  std::vector<int64_t> shape{t.size(0)};
  shape.insert(shape.end(), static_cast<size_t>(rank - t.dim()), 1);
  shape.insert(shape.end(), t.sizes().begin() + 1, t.sizes().end());
  return t.view(shape);
}

at::Tensor activation(const at::Tensor& x, const std::string& act) {
  if (act == "relu") return at::relu(x);
  if (act == "gelu") return at::gelu(x);
  if (act == "quadratic") return x * x;
  throw InputError(fmt::format("unknown activation '{}'", act));
}

}  // namespace grok
