// model.cpp — parameter registry, model factory and hook selection.
#include "grok/model.h"

#include <fmt/core.h>

#include "grok/error.h"
#include "grok/mlp.h"
#include "grok/transformer.h"

namespace grok {

const at::Tensor& Model::param(const std::string& name) const {
  for (const auto& p : params_)
    if (p.name == name) return p.value;
  throw InputError(fmt::format("model has no parameter '{}'", name));
}

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p.value.numel();
  return n;
}

at::Tensor& Model::add_param(const std::string& name, at::IntArrayRef shape, double scale, at::Generator& gen) {
  at::Tensor t = scale == 0.0 ? at::zeros(shape, at::kFloat) : at::randn(shape, gen, at::kFloat).mul_(scale);
  t.requires_grad_(true);
  params_.push_back({name, t});
  return params_.back().value;
}

std::unique_ptr<Model> make_model(const Config& config) {
  if (config.model == "transformer") return std::make_unique<Transformer>(config);
  if (config.model == "mlp") return std::make_unique<Mlp>(config);
  throw InputError(fmt::format("unknown model '{}'", config.model));
}

std::vector<HookInfo> select_hooks(const Model& model, const std::string& hook_list) {
  std::vector<HookInfo> available = model.hooks();
  std::vector<std::string> wanted = split_list(hook_list);
  if (wanted.size() == 1 && wanted[0] == "all") return available;
  if (wanted.size() == 1 && wanted[0] == "default") {
    // The neuron activations N and the logits L that the progress measures read.
    std::vector<HookInfo> out;
    for (const auto& h : available) {
      bool is_mlp_post = h.name.size() >= 13 && h.name.compare(h.name.size() - 13, 13, "mlp.hook_post") == 0;
      if (is_mlp_post) out = {h};  // the last block's
    }
    out.push_back(available.back());  // logits
    return out;
  }
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
