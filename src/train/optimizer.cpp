// optimizer.cpp — AdamW / Adam / SGD updates (see optimizer.h).
#include "grok/train/optimizer.h"

#include <cmath>

namespace grok {

Optimizer::Optimizer(const Config& config, std::vector<NamedTensor>& params, bool member_axis)
    : config_(config), params_(params), member_axis_(member_axis) {
  for (const auto& p : params_) {
    if (config_.optimizer == "sgd") {
      momentum_.push_back(at::zeros_like(p.value));
    } else {
      exp_avg_.push_back(at::zeros_like(p.value));
      exp_avg_sq_.push_back(at::zeros_like(p.value));
    }
  }
  if (config_.grokfast != "none") grokfast_.emplace(config_, params_, member_axis_);
}

double learning_rate(const Config& config, int64_t step) {
  if (config.warmup_steps <= 0) return config.lr;
  return config.lr * std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(config.warmup_steps));
}

bool learning_rate_constant(const Config& config, int64_t step) {
  return config.warmup_steps <= 0 || step + 1 >= config.warmup_steps;
}

void Optimizer::zero_grad() {
  for (auto& p : params_) {
    at::Tensor g = p.value.mutable_grad();
    if (g.defined()) g.zero_();
  }
}

void Optimizer::keep_members(const at::Tensor& index) {
  c10::NoGradGuard no_grad;
  for (std::vector<at::Tensor>* buffers : {&exp_avg_, &exp_avg_sq_, &momentum_})
    for (at::Tensor& b : *buffers) b = b.index_select(0, index);
  if (grokfast_) grokfast_->keep_members(index);
}

void Optimizer::set_step_count(int64_t n) {
  step_count_ = n;
  if (device_step_count_.defined()) device_step_count_.fill_(static_cast<double>(n));
}

void Optimizer::count_on_device() {
  if (grokfast_) throw std::logic_error("count_on_device: Grokfast reads the step count on the host");
  const at::Device device = params_.empty() ? at::Device(at::kCPU) : params_.front().value.device();
  device_step_count_ =
      at::full({}, static_cast<double>(step_count_), at::TensorOptions().dtype(at::kDouble).device(device));
}

void Optimizer::step(double lr) {
  c10::NoGradGuard no_grad;
  if (device_step_count_.defined())
    device_step_count_.add_(1.0);
  else
    ++step_count_;
  if (grokfast_) grokfast_->apply(params_, step_count_);
  for (size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& param = params_[i].value;
    if (!param.grad().defined()) continue;
    const at::Tensor grad = !config_.perp_grad ? param.grad()
                            : member_axis_     ? orthogonal_gradient_per_member(param, param.grad())
                                               : orthogonal_gradient(param, param.grad());
    if (config_.optimizer == "sgd")
      sgd_update(param, grad, i, lr);
    else
      adam_update(param, grad, i, lr);
  }
}

void Optimizer::adam_update(at::Tensor& param, const at::Tensor& grad_in, size_t i, double lr) {
  const double b1 = config_.beta1, b2 = config_.beta2, wd = config_.weight_decay;
  at::Tensor grad = grad_in;
  if (config_.optimizer == "adamw")
    param.mul_(1.0 - lr * wd);  // decoupled weight decay (Loshchilov & Hutter)
  else if (wd != 0.0)
    grad = grad.add(param, wd);  // Adam: L2 penalty folded into the gradient
  at::Tensor& m = exp_avg_[i];
  at::Tensor& v = exp_avg_sq_[i];
  m.mul_(b1).add_(grad, 1.0 - b1);
  v.mul_(b2).addcmul_(grad, grad, 1.0 - b2);
  if (device_step_count_.defined()) {
    // PyTorch's capturable Adam: the bias corrections as tensors, so a replayed graph reads the
    // step it runs; -lr / bc1 folded into the denominator, whose quotient addcdiv_ then adds.
    const at::Tensor t = device_step_count_;
    const at::Tensor neg_step_size = -lr / (1.0 - at::pow(b1, t));  // [] float64
    const at::Tensor bias_correction2_sqrt = (1.0 - at::pow(b2, t)).sqrt();
    param.addcdiv_(m, (v.sqrt() / (bias_correction2_sqrt * neg_step_size)).add_(config_.eps / neg_step_size));
    return;
  }
  const double t = static_cast<double>(step_count_);
  const double bias_correction1 = 1.0 - std::pow(b1, t);
  const double bias_correction2 = 1.0 - std::pow(b2, t);
  at::Tensor denom = (v.sqrt() / std::sqrt(bias_correction2)).add_(config_.eps);
  param.addcdiv_(m, denom, -lr / bias_correction1);
}

void Optimizer::sgd_update(at::Tensor& param, const at::Tensor& grad_in, size_t i, double lr) {
  at::Tensor grad = config_.weight_decay != 0.0 ? grad_in.add(param, config_.weight_decay) : grad_in;
  if (config_.momentum != 0.0) {
    at::Tensor& buf = momentum_[i];
    // PyTorch starts the buffer at the first gradient rather than at zero. (With the count on
    // the device the host count is this step's only after it: count_on_device.)
    if (step_count_ + (device_step_count_.defined() ? 1 : 0) == 1)
      buf.copy_(grad);
    else
      buf.mul_(config_.momentum).add_(grad);
    grad = buf;
  }
  param.add_(grad, -lr);
}

std::vector<NamedTensor> Optimizer::state() {
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].name;
    const std::vector<std::string>& axes = params_[i].axes;  // state has its parameter's shape
    if (config_.optimizer == "sgd") {
      out.push_back({name + ".momentum_buffer", momentum_[i], axes});
    } else {
      out.push_back({name + ".exp_avg", exp_avg_[i], axes});
      out.push_back({name + ".exp_avg_sq", exp_avg_sq_[i], axes});
    }
  }
  if (grokfast_)
    for (NamedTensor& t : grokfast_->state(params_)) out.push_back(std::move(t));
  return out;
}

std::vector<NamedTensor> Optimizer::member_state(int64_t k) {
  c10::NoGradGuard no_grad;
  std::vector<NamedTensor> out = state();
  // The optimizer's own buffers come first, [K, ...]; then Grokfast's, whose member axis it knows.
  const size_t own = params_.size() * (config_.optimizer == "sgd" ? 1 : 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i].value = out[i].value.select(i < own ? 0 : grokfast_->state_member_axis(), k);
  return out;
}

}  // namespace grok
