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

// One AdamW step t of one weight w with moments m, v, in double (Loshchilov & Hutter; PyTorch's
// torch.optim.AdamW): the hand formula the optimizer is checked against.
void adamw_by_hand(const grok::Config& c, double lr, int t, double g, double& w, double& m, double& v) {
  w *= 1 - lr * c.weight_decay;
  m = c.beta1 * m + (1 - c.beta1) * g;
  v = c.beta2 * v + (1 - c.beta2) * g * g;
  const double mhat = m / (1 - std::pow(c.beta1, t)), vhat = v / (1 - std::pow(c.beta2, t));
  w -= lr * mhat / (std::sqrt(vhat) + c.eps);
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
    for (int i = 0; i < 2; ++i) adamw_by_hand(c, lr, t, grads[t - 1][i], w[i], m[i], v[i]);
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

namespace {

// SGD, momentum 0.9, from w = 1 over two steps with gradients 1 then 2 (steps advanced on the
// device when `on_device`): PyTorch starts the buffer at the first gradient, buf = 1, w = 0.9; then
// buf = 0.9 + 2 = 2.9, w = 0.9 - 0.29 = 0.61 (a buffer copied again at step 2 would give 2).
double sgd_momentum_two_steps(bool on_device) {
  grok::Config c;
  c.optimizer = "sgd";
  c.momentum = 0.9;
  c.weight_decay = 0.0;
  auto params = one_param({1.0f});
  grok::Optimizer opt(c, params);
  if (on_device) opt.count_on_device();
  for (float g : {1.0f, 2.0f}) {
    set_grad(params, {g});
    opt.step(0.1);
    if (on_device) opt.count_step();
  }
  return params[0].value[0].item<double>();
}

}  // namespace

TEST_CASE("SGD with momentum follows PyTorch's buffer rule", "[optimizer]") {
  CHECK(sgd_momentum_two_steps(/*on_device=*/false) == Approx(0.61).epsilon(1e-6));
  grok::Config c;
  c.optimizer = "sgd";
  auto params = one_param({1.0f});
  CHECK(grok::Optimizer(c, params).state()[0].name == "w.momentum_buffer");
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

namespace {

// Plain SGD at lr 1 without decay: each update moves w by exactly minus the filtered gradient.
grok::Config plain_sgd() {
  grok::Config c;
  c.optimizer = "sgd";
  c.momentum = 0.0;
  c.weight_decay = 0.0;
  return c;
}

// Feeds `grads` (one scalar per update) and returns the filtered gradient of each update.
std::vector<double> filtered(const grok::Config& c, const std::vector<float>& grads) {
  auto params = one_param({0.0f});
  grok::Optimizer opt(c, params);
  std::vector<double> out;
  for (float g : grads) {
    const double before = params[0].value.item<double>();
    set_grad(params, {g});
    opt.step(1.0);
    out.push_back(before - params[0].value.item<double>());
  }
  return out;
}

}  // namespace

TEST_CASE("Grokfast EMA: mu starts at the first gradient, then g + lambda mu", "[optimizer][grokfast]") {
  grok::Config c = plain_sgd();
  c.grokfast = "ema";
  c.grokfast_alpha = 0.5;
  c.grokfast_lambda = 2.0;
  // By hand: mu1 = 0.5*1 + 0.5*1 = 1 -> 1 + 2*1 = 3; mu2 = 0.5*1 + 0.5*3 = 2 -> 3 + 2*2 = 7;
  // mu3 = 0.5*2 + 0.5*(-2) = 0 -> -2 + 0 = -2. (A zero-started mu would give 2, 5.5, -1.5.)
  CHECK(filtered(c, {1, 3, -2}) == std::vector<double>{3, 7, -2});
}

TEST_CASE("Grokfast MA: nothing until the window is full, then g + lambda * window mean", "[optimizer][grokfast]") {
  grok::Config c = plain_sgd();
  c.grokfast = "ma";
  c.grokfast_window = 2;
  c.grokfast_lambda = 5.0;
  // By hand: [1] not full -> 1; [1, 3] mean 2 -> 3 + 10 = 13; [3, -2] mean 0.5 -> -2 + 2.5 = 0.5;
  // [-2, 4] mean 1 -> 4 + 5 = 9.
  CHECK(filtered(c, {1, 3, -2, 4}) == std::vector<double>{1, 13, 0.5, 9});
}

TEST_CASE("Grokfast state is optimizer state: copied into a fresh optimizer it continues identically",
          "[optimizer][grokfast]") {
  for (const char* mode : {"ema", "ma"}) {
    grok::Config c = plain_sgd();
    c.grokfast = mode;
    c.grokfast_window = 3;
    auto a = one_param({0.0f});
    grok::Optimizer first(c, a);
    for (float g : {1.0f, 2.0f, 4.0f}) {
      set_grad(a, {g});
      first.step(1.0);
    }
    auto b = one_param({0.0f});
    b[0].value.detach().copy_(a[0].value.detach());
    grok::Optimizer second(c, b);
    auto from = first.state(), to = second.state();
    REQUIRE(from.size() == to.size());
    REQUIRE(from.back().name == std::string("w.grokfast_") + (std::string(mode) == "ema" ? "ema" : "window"));
    for (size_t i = 0; i < from.size(); ++i) to[i].value.copy_(from[i].value);
    second.set_step_count(first.step_count());
    set_grad(a, {-8.0f});
    set_grad(b, {-8.0f});
    first.step(1.0);
    second.step(1.0);
    CHECK(a[0].value.item<float>() == b[0].value.item<float>());
  }
}

TEST_CASE("perp-grad removes the component along w and keeps the gradient's norm", "[optimizer][perp_grad]") {
  // w = (3, 4), g = (1, 0): w.g / w.w = 3/25, g_perp = (1 - 9/25, -12/25) = (16, -12)/25, norm 20/25;
  // rescaled to ||g|| = 1: (0.8, -0.6).
  const at::Tensor w = at::tensor({3.0f, 4.0f}), g = at::tensor({1.0f, 0.0f});
  const at::Tensor out = grok::orthogonal_gradient(w, g);
  CHECK(out[0].item<float>() == Approx(0.8).epsilon(1e-6));
  CHECK(out[1].item<float>() == Approx(-0.6).epsilon(1e-6));
  // Per tensor, not per row: a [2, 2] tensor is projected as one 4-vector (a per-row projection
  // would zero both rows here, since each row of g is parallel to its row of w).
  const at::Tensor w2 = at::tensor({1.0f, 0.0f, 0.0f, 1.0f}).reshape({2, 2});
  const at::Tensor g2 = at::tensor({2.0f, 0.0f, 0.0f, 0.0f}).reshape({2, 2});
  // w.g = 2, w.w = 2: g_perp = (2, 0, 0, 0) - (1, 0, 0, 1) = (1, 0, 0, -1), rescaled to norm 2.
  const at::Tensor out2 = grok::orthogonal_gradient(w2, g2).reshape({-1});
  CHECK(out2[0].item<float>() == Approx(std::sqrt(2.0)).epsilon(1e-6));
  CHECK(out2[3].item<float>() == Approx(-std::sqrt(2.0)).epsilon(1e-6));
  CHECK(out2[1].item<float>() == 0.0f);
  // A zero w leaves g as it is (the 1e-30 guard), rather than NaN.
  CHECK(grok::orthogonal_gradient(at::zeros({2}), g)[0].item<float>() == 1.0f);
}

TEST_CASE("perp_grad: the optimizer updates with the orthogonalised gradient", "[optimizer][perp_grad]") {
  grok::Config c = plain_sgd();
  c.perp_grad = true;
  auto params = one_param({3.0f, 4.0f});
  grok::Optimizer opt(c, params);
  set_grad(params, {1.0f, 0.0f});
  opt.step(1.0);
  CHECK(params[0].value[0].item<float>() == Approx(3.0 - 0.8).epsilon(1e-6));
  CHECK(params[0].value[1].item<float>() == Approx(4.0 + 0.6).epsilon(1e-6));
}

TEST_CASE("member axis: perp-grad per member, and member_state slices alias the stacks", "[optimizer][ensemble]") {
  // Two members stacked [2, 2]: member 0 is the (3, 4) / (1, 0) case above -> (0.8, -0.6);
  // member 1 has g parallel to w, so its perp gradient is 0. Projected as one 4-vector
  // (the wrong, whole-stack projection) neither would come out so.
  grok::Config c = plain_sgd();
  c.perp_grad = true;
  at::Tensor w = at::tensor({3.0f, 4.0f, 1.0f, 1.0f}).reshape({2, 2}).requires_grad_(true);
  std::vector<grok::NamedTensor> params{{"w", w, {"i"}}};
  grok::Optimizer opt(c, params, /*member_axis=*/true);
  params[0].value.mutable_grad() = at::tensor({1.0f, 0.0f, 2.0f, 2.0f}).reshape({2, 2});
  opt.step(1.0);
  CHECK(params[0].value[0][0].item<float>() == Approx(3.0 - 0.8).epsilon(1e-6));
  CHECK(params[0].value[0][1].item<float>() == Approx(4.0 + 0.6).epsilon(1e-6));
  CHECK(params[0].value[1][0].item<float>() == Approx(1.0).margin(1e-6));
  CHECK(params[0].value[1][1].item<float>() == Approx(1.0).margin(1e-6));

  // AdamW with Grokfast MA: every state tensor of member 1 is its slice (the window buffer's
  // member axis is 1), and writing into it writes the stack.
  grok::Config a;
  a.optimizer = "adamw";
  a.grokfast = "ma";
  a.grokfast_window = 3;
  std::vector<grok::NamedTensor> stack{{"w", at::zeros({2, 5}).requires_grad_(true), {"i"}}};
  grok::Optimizer adam(a, stack, /*member_axis=*/true);
  std::vector<grok::NamedTensor> all = adam.state(), one = adam.member_state(1);
  REQUIRE(one.size() == all.size());
  for (size_t i = 0; i < one.size(); ++i) {
    INFO(one[i].name);
    CHECK(one[i].name == all[i].name);
    CHECK(one[i].value.sizes().equals(i < 2 ? std::vector<int64_t>{5} : std::vector<int64_t>{3, 5}));
    one[i].value.fill_(static_cast<float>(i + 1));
    const at::Tensor member = i < 2 ? all[i].value[1] : all[i].value.select(1, 1);
    const at::Tensor other = i < 2 ? all[i].value[0] : all[i].value.select(1, 0);
    CHECK(member.eq(static_cast<float>(i + 1)).all().item<bool>());
    CHECK(other.eq(0.0f).all().item<bool>());
  }
}

TEST_CASE("keep_members: the members kept train on exactly as they would alone", "[optimizer][ensemble]") {
  // Three members stacked [3, 4] take 4 updates; member 1 then leaves (keep 0 and 2, the way
  // grok-train's batch drops a member whose run has ended) and the other two take 4 more.
  // Each must end bit for bit where it ends trained alone for 8 updates on its own gradients:
  // a buffer left uncompacted, compacted along the wrong axis (Grokfast MA's window axis is
  // 0, its member axis 1) or in the wrong order fails this.
  auto grad = [](int t, int64_t member) {  // member's gradient at update t, [4]
    std::vector<float> g;
    for (int i = 0; i < 4; ++i) g.push_back(static_cast<float>(std::sin(1.0 + 7.0 * t + 13.0 * member + i)));
    return at::tensor(g, at::kFloat);
  };
  auto init = [](int64_t member) { return at::arange(4, at::kFloat).add(static_cast<double>(member)).mul(0.3); };
  grok::Config adamw;
  adamw.optimizer = "adamw";
  adamw.weight_decay = 1.0;
  grok::Config ma = adamw, ema = adamw, sgd = adamw;
  ma.grokfast = "ma", ma.grokfast_window = 3;
  ema.grokfast = "ema";
  sgd.optimizer = "sgd", sgd.momentum = 0.9;
  for (const grok::Config& c : {adamw, ma, ema, sgd}) {
    INFO(c.optimizer << " grokfast " << c.grokfast);
    std::vector<grok::NamedTensor> stack{{"w", at::stack({init(0), init(1), init(2)}).requires_grad_(true), {"i"}}};
    grok::Optimizer together(c, stack, /*member_axis=*/true);
    std::vector<int64_t> members{0, 1, 2};
    for (int t = 0; t < 8; ++t) {
      if (t == 4) {
        members = {0, 2};
        const at::Tensor index = at::tensor(members, at::kLong);
        stack[0].value = stack[0].value.detach().index_select(0, index).requires_grad_(true);
        together.keep_members(index);
      }
      std::vector<at::Tensor> grads;
      for (int64_t k : members) grads.push_back(grad(t, k));
      stack[0].value.mutable_grad() = at::stack(grads);
      together.step(0.05);
    }
    for (size_t slot = 0; slot < members.size(); ++slot) {
      const int64_t k = members[slot];
      std::vector<grok::NamedTensor> alone{{"w", init(k).unsqueeze(0).requires_grad_(true), {"i"}}};
      grok::Optimizer opt(c, alone, /*member_axis=*/true);
      for (int t = 0; t < 8; ++t) {
        alone[0].value.mutable_grad() = grad(t, k).unsqueeze(0);
        opt.step(0.05);
      }
      INFO("member " << k);
      CHECK(at::equal(stack[0].value[static_cast<int64_t>(slot)], alone[0].value[0]));
    }
  }
}

// The optimizer of a CUDA graph's step (Optimizer::count_on_device): the step count in a tensor
// that step() advances, the bias corrections computed from it as tensors, the host count left to
// the caller. Checked against the same hand formula as above, switching to the device count after
// the first step as the trainer does after warm-up. Caught: a bias correction read before the
// count advances (t - 1: at t = 2 that moves w by ~1.9x too much), a count not carried over from
// the host, step() still advancing the host count (which the trainer advances once per step).
TEST_CASE("AdamW counting steps on the device follows the hand formula", "[optimizer][cuda_graph]") {
  grok::Config c;
  c.optimizer = "adamw";
  c.weight_decay = 1.0;
  auto params = one_param({1.0f, -2.0f});
  grok::Optimizer opt(c, params);
  const double lr = 0.1;
  double w[2] = {1.0, -2.0}, m[2] = {0, 0}, v[2] = {0, 0};
  const double grads[3][2] = {{0.5, -1.0}, {0.25, 3.0}, {-0.75, 0.5}};
  for (int t = 1; t <= 3; ++t) {
    if (t == 2) {
      opt.count_on_device();
      CHECK(opt.counts_on_device());
    }
    set_grad(params, {static_cast<float>(grads[t - 1][0]), static_cast<float>(grads[t - 1][1])});
    opt.step(lr);
    if (opt.counts_on_device()) {
      CHECK(opt.step_count() == t - 1);  // left to the caller
      opt.count_step();
    }
    for (int i = 0; i < 2; ++i) adamw_by_hand(c, lr, t, grads[t - 1][i], w[i], m[i], v[i]);
    for (int i = 0; i < 2; ++i) CHECK(params[0].value[i].item<double>() == Approx(w[i]).epsilon(1e-6));
  }
  CHECK(opt.step_count() == 3);
  opt.set_step_count(0);  // a resume sets both counts: the next step is a first step again
  set_grad(params, {1.0f, 1.0f});
  const double before = params[0].value[0].item<double>();
  opt.step(lr);
  // A first step (t = 1) again, from the moments carried over: not the t = 4 step.
  double w0 = before;
  adamw_by_hand(c, lr, 1, 1.0, w0, m[0], v[0]);
  CHECK(params[0].value[0].item<double>() == Approx(w0).epsilon(1e-6));
}

TEST_CASE("SGD momentum counting on the device starts its buffer at the first gradient", "[optimizer][cuda_graph]") {
  CHECK(sgd_momentum_two_steps(/*on_device=*/true) == Approx(0.61).epsilon(1e-6));
}

TEST_CASE("the learning rate is constant from the last warm-up step on", "[optimizer][cuda_graph]") {
  grok::Config c;
  c.warmup_steps = 10;
  CHECK_FALSE(grok::learning_rate_constant(c, 8));
  CHECK(grok::learning_rate_constant(c, 9));  // learning_rate(c, 9) is already lr
  CHECK(grok::learning_rate(c, 9) == c.lr);
  CHECK(grok::learning_rate(c, 8) < c.lr);
  c.warmup_steps = 0;
  CHECK(grok::learning_rate_constant(c, 0));
}
