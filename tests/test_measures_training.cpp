// test_measures_training.cpp — training-time diagnostics (Prieto et al. 2025):
// softmax collapse in both precisions on hand-made logits, and the
// gradient-weight cosine on a planted model whose gradient is exactly along
// -W_U, and on one checked against a gradient worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "grok/core/presets.h"
#include "grok/measures/representations.h"
#include "grok/model/mlp.h"

namespace {

// logits = one_hot((a + b) mod p) W_U + b_U: row s of W_U is the logit vector of
// every pair with sum s. Just enough of a Model to call forward and parameters().
class SumReadout : public grok::Model {
 public:
  SumReadout(const grok::Config& c, const at::Tensor& W, const at::Tensor& b) : Model(c) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(0);
    add_param("unembed.W_U", {c.p, c.p}, {"sum", "d_vocab_out"}, 0.0, gen);
    add_param("unembed.b_U", {c.p}, {"d_vocab_out"}, 0.0, gen);
    c10::NoGradGuard no_grad;
    params_[0].value.copy_(W);
    params_[1].value.copy_(b);
  }
  at::Tensor forward_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                             grok::ActivationCache* = nullptr) const override {
    at::Tensor s = (pairs.select(1, 0) + pairs.select(1, 1)).remainder(p());  // [B]
    return stacked[0].index_select(1, s) + stacked[1].unsqueeze(1);           // [K, B, p]
  }
  std::vector<grok::HookInfo> hooks() const override { return {}; }
  std::string describe() const override { return "sum readout"; }
  std::vector<std::string> default_hooks() const override { return {}; }
  at::Tensor number_embedding() const override { return {}; }
  at::Tensor neuron_input_map() const override { return {}; }
  std::string neuron_hook() const override { return ""; }
  at::Tensor neuron_logit_map() const override { return {}; }
  bool operands_enter_additively() const override { return true; }
  grok::OperandRows operand_rows() const override { return {}; }
};

grok::Config small_config(int64_t p) {
  grok::Config c = grok::load_preset("demo");
  c.p = p;
  return c;
}

at::Tensor all_pairs(int64_t p) {
  at::Tensor i = at::arange(p * p, at::kLong);
  return at::stack({i.div(p, "floor"), i.remainder(p)}, 1);  // [p*p, 2]
}

}  // namespace

TEST_CASE("softmax collapse in float32 and in float64 on hand-made logits", "[measures][collapse]") {
  // Row margins: 25 and 35 collapse in float32 (4 e^-25 << 2^-24) but not in
  // float64 (4 e^-35 > 2^-53); 800 collapses in both (e^-800 underflows to 0).
  at::Tensor logits = at::tensor({25.0, 0.0,   0.0, 0.0, 0.0,   // label 0: collapses in float32 only
                                  0.0,  800.0, 0.0, 0.0, 0.0,   // label 1: collapses in both
                                  0.0,  0.0,   0.0, 0.0, 25.0,  // label 2: sum is 1 in float32, but the loss is 25
                                  1.0,  2.0,   3.0, 4.0, 5.0,   // label 3: no collapse
                                  35.0, 0.0,   0.0, 0.0, 0.0},  // label 0: collapses in float32 only
                                 at::kDouble)
                          .view({5, 5});
  at::Tensor labels = at::tensor({0, 1, 2, 3, 0}, at::kLong);
  grok::SoftmaxCollapseByPrecision sc = grok::softmax_collapse_by_precision(logits, labels);
  CHECK(sc.in_float32.sum_exactly_one == Approx(0.8));
  CHECK(sc.in_float32.loss_exactly_zero == Approx(0.6));
  CHECK(sc.in_float64.sum_exactly_one == Approx(0.2));
  CHECK(sc.in_float64.loss_exactly_zero == Approx(0.2));
  // The float32-only function is unchanged, float32 logits in give the same answers.
  grok::SoftmaxCollapse old = grok::softmax_collapse(logits, labels);
  CHECK(old.sum_exactly_one == sc.in_float32.sum_exactly_one);
  CHECK(grok::softmax_collapse_by_precision(logits.to(at::kFloat), labels).in_float64.sum_exactly_one == Approx(0.2));
}

TEST_CASE("gradient-weight cosine is -1 when the gradient is exactly along -W_U", "[measures][nlm]") {
  // W_U = alpha (I - J/p), b_U = 0, every pair once. Row s of the gradient is
  // (1/p)(softmax(alpha e_s) - e_s) = (J - p I)_s / (p Z) = -(I - J/p)_s / Z: the
  // gradient is -W_U / (alpha Z), cosine -1; the b_U gradient sums (J - p I)
  // over rows, i.e. 0, and b_U = 0, so its cosine is 0 and the total is -1.
  const int64_t p = 7;
  const double alpha = 3.0;
  at::Tensor W = alpha * (at::eye(p, at::kFloat) - 1.0 / p);
  SumReadout model(small_config(p), W, at::zeros({p}, at::kFloat));
  at::Tensor pairs = all_pairs(p);
  at::Tensor labels = (pairs.select(1, 0) + pairs.select(1, 1)).remainder(p);
  std::vector<double> cos = grok::gradient_weight_cosine(model, pairs, labels);
  REQUIRE(cos.size() == 3);
  CHECK(cos[0] == Approx(-1.0).margin(1e-6));
  CHECK(cos[1] == 0.0);
  CHECK(cos[2] == Approx(-1.0).margin(1e-6));
}

TEST_CASE("gradient-weight cosine matches a gradient worked out by hand, and leaves no gradient behind",
          "[measures][nlm]") {
  const int64_t p = 5;
  at::manual_seed(12);
  at::Tensor W = at::randn({p, p}, at::kFloat), b = at::randn({p}, at::kFloat);
  SumReadout model(small_config(p), W, b);
  // 9 pairs with unbalanced, partly wrong labels, so the b_U gradient is not zero.
  at::Tensor pairs = at::randint(p, {9, 2}, at::kLong);
  at::Tensor labels = at::randint(p, {9}, at::kLong);
  // dCE/dlogits_i = (softmax_i - y_i) / B; logits_i = W[s_i] + b.
  at::Tensor Wd = W.to(at::kDouble), bd = b.to(at::kDouble);
  at::Tensor gW = at::zeros({p, p}, at::kDouble), gb = at::zeros({p}, at::kDouble);
  for (int64_t i = 0; i < 9; ++i) {
    const int64_t s = (pairs[i][0].item<int64_t>() + pairs[i][1].item<int64_t>()) % p;
    at::Tensor l = Wd[s] + bd;
    at::Tensor e = (l - l.max()).exp();
    at::Tensor d = e / e.sum();
    d[labels[i].item<int64_t>()] -= 1.0;
    gW[s] += d / 9.0;
    gb += d / 9.0;
  }
  auto cos = [](const at::Tensor& x, const at::Tensor& y) {
    return (x * y).sum().item<double>() / (x.norm() * y.norm()).item<double>();
  };
  const double dot = (gW * Wd).sum().item<double>() + (gb * bd).sum().item<double>();
  const double total = dot / std::sqrt((gW.pow(2).sum() + gb.pow(2).sum()).item<double>() *
                                       (Wd.pow(2).sum() + bd.pow(2).sum()).item<double>());
  // Leave a stale gradient first: the measure must not add to it.
  model.forward(pairs).sum().backward();
  std::vector<double> got = grok::gradient_weight_cosine(model, pairs, labels);
  CHECK(got[0] == Approx(cos(gW, Wd)).margin(1e-5));
  CHECK(got[1] == Approx(cos(gb, bd)).margin(1e-5));
  CHECK(got[2] == Approx(total).margin(1e-5));
  // The total is not the mean of the per-tensor cosines.
  CHECK(std::abs(total - 0.5 * (got[0] + got[1])) > 1e-3);
  for (const auto& param : model.parameters())
    CHECK((!param.value.grad().defined() || param.value.grad().abs().max().item<double>() == 0.0));
}

TEST_CASE("gradient-weight cosine on an MLP: one entry per parameter plus the total, each in [-1, 1]",
          "[measures][nlm]") {
  grok::Config c = small_config(11);
  c.model = "mlp";
  c.d_model = 8;
  c.d_mlp = 16;
  grok::Mlp m(c);
  at::Tensor pairs = all_pairs(11);
  at::Tensor labels = (pairs.select(1, 0) + pairs.select(1, 1)).remainder(11);
  std::vector<double> got = grok::gradient_weight_cosine(m, pairs, labels);
  CHECK(got.size() == m.parameters().size() + 1);
  for (double v : got) {
    CHECK(v >= -1.0);
    CHECK(v <= 1.0);
  }
}
