// model.h — the model interface shared by the transformer and MLP families.
//
// A model maps input pairs (a, b) to logits over the p answers. Parameters
// are plain tensors with TransformerLens names ("blocks.0.attn.W_Q") in a
// fixed order, so checkpoints, optimizer state and norms all index them the
// same way. Activations are read at the last position only (the '=' token of
// a transformer), under TransformerLens hook names.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grok/config.h"

namespace grok {

struct NamedTensor {
  std::string name;
  at::Tensor value;
};

// Hook name -> activation at the last position, shape [B, ...].
using ActivationCache = std::map<std::string, at::Tensor>;

// One hook point: its name and the axes after the batch axis.
struct HookInfo {
  std::string name;
  std::vector<int64_t> shape;          // trailing shape, e.g. {n_heads, d_head}
  std::vector<std::string> axis_names; // e.g. {"head", "d_head"}
};

class Model {
 public:
  virtual ~Model() = default;
  // pairs: [B, 2] int64 (a, b)  ->  logits: [B, p] float32.
  // When `cache` is given, every hook point is recorded into it (no copies of
  // parameters; activations keep their autograd history unless under NoGradGuard).
  virtual at::Tensor forward(const at::Tensor& pairs, ActivationCache* cache = nullptr) const = 0;
  virtual std::vector<HookInfo> hooks() const = 0;

  std::vector<NamedTensor>& parameters() { return params_; }
  const std::vector<NamedTensor>& parameters() const { return params_; }
  const at::Tensor& param(const std::string& name) const;
  int64_t parameter_count() const;

 protected:
  // Registers a trainable parameter drawn from N(0, 1) * scale (scale 0: zeros).
  at::Tensor& add_param(const std::string& name, at::IntArrayRef shape, double scale, at::Generator& gen);
  std::vector<NamedTensor> params_;
};

// Builds and initialises the model the config names, seeded by config.seed.
std::unique_ptr<Model> make_model(const Config& config);

// The hooks named in config.hooks ("all" expands to every hook); throws
// InputError naming the first unknown hook.
std::vector<HookInfo> select_hooks(const Model& model, const std::string& hook_list);

// Applies config.act.
at::Tensor activation(const at::Tensor& x, const std::string& act);

}  // namespace grok
