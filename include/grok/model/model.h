// model.h — the model interface shared by every model family, and its anatomy.
//
// A model maps input pairs (a, b) to logits over the p answers. Parameters
// are plain tensors with TransformerLens names ("blocks.0.attn.W_Q") and named
// axes, in a fixed order, so checkpoints, optimizer state and norms all index
// them the same way. Activations are read at the last position only (the '='
// token of a transformer), under TransformerLens hook names.
//
// The anatomy (number_embedding, neuron_input_map, neuron_logit_map, ...) is
// what analyses ask a model, in the spirit of TransformerLens' W_E / W_in /
// W_U accessors: each family answers in its own file, so no analysis, writer
// or report parses or builds a parameter or hook name.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>  // c10::NoGradGuard (LibTorch 2.x no longer has at::NoGradGuard)

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grok/core/config.h"

namespace grok {

struct NamedTensor {
  std::string name;
  at::Tensor value;
  std::vector<std::string> axes;  // one name per axis (parameters and their optimizer state); may be empty
};

// Hook name -> activation at the last position, shape [B, ...].
using ActivationCache = std::map<std::string, at::Tensor>;

// One hook point: its name and the axes after the batch axis.
struct HookInfo {
  std::string name;
  std::vector<int64_t> shape;           // trailing shape, e.g. {n_heads, d_head}
  std::vector<std::string> axis_names;  // e.g. {"head", "d_head"}
};

// Where the operands enter: rows of one input parameter (for gradients with
// respect to "the embedding of a" and "of b").
struct OperandRows {
  size_t parameter = 0;  // index into parameters()
  int64_t a_offset = 0;  // operand a reads row a + a_offset
  int64_t b_offset = 0;  // operand b reads row b + b_offset
};

// The last layer, when it is affine in one hook's activations:
// logits = features @ parameters()[weight] (+ parameters()[*bias]).
struct Readout {
  std::string features_hook;   // activations [B, d] that feed it
  size_t weight = 0;           // index into parameters(), [d, p]
  std::optional<size_t> bias;  // index into parameters(), [p], if the model has one
};

// The attention pattern from the last query position, when the model has one.
struct AttentionSite {
  std::string hook;  // activation [B, heads, keys]
  int64_t heads = 0;
  std::vector<std::string> key_names;  // one per key position, e.g. {"a", "b", "="}
};

// The training forward of K members with its backward written out (config.backward = manual):
// no autograd graph is built, and the gradient comes from the saved activations in one pass.
class ManualPass {
 public:
  virtual ~ManualPass() = default;
  // [K, B, p] float32: the same function as Model::forward_members on the same pairs.
  const at::Tensor& logits() const { return logits_; }
  // d_logits = d loss / d logits [K, B, p]  ->  d loss / d parameter for every stacked
  // parameter, in parameters() order, each shaped like its stack [K, ...].
  virtual std::vector<at::Tensor> gradients(const at::Tensor& d_logits) const = 0;

 protected:
  at::Tensor logits_;
};

class Model {
 public:
  // The config as resolved for a run (factored_forward / backward = auto settled).
  explicit Model(const Config& config) : config_(with_implied_settings(config)) {}
  virtual ~Model() = default;
  const Config& config() const { return config_; }
  int64_t p() const { return config_.p; }

  // pairs: [B, 2] int64 (a, b)  ->  logits: [B, p] float32.
  // When `cache` is given, every hook point is recorded into it (no copies of
  // parameters; activations keep their autograd history unless under NoGradGuard).
  // It is forward_members() of this one model (K = 1), so a model trained alone and the
  // same model trained as a member of many compute the same numbers by the same kernels.
  at::Tensor forward(const at::Tensor& pairs, ActivationCache* cache = nullptr) const;
  // parameters() as a stack of this one member: [1, ...] views, for forward_members() and
  // logits_members() (they keep autograd history to the parameters).
  std::vector<at::Tensor> one_member_stack() const;
  // K models of this family and config at once (an ensemble: many seeds in one batched
  // model). stacked[i] is parameters()[i] of every member along a leading member axis
  // [K, ...]; pairs [B, 2] (shared)  ->  logits [K, B, p]; hooks [K, B, ...]. Every
  // product is a batched matmul over the member axis, so member k computes exactly what
  // forward() of that model alone computes (tested bit for bit, and on gradients).
  virtual at::Tensor forward_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                                     ActivationCache* cache = nullptr) const = 0;
  // Logits only (no hooks), as training and evaluation need them: the family's fastest forward
  // that computes the same function (config.factored_forward), forward_members() by default.
  virtual at::Tensor logits_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs) const {
    return forward_members(stacked, pairs);
  }
  // The training forward whose backward is written out (config.backward = manual), for the
  // families that have one (config validation admits no other); nullptr by default.
  virtual std::unique_ptr<ManualPass> manual_pass(const std::vector<at::Tensor>& /*stacked*/,
                                                  const at::Tensor& /*pairs*/) const {
    return nullptr;
  }
  virtual std::vector<HookInfo> hooks() const = 0;
  // One line for people: the family and its shape ("transformer: 1 layer, d_model 128, ...").
  virtual std::string describe() const = 0;
  // The hooks recorded by default: what the progress measures read (N and logits).
  virtual std::vector<std::string> default_hooks() const = 0;

  // ---- anatomy. Weight maps are float64 copies without autograd history.
  // The vector number x in 0..p-1 enters the model as: [p, d] (W_E[:p]; for a
  // one-hot MLP the a-rows of W_in).
  virtual at::Tensor number_embedding() const = 0;
  // How a number reaches the neurons' pre-activations (Nanda's W_neur): [p, d_mlp].
  virtual at::Tensor neuron_input_map() const = 0;
  // How operand b reaches the neurons, [p, d_mlp]: neuron_input_map() (operand a's) unless
  // the family reads a and b through different weights (the one-hot MLP's b-rows of W_in).
  virtual at::Tensor neuron_input_map_b() const { return neuron_input_map(); }
  // The hook whose activations the neuron analyses call N, [B, d_mlp].
  virtual std::string neuron_hook() const = 0;
  // W_L: from the neurons of neuron_hook() to the logits, [d_mlp, p].
  virtual at::Tensor neuron_logit_map() const = 0;
  // The attention read from the last position, if the family has attention.
  virtual std::optional<AttentionSite> attention_site() const { return std::nullopt; }
  // True when the operands only meet as a sum of their separate inputs
  // (W_in[a] + W_in[p + b]): then d logit / d input(a) and d input(b) agree
  // by construction and gradient symmetricity measures nothing.
  virtual bool operands_enter_additively() const = 0;
  virtual OperandRows operand_rows() const = 0;
  // The readout layer, for random-features training (only it is trained) and
  // the closed-form readout solve; none by default.
  virtual std::optional<Readout> readout() const { return std::nullopt; }

  std::vector<NamedTensor>& parameters() { return params_; }
  const std::vector<NamedTensor>& parameters() const { return params_; }
  // A parameter by its TransformerLens name, for tests and scripts (analyses
  // use the anatomy above); InputError if there is none.
  const at::Tensor& param(const std::string& name) const;
  int64_t parameter_count() const;
  // ||theta||: the square root of the summed squared Frobenius norms (float64).
  double total_norm() const;
  // Makes this model member `member` of an ensemble: each parameter becomes that member's
  // slice of stacked[i] ([K, ...], parameters() order; a view without autograd history, so
  // updates of the stack show here and checkpoints, norms and the anatomy read them).
  void alias_member_of(const std::vector<at::Tensor>& stacked, int64_t member);
  // Moves every parameter to `device` (a copy that requires gradients as before) and rebinds
  // the family's named handles to the moved tensors. Call it before anything else (an optimizer,
  // a test) keeps a parameter tensor: those keep the old one.
  void to_device(const c10::Device& device);
  // Where the parameters live (the CPU until to_device()).
  c10::Device device() const { return params_.empty() ? c10::Device(c10::kCPU) : params_.front().value.device(); }

 protected:
  // Points the family's named handles (W_E, blocks' W_in, ...) at the tensors in params_;
  // a family's constructor calls it last, and to_device() after moving them. A family that
  // reads params_ directly keeps this no-op.
  virtual void bind_weights() {}
  // The parameter `name`, or an undefined tensor when the model has none (an optional bias).
  at::Tensor optional_param(const std::string& name) const;
  // The same parameter's entry in `stacked` (parameters() order, as forward_members gets it).
  at::Tensor optional_param(const std::vector<at::Tensor>& stacked, const std::string& name) const;
  // Registers a trainable parameter drawn from N(0, 1) * scale (scale 0: zeros),
  // with one name per axis (written to the run file as dimension scales).
  at::Tensor& add_param(const std::string& name, at::IntArrayRef shape, std::vector<std::string> axes, double scale,
                        at::Generator& gen);
  Config config_;
  std::vector<NamedTensor> params_;
};

// A model family: its name (config.model), one line about it, and its constructor.
struct ModelFamily {
  std::string name;
  std::string description;
  std::unique_ptr<Model> (*build)(const Config& config);
};
// Every family, in --help order (model/registry.cpp).
const std::vector<ModelFamily>& model_families();
// "Models:" and one line per family, for --help.
std::string models_listing();

// Builds and initialises the model the config names, seeded by config.seed, every
// initial weight multiplied by config.init_scale; InputError naming the known
// families for an unknown name.
std::unique_ptr<Model> make_model(const Config& config);

// The hooks named in config.hooks ("all" expands to every hook); throws
// InputError naming the first unknown hook.
std::vector<HookInfo> select_hooks(const Model& model, const std::string& hook_list);

// x [K, ..., D] @ W [K, D, N] -> [K, ..., N]: one matmul per member (a batched matmul;
// for K = 1 the same BLAS call as x[0] @ W[0]).
at::Tensor member_matmul(const at::Tensor& x, const at::Tensor& W);
// member_matmul of float32 x and W in bfloat16 arithmetic: both operands and the result rounded to
// bfloat16, the sums in float32 (as oneDNN's bfloat16 products and tensor cores compute), done as
// float32 products, for CPUs without bfloat16 instructions: a product of two bfloat16 numbers is
// exact in float32. Autograd rounds the gradients at the same points (the casts' backward).
at::Tensor member_matmul_bf16_in_float32(const at::Tensor& x, const at::Tensor& W);
// t [K, ...] viewed as [K, 1, ..., 1, ...] of `rank` dimensions, to broadcast a member's
// bias over the axes between the member axis and its own.
at::Tensor per_member(const at::Tensor& t, int64_t rank);

// Applies config.act.
at::Tensor activation(const at::Tensor& x, const std::string& act);

}  // namespace grok
