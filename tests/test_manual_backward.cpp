// test_manual_backward.cpp — the written-out training step (config.backward = manual):
// model/transformer_backward.cpp's forward and gradients, and loss_gradient (train/loss.h).
//
// Checked against autograd through the hooked forward (forward_members) and loss_value, which
// share no code with them. In float64 the two agree to ~1e-13, so any slip in the algebra (a
// missing softmax term, the query's path, the '=' row's direct path into the stream, the
// constant-attention term, an activation's slope) shows as O(1); in float32 the written-out
// gradients must sit as close to the float64 truth as autograd's own float32 gradients do.
#include <catch2/catch.hpp>

#include <algorithm>

#include "grok/core/config.h"
#include "grok/core/error.h"
#include "grok/core/presets.h"
#include "grok/model/grid.h"
#include "grok/model/model.h"
#include "grok/train/loss.h"
#include "stacked_models.h"

using grok_test::autograd_pass;
using grok_test::max_relative;
using grok_test::Pass;
using grok_test::small_nanda;
using grok_test::stacked_params;

namespace {

// The written-out forward and gradient of the members' summed `loss`.
Pass manual_pass(const grok::Model& model, const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                 const at::Tensor& labels, const std::string& loss = "ce") {
  std::vector<at::Tensor> values;
  for (const at::Tensor& s : stacked) values.push_back(s.detach());
  const std::unique_ptr<grok::ManualPass> pass = model.manual_pass(values, pairs);
  // The trainer's path: the written-out step starts from loss_with_gradient's d logits.
  return {pass->logits(), pass->gradients(grok::loss_with_gradient(loss, pass->logits(), labels).gradient)};
}

}  // namespace

TEST_CASE("loss_gradient is the derivative of loss_value, for every loss", "[manual]") {
  at::manual_seed(3);
  const at::Tensor logits = at::randn({2, 9, 5}, at::kDouble) * 3;  // [K, B, C], both signs (stablemax's branches)
  const at::Tensor labels = at::randint(5, {9}, at::kLong);
  for (const char* loss : {"ce", "mse", "stablemax"}) {
    INFO("loss " << loss);
    const at::Tensor x = logits.clone().requires_grad_(true);
    (grok::loss_value(loss, x[0], labels) + grok::loss_value(loss, x[1], labels)).backward();
    CHECK(max_relative(grok::loss_gradient(loss, logits, labels), x.grad()) < 1e-13);
    CHECK(grok::loss_gradient(loss, logits.to(at::kFloat), labels).scalar_type() == at::kFloat);
  }
  CHECK_THROWS_AS(grok::loss_gradient("hinge", logits, labels), grok::InputError);
}

TEST_CASE("the written-out step computes the hooked forward's logits and gradients", "[manual]") {
  // float64, two members: 1e-10 separates algebra from rounding. Both passes: direct and factored.
  for (bool factored : {false, true})
    for (double rate : {1.0, 0.3, 0.0})
      for (const char* act : {"relu", "gelu", "quadratic"})
        for (const char* loss : {"ce", "mse"}) {
          grok::Config c = small_nanda();
          c.attention_rate = rate, c.act = act, c.loss = loss, c.backward = "manual", c.factored_forward = factored;
          INFO((factored ? "factored" : "direct")
               << ", attention_rate " << rate << ", act " << act << ", loss " << loss);
          const auto model = grok::make_model(c);
          const std::vector<at::Tensor> stacked = stacked_params(c, 2, at::kDouble);
          const at::Tensor pairs = grok::grid_pairs(c.p);  // [p^2, 2]
          const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
          const Pass want = autograd_pass(*model, stacked, pairs, labels, false, loss);
          const Pass got = manual_pass(*model, stacked, pairs, labels, loss);
          CHECK(max_relative(got.logits, want.logits) < 1e-12);
          REQUIRE(got.grads.size() == want.grads.size());
          for (size_t i = 0; i < want.grads.size(); ++i) {
            INFO("gradient of " << model->parameters()[i].name);
            REQUIRE(got.grads[i].sizes() == want.grads[i].sizes());
            CHECK(max_relative(got.grads[i], want.grads[i]) < 1e-10);
          }
        }
}

TEST_CASE("the written-out step in float32 is as accurate as autograd's", "[manual]") {
  // The demo's shapes on its own train set size; the float64 autograd gradient (hooked) is the truth.
  const bool factored = GENERATE(false, true);
  INFO((factored ? "factored" : "direct") << " pass");
  at::manual_seed(5);
  grok::Config c = grok::load_preset("demo");
  c.backward = "manual", c.factored_forward = factored;
  const auto model = grok::make_model(c);
  const at::Tensor pairs = grok::grid_pairs(c.p).slice(0, 0, 1000);
  const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
  const Pass truth = autograd_pass(*model, stacked_params(c, 1, at::kDouble), pairs, labels, false);
  // Autograd through the same forward: the hooked one for the direct pass, the factored one for the factored pass.
  const Pass autograd = autograd_pass(*model, stacked_params(c, 1, at::kFloat), pairs, labels, factored);
  const Pass manual = manual_pass(*model, stacked_params(c, 1, at::kFloat), pairs, labels);
  CHECK(manual.logits.scalar_type() == at::kFloat);
  CHECK(max_relative(manual.logits, truth.logits) < 1e-5);
  for (size_t i = 0; i < truth.grads.size(); ++i) {
    // Element-wise: max |error| / max |truth|; as a whole: ||written out - autograd|| / ||autograd||.
    const double manual_error = max_relative(manual.grads[i], truth.grads[i]);
    const double autograd_error = max_relative(autograd.grads[i], truth.grads[i]);
    const double apart =
        (manual.grads[i] - autograd.grads[i]).norm().item<double>() / autograd.grads[i].norm().item<double>();
    INFO("gradient of " << model->parameters()[i].name << ": written out " << manual_error << ", autograd "
                        << autograd_error << ", apart " << apart);
    CHECK(manual.grads[i].scalar_type() == at::kFloat);
    // Measured (Zen 3), direct: written out 1.7e-7 .. 4.1e-7 from the truth, autograd's float32
    // 1.7e-7 .. 1.2e-6 (W_Q, W_K); apart 1.8e-7 .. 7.8e-7, most of it autograd's own error.
    // Factored: written out 2.7e-7 .. 1.1e-6 (W_in, whose table rows add up ~100 pairs each),
    // autograd through the factored forward 3.3e-7 .. 9.1e-7 (W_in); apart 1.8e-7 .. 5.0e-7.
    // So, factored: no farther from the truth than autograd through the same forward (with 50% to
    // spare), or 1e-6; direct: 1e-6.
    CHECK(manual_error < (factored ? std::max(1e-6, 1.5 * autograd_error) : 1e-6));
    CHECK(apart < 2e-6);
  }
}

// In bf16 the factored pass's three products over the batch (post (W_out W_U) and its two
// gradients) are bfloat16 products, as autograd differentiates the bf16 forward. The bf16 and
// fp32 steps differ by bfloat16 rounding (~1e-3); the written-out and autograd bf16 steps only
// by float32 rounding and the rare bfloat16 rounding it tips. A written-out step that left its
// gradient products in float32, or rounded the forward's product but not g, lands near the fp32
// step instead.
TEST_CASE("the written-out step in bf16 differentiates the bfloat16 products as autograd does", "[manual][precision]") {
  at::manual_seed(7);
  grok::Config c = grok::load_preset("demo");
  c.backward = "manual", c.factored_forward = true, c.precision = "bf16";
  grok::Config c32 = c;
  c32.precision = "fp32";
  const auto model = grok::make_model(c), model32 = grok::make_model(c32);
  const at::Tensor pairs = grok::grid_pairs(c.p).slice(0, 0, 1000);
  const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
  const std::vector<at::Tensor> params = stacked_params(c, 2, at::kFloat);
  const Pass autograd = autograd_pass(*model, params, pairs, labels, /*factored=*/true);
  const Pass manual = manual_pass(*model, params, pairs, labels);
  const Pass manual32 = manual_pass(*model32, params, pairs, labels);
  const auto apart = [](const at::Tensor& a, const at::Tensor& b) {
    return (a - b).norm().item<double>() / b.norm().item<double>();
  };
  INFO("logits: bf16 written out " << apart(manual.logits, autograd.logits) << ", fp32 "
                                   << apart(manual32.logits, autograd.logits));
  // Measured (Zen 4, bfloat16 instructions): logits 3.0e-5 against 2.6e-3; gradients 2.9e-6 ..
  // 5.7e-6 against 1.0e-3 .. 2.1e-3, but W_out's and W_U's (through d(W_out W_U), a bf16 sum
  // over the 1,000 pairs whose rounding the tiny float32 differences tip) 1.4e-4 against 2.3e-3.
  // With that gradient product left in float32 they sat 2.0e-3 against 2.3e-3.
  CHECK(apart(manual.logits, autograd.logits) < 0.05 * apart(manual32.logits, autograd.logits));
  for (size_t i = 0; i < autograd.grads.size(); ++i) {
    const double bf16 = apart(manual.grads[i], autograd.grads[i]);
    const double fp32 = apart(manual32.grads[i], autograd.grads[i]);
    INFO("gradient of " << model->parameters()[i].name << ": bf16 written out " << bf16 << ", fp32 " << fp32);
    CHECK(manual.grads[i].scalar_type() == at::kFloat);
    CHECK(bf16 < 0.25 * fp32);
  }
}

TEST_CASE("member k of a written-out batch computes model k alone, bit for bit", "[manual][ensemble]") {
  const bool factored = GENERATE(false, true);
  const std::string precision = factored ? GENERATE(as<std::string>(), "fp32", "bf16") : "fp32";
  INFO((factored ? "factored" : "direct") << " pass, " << precision);
  grok::Config c = small_nanda(29);
  c.backward = "manual", c.factored_forward = factored, c.precision = precision;
  const auto model = grok::make_model(c);
  const std::vector<at::Tensor> stacked = stacked_params(c, 3, at::kFloat);
  const at::Tensor pairs = grok::grid_pairs(c.p).slice(0, 0, 400);
  const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
  const Pass together = manual_pass(*model, stacked, pairs, labels);
  for (int64_t k = 0; k < 3; ++k) {
    std::vector<at::Tensor> one;
    for (const at::Tensor& s : stacked) one.push_back(s.detach().slice(0, k, k + 1));
    const Pass alone = manual_pass(*model, one, pairs, labels);
    INFO("member " << k);
    CHECK(at::equal(together.logits[k], alone.logits[0]));
    for (size_t i = 0; i < stacked.size(); ++i) CHECK(at::equal(together.grads[i][k], alone.grads[i][0]));
  }
}

TEST_CASE("backward = manual is refused where it is not written out", "[manual]") {
  grok::Config c = small_nanda();
  c.backward = "manual";
  CHECK_NOTHROW(grok::validate(c));
  c.n_layers = 2;
  CHECK_THROWS_WITH(
      grok::validate(c),
      "backward = manual needs a one-layer transformer without biases, in fp32 or with the factored forward");
  c.n_layers = 1, c.bias = true;
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  c.bias = false, c.precision = "bf16";
  CHECK_NOTHROW(grok::validate(c));  // factored_forward auto: the factored pass, in bf16
  c.factored_forward = false;        // the direct pass has no bf16
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  CHECK_THROWS_AS(grok::make_model(c)->manual_pass(stacked_params(small_nanda(), 1, at::kFloat), grok::grid_pairs(23)),
                  grok::InputError);
  c.factored_forward = true;
  c.precision = "fp32", c.model = "mlp";
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  c.model = "transformer", c.backward = "written";
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
}
