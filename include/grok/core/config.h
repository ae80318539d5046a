// config.h — the fully resolved configuration of one training run.
//
// One flat struct, listed once in visit_fields(): the command line, INI config
// files, presets, the JSON copy in the run file and the per-key HDF5
// attributes are all generated from that single list, so a field can never be
// settable in one place and missing from another.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace grok {

// A yes/no setting that may be left to grokscope: auto picks what the run's model allows.
// with_implied_settings() resolves it before a run starts, so a run file always records true
// or false (as a JSON boolean, as a plain bool field would be). Read, it is "true", "false"
// or "auto" (also a JSON boolean, and 1 / 0 / yes / no / on / off on the command line).
class AutoFlag {
 public:
  enum class State { automatic, off, on };
  AutoFlag(State state = State::automatic) : state_(state) {}
  AutoFlag(bool on) : state_(on ? State::on : State::off) {}
  AutoFlag(const char*) = delete;  // "false" would convert to true: parse text with parse()
  bool is_auto() const { return state_ == State::automatic; }
  // True only when set (or resolved) to true: resolve auto first (with_implied_settings).
  bool on() const { return state_ == State::on; }
  bool operator==(const AutoFlag& o) const { return state_ == o.state_; }
  bool operator!=(const AutoFlag& o) const { return state_ != o.state_; }
  static bool parse(const std::string& text, AutoFlag& out);  // false for anything else
  static AutoFlag from_text(const std::string& text);         // InputError for anything else
  [[noreturn]] static void refuse(const std::string& given);  // that InputError

 private:
  State state_;
};
template <class Json>  // json and ordered_json
void to_json(Json& j, const AutoFlag& f) {
  if (f.is_auto())
    j = "auto";
  else
    j = f.on();
}
// A JSON boolean or one of the texts; InputError otherwise.
template <class Json>
void from_json(const Json& j, AutoFlag& f) {
  if (j.is_boolean())
    f = AutoFlag(j.template get<bool>());
  else if (j.is_string())
    f = AutoFlag::from_text(j.template get<std::string>());
  else
    AutoFlag::refuse(j.dump());  // a number is not a flag here, as for the bool fields
}
std::istream& operator>>(std::istream& in, AutoFlag& f);  // the command line and INI files (Boost)

struct Config {
  // -- task
  std::string task = "add";
  int64_t p = 113;
  double frac_train = 0.3;
  int64_t data_seed = 0;
  double label_noise = 0.0;
  // -- model
  std::string model = "transformer";
  int64_t n_layers = 1;
  int64_t d_model = 128;
  int64_t n_heads = 4;
  int64_t d_head = 32;
  int64_t d_mlp = 512;
  std::string act = "relu";
  bool bias = false;
  std::string mlp_input = "embed";
  bool random_features = false;
  double attention_rate = 1.0;
  double init_scale = 1.0;
  AutoFlag factored_forward;  // auto: on for a one-layer transformer without biases
  std::string precision = "fp32";
  std::string backward = "auto";  // auto: manual where manual_backward_applies
  // -- optimisation
  std::string loss = "ce";
  std::string solver = "gd";
  std::string optimizer = "adamw";
  double lr = 1e-3;
  double weight_decay = 1.0;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double eps = 1e-8;
  double momentum = 0.0;
  std::string grokfast = "none";
  double grokfast_alpha = 0.98;
  double grokfast_lambda = 2.0;
  int64_t grokfast_window = 100;
  bool perp_grad = false;
  bool fixed_norm = false;
  int64_t warmup_steps = 10;
  int64_t batch_size = 0;
  int64_t steps = 40000;
  int64_t seed = 0;
  int64_t threads = 0;
  std::string device = "auto";
  bool cuda_graph = false;  // the step as one CUDA graph (step_graph.h)
  int64_t stop_after_grok = -1;
  // -- recording
  int64_t eval_every = 10;
  int64_t checkpoint_every = 100;
  int64_t checkpoint_log = 0;
  std::string checkpoint_steps;
  bool checkpoint_optimizer = false;
  int64_t activation_every = 0;
  int64_t activation_log = 20;
  std::string activation_steps;
  std::string hooks = "default";
  int64_t gzip = 1;  // libdeflate level 1: 3x level 4's speed, and smaller activations than zlib's 4
};

// Calls v(section, name, field, help) for every field, in a fixed order.
// `name` uses underscores; the command-line flag is the same with dashes.
template <class C, class V>
void visit_fields(C& c, V&& v) {
  v("Task", "task", c.task,
    "task: add sub mul div x2y2 x2xyy2 x2xyy2x x3xy x3xy2y rand, or a group: s2..s5 (S_N), d3..d1024 (D_N)");
  v("Task", "p", c.p,
    "modulus; inputs are pairs (a, b) with a, b in 0..p-1 (group tasks: the group's order, set by the task)");
  v("Task", "frac_train", c.frac_train, "fraction of the valid pairs used for training, in (0, 1)");
  v("Task", "data_seed", c.data_seed, "seed of the train/test split (and of the rand task's table)");
  v("Task", "label_noise", c.label_noise,
    "fraction of the train pairs trained on a uniformly random wrong label, in [0, 1); drawn from data_seed; "
    "test labels stay clean");
  v("Model", "model", c.model, "model family (listed under \"Models\" below)");
  v("Model", "n_layers", c.n_layers, "transformer blocks");
  v("Model", "d_model", c.d_model, "residual stream width (MLP: embedding width when mlp_input = embed)");
  v("Model", "n_heads", c.n_heads, "attention heads per block");
  v("Model", "d_head", c.d_head, "width of one attention head");
  v("Model", "d_mlp", c.d_mlp, "MLP hidden width");
  v("Model", "act", c.act, "MLP activation: relu | gelu | quadratic");
  v("Model", "bias", c.bias, "give every linear map a trainable bias (TransformerLens b_* names)");
  v("Model", "mlp_input", c.mlp_input,
    "MLP family input: embed (E[a] + E[b]) | onehot (concat one_hot(a), one_hot(b))");
  v("Model", "random_features", c.random_features,
    "mlp only: the first layer (W_E, W_in, b_in) stays at its random init; only the readout (W_U, b_U) is trained");
  v("Model", "attention_rate", c.attention_rate,
    "transformer: attention = rate * softmax(scores) + (1 - rate), in [0, 1] (Zhong et al. 2023; 1 = ordinary "
    "attention, 0 = constant attention: every key weighted 1)");
  v("Model", "init_scale", c.init_scale, "every initial weight multiplied by this (Omnigrok's alpha; 1 = standard)");
  v("Model", "factored_forward", c.factored_forward,
    "true | false | auto (the default: true where it applies). One-layer transformer without biases: train and "
    "evaluate through per-token tables (the same function, ~2.2x fewer FLOPs for nanda2023, different rounding; "
    "activation snapshots use the hooked forward)");
  v("Model", "precision", c.precision,
    "transformer: fp32 | bf16 (the products whose cost grows with the batch, MLP and unembedding, take "
    "bfloat16 operands and give bfloat16 results; weights, optimizer, attention and loss stay float32/float64; "
    "changes the dynamics, see README)");
  v("Model", "backward", c.backward,
    "auto (the default: manual where it applies, autograd otherwise) | autograd (the reference) | manual "
    "(one-layer transformer without biases, in fp32, or in bf16 with the factored forward: the training forward "
    "at the last position and its gradient "
    "written out, no autograd graph; the same maths, different rounding, faster; model/transformer_backward.cpp; "
    "training steps only: evaluation goes through the forward factored_forward selects)");
  v("Optimisation", "loss", c.loss,
    "ce (mean cross-entropy, nats) | mse (sum of (logit - one_hot(label))^2 / (pairs * p)) | stablemax "
    "(mean cross-entropy of StableMax probabilities, Prieto et al. 2025); float64; also the train_loss/test_loss "
    "metrics");
  v("Optimisation", "solver", c.solver,
    "gd (optimizer steps) | min_norm (mlp, random_features, loss = mse: readout = pinv(features) @ one_hot "
    "labels, ridge when weight_decay > 0; steps is set to 1)");
  v("Optimisation", "optimizer", c.optimizer, "adamw | adam | sgd");
  v("Optimisation", "lr", c.lr, "peak learning rate");
  v("Optimisation", "weight_decay", c.weight_decay, "weight decay (decoupled for adamw, L2 for adam and sgd)");
  v("Optimisation", "beta1", c.beta1, "Adam beta1");
  v("Optimisation", "beta2", c.beta2, "Adam beta2");
  v("Optimisation", "eps", c.eps, "Adam epsilon");
  v("Optimisation", "momentum", c.momentum, "SGD momentum");
  v("Optimisation", "grokfast", c.grokfast,
    "gradient filter before the optimizer (Lee et al. 2024): none | ema (g + lambda * EMA_alpha(g)) | ma "
    "(g + lambda * mean of the last grokfast_window gradients, once the window is full)");
  v("Optimisation", "grokfast_alpha", c.grokfast_alpha, "grokfast = ema: EMA momentum alpha, in [0, 1)");
  v("Optimisation", "grokfast_lambda", c.grokfast_lambda,
    "grokfast: amplification lambda (the paper's settings: ema 2, ma 5)");
  v("Optimisation", "grokfast_window", c.grokfast_window, "grokfast = ma: window length w");
  v("Optimisation", "perp_grad", c.perp_grad,
    "project each gradient tensor orthogonal to its weights, rescaled to the gradient's norm, before the optimizer "
    "(Prieto et al. 2025's perp-grad; after grokfast when both are on)");
  v("Optimisation", "fixed_norm", c.fixed_norm,
    "after every update rescale all weights so that ||theta|| stays at its initial value (Omnigrok)");
  v("Optimisation", "warmup_steps", c.warmup_steps, "linear warm-up: lr * min(1, (step + 1) / warmup_steps)");
  v("Optimisation", "batch_size", c.batch_size, "train pairs per step; 0 = full batch (one step = one epoch)");
  v("Optimisation", "steps", c.steps, "optimizer steps to train");
  v("Optimisation", "seed", c.seed, "model seed (initial weights)");
  v("Optimisation", "threads", c.threads,
    "intra-op threads; 0 = all cores (results are deterministic per thread count)");
  v("Optimisation", "device", c.device,
    "where to train: cpu, cuda (the first GPU; needs a CUDA build of LibTorch) or auto (cuda when there is one)");
  v("Optimisation", "cuda_graph", c.cuda_graph,
    "on a GPU, capture the training step (forward, loss, backward, update) as one CUDA graph once the learning "
    "rate is constant, and replay it (full batch; the hooked forward and autograd; no Grokfast, perp-grad or "
    "fixed norm); elsewhere the same schedule runs the step directly");
  v("Optimisation", "stop_after_grok", c.stop_after_grok,
    "stop this many steps after test accuracy first reaches 99%; -1 = train all steps");
  v("Recording", "eval_every", c.eval_every, "evaluate and append a metrics row every N steps");
  v("Recording", "checkpoint_every", c.checkpoint_every, "checkpoint weights every N steps (0 = off)");
  v("Recording", "checkpoint_log", c.checkpoint_log, "also checkpoint at N log-spaced steps (0 = off)");
  v("Recording", "checkpoint_steps", c.checkpoint_steps, "also checkpoint at these steps (comma-separated)");
  v("Recording", "checkpoint_optimizer", c.checkpoint_optimizer,
    "store optimizer state at every checkpoint (default: only in the resume slots)");
  v("Recording", "activation_every", c.activation_every, "record activations every N steps (0 = off)");
  v("Recording", "activation_log", c.activation_log, "record activations at N log-spaced steps (0 = off)");
  v("Recording", "activation_steps", c.activation_steps, "record activations at these steps (comma-separated)");
  v("Recording", "hooks", c.hooks,
    "hook points to record on the full grid (comma-separated TransformerLens names; "
    "'default' = the last MLP's hook_post and logits; 'all' = every hook)");
  v("Recording", "gzip", c.gzip, "deflate level for checkpoints and activations (0 = none, 1-9)");
}

// Throws InputError with a one-line message for any out-of-range value.
void validate(const Config& c);

// The settings one option implies, applied by the trainer (new runs and
// resumes) and by every model built from a config: solver = min_norm is one
// "step" (the solve), so steps = 1; factored_forward = auto and backward = auto
// become the fast paths where the model has them (factored_forward_applies,
// manual_backward_applies), the hooked forward and autograd elsewhere. `on_gpu`:
// the run trains on a GPU, where auto keeps the hooked forward and autograd — the
// factored forward's kernel is CPU code (off the CPU table_mix falls back to ATen ops
// that materialise a [K, H, n, B, W] tensor) and neither fast path is measured there.
Config with_implied_settings(Config c, bool on_gpu = false);

// The model has a factored forward (transformer.h): one layer, no biases.
bool factored_forward_applies(const Config& c);
// ... and a written-out backward (transformer_backward.cpp): the same, in fp32 or, in bf16, with
// the factored forward (auto counts as on: it resolves so for such a model).
bool manual_backward_applies(const Config& c);
inline constexpr const char* kManualBackwardNeeds =
    "backward = manual needs a one-layer transformer without biases, in fp32 or with the factored forward";

// What a run file that does not name a setting was trained with: files written before
// factored_forward and backward existed (or defaulted to auto) used the hooked forward and
// autograd. RunReader reads every run file's config over these.
Config run_file_defaults();

// A group task (sN, dN: core/group.h) fixes the grid: p becomes the group's order
// unless p was given explicitly (`p_given`: a flag or a config-file key), in which
// case a different p is left for validate() to reject in one line.
Config with_group_order(Config c, bool p_given);

nlohmann::ordered_json to_json(const Config& c);
// Unknown keys are an error; missing keys keep `base`'s values.
Config config_from_json(const nlohmann::json& j, Config base = {});

// Comma-separated list helpers ("a,b, c" -> {"a","b","c"}).
std::vector<std::string> split_list(const std::string& s);
std::vector<int64_t> parse_step_list(const std::string& s);
// "9,10,15" (or with `separator` ", "); the inverse of parse_int_list.
std::string join_list(const std::vector<int64_t>& values, const std::string& separator = ",");
// Non-negative integers, comma-separated; InputError naming `what` for a bad item.
std::vector<int64_t> parse_int_list(const std::string& s, const std::string& what);

}  // namespace grok
