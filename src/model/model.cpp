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

at::Tensor activation(const at::Tensor& x, const std::string& act) {
  if (act == "relu") return at::relu(x);
  if (act == "gelu") return at::gelu(x);
  if (act == "quadratic") return x * x;
  throw InputError(fmt::format("unknown activation '{}'", act));
}

}  // namespace grok
