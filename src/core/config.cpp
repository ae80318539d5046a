// config.cpp — validation and JSON form of Config.
#include "grok/core/config.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <istream>
#include <sstream>

#include "grok/core/error.h"
#include "grok/core/group.h"
#include "grok/core/task.h"

namespace grok {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

void require_one_of(const std::string& name, const std::string& value, const std::vector<std::string>& allowed) {
  for (const auto& a : allowed)
    if (value == a) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : " | ") + a;
  throw InputError(fmt::format("{} must be one of {}, got '{}'", name, list, value));
}

}  // namespace

bool AutoFlag::parse(const std::string& text_as_given, AutoFlag& out) {
  std::string text = text_as_given;  // case-blind, as Boost's bool options are
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char ch) { return std::tolower(ch); });
  const auto is_one_of = [&](std::initializer_list<const char*> words) {
    return std::any_of(words.begin(), words.end(), [&](const char* w) { return text == w; });
  };
  if (is_one_of({"true", "1", "yes", "on", ""}))  // the words Boost accepts for a bool option
    out = AutoFlag(true);
  else if (is_one_of({"false", "0", "no", "off"}))
    out = AutoFlag(false);
  else if (text == "auto")
    out = AutoFlag();
  else
    return false;
  return true;
}

AutoFlag AutoFlag::from_text(const std::string& text) {
  AutoFlag f;
  if (!parse(text, f)) refuse(text);
  return f;
}

void AutoFlag::refuse(const std::string& given) {
  throw InputError(fmt::format("expected true, false or auto, got {}", given));
}

std::istream& operator>>(std::istream& in, AutoFlag& f) {
  std::string text;
  if (in >> text && !AutoFlag::parse(text, f)) in.setstate(std::ios::failbit);
  return in;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

std::vector<int64_t> parse_step_list(const std::string& s) { return parse_int_list(s, "step"); }

std::string join_list(const std::vector<int64_t>& values, const std::string& separator) {
  std::string s;
  for (int64_t v : values) s += (s.empty() ? "" : separator) + std::to_string(v);
  return s;
}

std::vector<int64_t> parse_int_list(const std::string& s, const std::string& what) {
  std::vector<int64_t> out;
  for (const auto& item : split_list(s)) {
    size_t used = 0;
    int64_t v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < 0) throw InputError(fmt::format("bad {} '{}' in list '{}'", what, item, s));
    out.push_back(v);
  }
  return out;
}

void validate(const Config& c) {
  // Task-level checks (unknown task, p range, prime p for div) live with the tasks.
  make_task(c.task, c.p, static_cast<uint64_t>(c.data_seed));
  require(c.frac_train > 0.0 && c.frac_train < 1.0, fmt::format("frac_train must be in (0, 1), got {}", c.frac_train));
  require(c.data_seed >= 0 && c.seed >= 0, "seeds must be non-negative");
  require(c.label_noise >= 0.0 && c.label_noise < 1.0,
          fmt::format("label_noise must be in [0, 1), got {}", c.label_noise));
  require_one_of("act", c.act, {"relu", "gelu", "quadratic"});
  require_one_of("mlp_input", c.mlp_input, {"embed", "onehot"});
  // E[a] + E[b] is symmetric in a and b, but a.b != b.a in S_n and D_n (n >= 3).
  require(c.model != "mlp" || c.mlp_input != "embed" || group_task_order(c.task) <= 2,
          fmt::format("task '{}' is a non-abelian group (a.b != b.a) but mlp_input = embed adds E[a] + E[b], which "
                      "cannot tell (a, b) from (b, a): use mlp_input = onehot",
                      c.task));
  require_one_of("optimizer", c.optimizer, {"adamw", "adam", "sgd"});
  require_one_of("loss", c.loss, {"ce", "mse", "stablemax"});
  require_one_of("grokfast", c.grokfast, {"none", "ema", "ma"});
  require(c.grokfast_alpha >= 0.0 && c.grokfast_alpha < 1.0,
          fmt::format("grokfast_alpha must be in [0, 1), got {}", c.grokfast_alpha));
  require(c.grokfast_window >= 1 && c.grokfast_window <= 100000,
          fmt::format("grokfast_window must be in 1..100000, got {}", c.grokfast_window));
  require(std::isfinite(c.grokfast_lambda), "grokfast_lambda must be finite");
  require(c.attention_rate >= 0.0 && c.attention_rate <= 1.0,
          fmt::format("attention_rate must be in [0, 1], got {}", c.attention_rate));
  require(c.attention_rate == 1.0 || c.model == "transformer",
          fmt::format("attention_rate needs model = transformer (got model = {})", c.model));
  require(!c.factored_forward.on() || factored_forward_applies(c),
          "factored_forward needs a one-layer transformer without biases");
  require_one_of("precision", c.precision, {"fp32", "bf16"});
  require_one_of("backward", c.backward, {"auto", "autograd", "manual"});
  require(c.backward != "manual" || manual_backward_applies(c), kManualBackwardNeeds);
  require(c.precision == "fp32" || c.model == "transformer",
          fmt::format("precision bf16 needs model = transformer (got model = {})", c.model));
  require(c.init_scale > 0.0 && std::isfinite(c.init_scale),
          fmt::format("init_scale must be positive, got {}", c.init_scale));
  require(!c.fixed_norm || !c.random_features,
          "fixed_norm rescales every weight, so it cannot be combined with random_features (fixed first layer)");
  require_one_of("solver", c.solver, {"gd", "min_norm"});
  require(
      !c.random_features || c.model == "mlp",
      fmt::format("random_features needs model = mlp (its first layer is what stays fixed), got model = {}", c.model));
  require(c.solver != "min_norm" || (c.model == "mlp" && c.random_features && c.loss == "mse"),
          fmt::format("solver = min_norm needs model = mlp, random_features = true and loss = mse "
                      "(got model = {}, random_features = {}, loss = {})",
                      c.model, c.random_features, c.loss));
  require(c.n_layers >= 1 && c.n_layers <= 64, fmt::format("n_layers must be in 1..64, got {}", c.n_layers));
  for (auto [name, v] :
       {std::pair{"d_model", c.d_model}, {"n_heads", c.n_heads}, {"d_head", c.d_head}, {"d_mlp", c.d_mlp}})
    require(v >= 1 && v <= 65536, fmt::format("{} must be in 1..65536, got {}", name, v));
  require(c.lr > 0.0, fmt::format("lr must be positive, got {}", c.lr));
  require(c.weight_decay >= 0.0, fmt::format("weight_decay must be >= 0, got {}", c.weight_decay));
  require(c.beta1 >= 0.0 && c.beta1 < 1.0, fmt::format("beta1 must be in [0, 1), got {}", c.beta1));
  require(c.beta2 >= 0.0 && c.beta2 < 1.0, fmt::format("beta2 must be in [0, 1), got {}", c.beta2));
  require(c.eps > 0.0, fmt::format("eps must be positive, got {}", c.eps));
  require(c.momentum >= 0.0 && c.momentum < 1.0, fmt::format("momentum must be in [0, 1), got {}", c.momentum));
  require(c.warmup_steps >= 0, "warmup_steps must be >= 0");
  require(c.batch_size >= 0, "batch_size must be >= 0 (0 = full batch)");
  require(c.steps >= 1 && c.steps <= 100'000'000, fmt::format("steps must be in 1..1e8, got {}", c.steps));
  require(c.threads >= 0 && c.threads <= 1024, "threads must be in 0..1024 (0 = all cores)");
  require_one_of("device", c.device, {"cpu", "cuda", "auto"});
  if (c.cuda_graph) {
    require(c.batch_size == 0, "cuda_graph captures one full-batch step: it needs batch_size 0");
    require(c.solver == "gd" && c.grokfast == "none" && !c.perp_grad && !c.fixed_norm,
            "cuda_graph captures a plain optimizer step: not with solver min_norm, Grokfast, perp-grad or fixed norm");
    require(c.factored_forward != AutoFlag(true) && c.backward != "manual",
            "cuda_graph captures the hooked forward and autograd: not with factored_forward true or backward manual");
  }
  require(c.stop_after_grok >= -1, "stop_after_grok must be >= -1");
  require(c.eval_every >= 1, fmt::format("eval_every must be >= 1, got {}", c.eval_every));
  for (auto [name, v] : {std::pair{"checkpoint_every", c.checkpoint_every},
                         {"checkpoint_log", c.checkpoint_log},
                         {"activation_every", c.activation_every},
                         {"activation_log", c.activation_log}})
    require(v >= 0, fmt::format("{} must be >= 0, got {}", name, v));
  parse_step_list(c.checkpoint_steps);
  parse_step_list(c.activation_steps);
  require(c.gzip >= 0 && c.gzip <= 9, fmt::format("gzip must be in 0..9, got {}", c.gzip));
}

Config with_group_order(Config c, bool p_given) {
  if (const int64_t order = group_task_order(c.task); order > 0 && !p_given) c.p = order;
  return c;
}

bool factored_forward_applies(const Config& c) { return c.model == "transformer" && c.n_layers == 1 && !c.bias; }

bool manual_backward_applies(const Config& c) {
  return factored_forward_applies(c) && (c.precision == "fp32" || c.factored_forward != AutoFlag(false));
}

Config with_implied_settings(Config c, bool on_gpu) {
  if (c.solver == "min_norm") c.steps = 1;
  // An explicit written-out backward in bf16 has only the factored pass (manual_backward_applies).
  const bool needs_factored = c.backward == "manual" && c.precision != "fp32";
  // A CUDA graph captures the hooked forward and autograd (cuda_graph; validate refuses the others).
  const bool reference_path = on_gpu || c.cuda_graph;
  if (c.factored_forward.is_auto())
    c.factored_forward = factored_forward_applies(c) && (!reference_path || needs_factored);
  if (c.backward == "auto") c.backward = !reference_path && manual_backward_applies(c) ? "manual" : "autograd";
  return c;
}

Config run_file_defaults() {
  Config c;
  c.factored_forward = false;
  c.backward = "autograd";
  return c;
}

nlohmann::ordered_json to_json(const Config& c) {
  nlohmann::ordered_json j;
  visit_fields(c, [&](const char*, const char* name, const auto& field, const char*) { j[name] = field; });
  return j;
}

namespace {

// A JSON value into a config field. An integer field takes a JSON integer, or a number with no
// fraction within int64's range (5.0): converting 2e23 to int64 is undefined behaviour, which
// nlohmann's get_to leaves to the caller (found by tests/fuzz/fuzz_config.cpp).
template <class T>
void read_field(const nlohmann::json& value, T& field) {
  value.get_to(field);
}
void read_field(const nlohmann::json& value, int64_t& field) {
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (!(std::abs(x) <= 9.2e18) || x != std::floor(x)) throw InputError("not an integer in int64's range");
    field = static_cast<int64_t>(x);
    return;
  }
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    throw InputError("not an integer in int64's range");
  value.get_to(field);  // an integer, or nlohmann's type error for anything else
}

}  // namespace

Config config_from_json(const nlohmann::json& j, Config base) {
  if (!j.is_object()) throw InputError("config JSON is not an object");
  size_t known = 0;
  visit_fields(base, [&](const char*, const char* name, auto& field, const char*) {
    if (!j.contains(name)) return;
    ++known;
    try {
      read_field(j.at(name), field);
    } catch (const nlohmann::json::exception&) {
      throw InputError(fmt::format("config value '{}' has the wrong type", name));
    } catch (const InputError& e) {
      throw InputError(fmt::format("config value '{}': {}", name, e.what()));
    }
  });
  if (known != j.size()) {
    for (const auto& item : j.items()) {
      const std::string key = item.key();
      bool found = false;
      visit_fields(base, [&](const char*, const char* name, auto&, const char*) { found |= key == name; });
      if (!found) throw InputError(fmt::format("unknown config key '{}'", key));
    }
  }
  return base;
}

}  // namespace grok
