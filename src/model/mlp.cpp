// mlp.cpp — forward pass of the two-layer MLP family.
// Shapes: B pairs, P = p, D = d_model, M = d_mlp.
#include "grok/model/mlp.h"

#include <fmt/core.h>

#include <cmath>

namespace grok {

Mlp::Mlp(const Config& c) : Model(c) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(c.seed));
  const bool embed = c.mlp_input == "embed";
  const int64_t fan_in = embed ? c.d_model : 2 * c.p;
  if (embed)
    add_param("embed.W_E", {c.p, c.d_model}, {"d_vocab", "d_model"}, 1.0 / std::sqrt(static_cast<double>(c.d_model)),
              gen);
  add_param("mlp.W_in", {fan_in, c.d_mlp}, {embed ? "d_model" : "input", "d_mlp"},
            1.0 / std::sqrt(static_cast<double>(fan_in)), gen);
  if (c.bias) add_param("mlp.b_in", {c.d_mlp}, {"d_mlp"}, 0.0, gen);
  add_param("unembed.W_U", {c.d_mlp, c.p}, {"d_mlp", "d_vocab_out"}, 1.0 / std::sqrt(static_cast<double>(c.d_mlp)),
            gen);
  readout_ = {"mlp.hook_post", params_.size() - 1, std::nullopt};
  if (c.bias) {
    add_param("unembed.b_U", {c.p}, {"d_vocab_out"}, 0.0, gen);
    readout_.bias = params_.size() - 1;
  }
  bind_weights();
}

void Mlp::bind_weights() {
  W_E = optional_param("embed.W_E");
  W_in = param("mlp.W_in");
  b_in = optional_param("mlp.b_in");
  W_U = param("unembed.W_U");
  b_U = optional_param("unembed.b_U");
}

at::Tensor Mlp::forward_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                                ActivationCache* cache) const {
  auto find = [&](const std::string& name) { return optional_param(stacked, name); };  // [K, ...]
  const at::Tensor E = find("embed.W_E"), Win = find("mlp.W_in"), bin = find("mlp.b_in"), U = find("unembed.W_U"),
                   bU = find("unembed.b_U");
  const at::Tensor a = pairs.select(1, 0), b = pairs.select(1, 1);  // [B]
  at::Tensor pre;                                                   // [K, B, M]
  if (E.defined()) {
    at::Tensor embed = E.index_select(1, a) + E.index_select(1, b);  // [K, B, D]
    if (cache) (*cache)["hook_embed"] = embed;
    pre = member_matmul(embed, Win);
  } else {
    // A one-hot input times W_in is a row lookup.
    pre = Win.index_select(1, a) + Win.index_select(1, b + config_.p);
  }
  if (bin.defined()) pre = pre + per_member(bin, pre.dim());
  at::Tensor post = activation(pre, config_.act);
  at::Tensor logits = member_matmul(post, U);  // [K, B, P]
  if (bU.defined()) logits = logits + per_member(bU, logits.dim());
  if (cache) {
    (*cache)["mlp.hook_pre"] = pre;
    (*cache)["mlp.hook_post"] = post;
    (*cache)["logits"] = logits;
  }
  return logits;
}

std::vector<HookInfo> Mlp::hooks() const {
  std::vector<HookInfo> h;
  if (W_E.defined()) h.push_back({"hook_embed", {config_.d_model}, {"d_model"}});
  h.push_back({"mlp.hook_pre", {config_.d_mlp}, {"d_mlp"}});
  h.push_back({"mlp.hook_post", {config_.d_mlp}, {"d_mlp"}});
  h.push_back({"logits", {config_.p}, {"d_vocab_out"}});
  return h;
}

// ---- anatomy (model.h)

std::string Mlp::describe() const {
  const Config& c = config_;
  const std::string input = W_E.defined() ? fmt::format("embedded input (d_model {})", c.d_model) : "one-hot input";
  return fmt::format("mlp: {}, d_mlp {}, {}{}", input, c.d_mlp, c.act, c.bias ? ", biases" : "");
}

std::vector<std::string> Mlp::default_hooks() const { return {"mlp.hook_post", "logits"}; }

std::string Mlp::neuron_hook() const {
  // x^2 doubles frequencies: a quadratic model's neurons are read before the square.
  return config_.act == "quadratic" ? "mlp.hook_pre" : "mlp.hook_post";
}

at::Tensor Mlp::number_embedding() const {
  c10::NoGradGuard no_grad;
  // One-hot input: the a-rows of W_in are the embedding (into neuron space).
  return (W_E.defined() ? W_E : W_in).slice(0, 0, config_.p).to(at::kDouble);  // [p, D] or [p, M]
}

at::Tensor Mlp::neuron_input_map() const {
  c10::NoGradGuard no_grad;
  if (!W_E.defined()) return W_in.slice(0, 0, config_.p).to(at::kDouble);  // [p, M]
  return at::matmul(number_embedding(), W_in.to(at::kDouble));             // [p, M]
}

at::Tensor Mlp::neuron_input_map_b() const {
  c10::NoGradGuard no_grad;
  if (!W_E.defined()) return W_in.slice(0, config_.p, 2 * config_.p).to(at::kDouble);  // [p, M]
  return neuron_input_map();                                                           // a and b share the embedding
}

at::Tensor Mlp::neuron_logit_map() const {
  c10::NoGradGuard no_grad;
  return W_U.to(at::kDouble);  // [M, P]
}

OperandRows Mlp::operand_rows() const {
  // Parameter 0 is W_E (embedded: a and b share its rows) or W_in (one-hot: b reads rows p..2p-1).
  return W_E.defined() ? OperandRows{0, 0, 0} : OperandRows{0, 0, config_.p};
}

}  // namespace grok
