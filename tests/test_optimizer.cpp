// test_optimizer.cpp — update rules against hand-computed formulas.
#include <catch2/catch.hpp>

#include <cmath>

#include "grok/train/optimizer.h"

namespace {

std::vector<grok::NamedTensor> one_param(std::vector<float> values) {
  at::Tensor t = at::tensor(values, at::kFloat).requires_grad_(true);
  return {{"w", t, {"i"}}};
}

void set_grad(std::vector<grok::NamedTensor>& params, std::vector<float> g) {
  params[0].value.mutable_grad() = at::tensor(g, at::kFloat);
}

}  // namespace

TEST_CASE("AdamW matches the hand formula over two steps", "[optimizer]") {
  grok::Config c;
  c.optimizer = "adamw";
  c.beta1 = 0.9;
  c.beta2 = 0.98;
  c.eps = 1e-8;
  c.weight_decay = 1.0;
  auto params = one_param({1.0f, -2.0f});
  grok::Optimizer opt(c, params);
  const double lr = 0.1;
  // Hand computation, in double, element by element.
  double w[2] = {1.0, -2.0}, m[2] = {0, 0}, v[2] = {0, 0};
  const double grads[2][2] = {{0.5, -1.0}, {0.25, 3.0}};
  for (int t = 1; t <= 2; ++t) {
    set_grad(params, {static_cast<float>(grads[t - 1][0]), static_cast<float>(grads[t - 1][1])});
    opt.step(lr);
    for (int i = 0; i < 2; ++i) {
      double g = grads[t - 1][i];
      w[i] *= 1 - lr * c.weight_decay;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      double mhat = m[i] / (1 - std::pow(c.beta1, t)), vhat = v[i] / (1 - std::pow(c.beta2, t));
      w[i] -= lr * mhat / (std::sqrt(vhat) + c.eps);
    }
    for (int i = 0; i < 2; ++i) CHECK(params[0].value[i].item<double>() == Approx(w[i]).epsilon(1e-6));
  }
  CHECK(opt.step_count() == 2);
  auto state = opt.state();
  REQUIRE(state.size() == 2);
  CHECK(state[0].name == "w.exp_avg");
  CHECK(state[1].name == "w.exp_avg_sq");
  CHECK(state[0].value[1].item<double>() == Approx(m[1]).epsilon(1e-6));
}

TEST_CASE("Adam folds weight decay into the gradient (L2), unlike AdamW", "[optimizer]") {
  grok::Config c;
  c.optimizer = "adam";
  c.weight_decay = 0.5;
  auto params = one_param({2.0f});
  grok::Optimizer opt(c, params);
  set_grad(params, {1.0f});
  opt.step(0.01);
  // g' = 1 + 0.5 * 2 = 2; first Adam step moves by lr * sign(g') (bias-corrected).
  double g = 2.0, mhat = g, vhat = g * g;
  CHECK(params[0].value[0].item<double>() == Approx(2.0 - 0.01 * mhat / (std::sqrt(vhat) + c.eps)).epsilon(1e-7));
}

TEST_CASE("SGD with momentum follows PyTorch's buffer rule", "[optimizer]") {
  grok::Config c;
  c.optimizer = "sgd";
  c.momentum = 0.9;
  c.weight_decay = 0.0;
  auto params = one_param({1.0f});
  grok::Optimizer opt(c, params);
  set_grad(params, {1.0f});
  opt.step(0.1);  // buf = 1; w = 1 - 0.1
  set_grad(params, {2.0f});
  opt.step(0.1);  // buf = 0.9 + 2 = 2.9; w = 0.9 - 0.29
  CHECK(params[0].value[0].item<double>() == Approx(0.61).epsilon(1e-6));
  CHECK(opt.state()[0].name == "w.momentum_buffer");
}

TEST_CASE("linear warm-up reaches the peak learning rate at warmup_steps", "[optimizer]") {
  grok::Config c;
  c.lr = 1e-3;
  c.warmup_steps = 10;
  CHECK(grok::learning_rate(c, 0) == Approx(1e-4));
  CHECK(grok::learning_rate(c, 4) == Approx(5e-4));
  CHECK(grok::learning_rate(c, 9) == Approx(1e-3));
  CHECK(grok::learning_rate(c, 5000) == Approx(1e-3));
  c.warmup_steps = 0;
  CHECK(grok::learning_rate(c, 0) == 1e-3);
}
