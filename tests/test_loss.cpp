// test_loss.cpp — the training losses and the closed-form readout against hand-computed numbers.
#include <catch2/catch.hpp>

#include <cmath>

#include "grok/core/error.h"
#include "grok/train/loss.h"

namespace {

at::Tensor logits_2x3() { return at::tensor({1.0, 0.0, -1.0, 0.5, 2.0, 0.0}, at::kDouble).reshape({2, 3}); }

}  // namespace

TEST_CASE("mse is the mean over pairs and classes of (logit - one_hot)^2", "[loss]") {
  // Row 0, label 0: (1-1)^2 + (0-0)^2 + (-1-0)^2 = 1.
  // Row 1, label 2: (0.5-0)^2 + (2-0)^2 + (0-1)^2 = 0.25 + 4 + 1 = 5.25.
  // Sum 6.25 over 2 pairs * 3 classes: 6.25 / 6.
  const at::Tensor labels = at::tensor({int64_t{0}, int64_t{2}}, at::kLong);
  at::Tensor loss = grok::loss_value("mse", logits_2x3().to(at::kFloat), labels);
  CHECK(loss.scalar_type() == at::kDouble);  // computed in float64
  CHECK(loss.item<double>() == Approx(6.25 / 6.0).epsilon(1e-12));
}

TEST_CASE("mse's gradient is 2 (logit - one_hot) / (pairs x classes)", "[loss]") {
  const at::Tensor labels = at::tensor({int64_t{0}, int64_t{2}}, at::kLong);
  at::Tensor x = logits_2x3().requires_grad_(true);
  grok::loss_value("mse", x, labels).backward();
  // Row 1: logits (0.5, 2, 0), one-hot (0, 0, 1): 2 * (0.5, 2, -1) / 6.
  CHECK(x.grad()[1][0].item<double>() == Approx(1.0 / 6.0));
  CHECK(x.grad()[1][1].item<double>() == Approx(4.0 / 6.0));
  CHECK(x.grad()[1][2].item<double>() == Approx(-2.0 / 6.0));
  CHECK(x.grad()[0][0].item<double>() == Approx(0.0).margin(1e-15));
}

TEST_CASE("ce is the mean of -log softmax at the label, in nats", "[loss]") {
  // logits (0, ln 2, ln 3): softmax = (1, 2, 3) / 6; label 2 -> -ln(1/2) = ln 2; label 0 -> ln 6.
  const at::Tensor x = at::tensor({0.0, std::log(2.0), std::log(3.0)}, at::kDouble).reshape({1, 3}).repeat({2, 1});
  const at::Tensor labels = at::tensor({int64_t{2}, int64_t{0}}, at::kLong);
  CHECK(grok::loss_value("ce", x, labels).item<double>() == Approx((std::log(2.0) + std::log(6.0)) / 2));
  CHECK_THROWS_AS(grok::loss_value("hinge", x, labels), grok::InputError);
}

TEST_CASE("stablemax is the mean of -log s(x_label) / sum s(x), s(x) = x + 1 or 1 / (1 - x)", "[loss]") {
  // Row 0: s(2, -1, 0) = (3, 1/2, 1), sum 4.5, label 0 -> -ln(3 / 4.5) = ln 1.5.
  // Row 1: s(-3, 1, 0.5) = (1/4, 2, 1.5), sum 3.75, label 2 -> -ln(1.5 / 3.75) = ln 2.5.
  const at::Tensor x = at::tensor({2.0, -1.0, 0.0, -3.0, 1.0, 0.5}, at::kFloat).reshape({2, 3});
  const at::Tensor labels = at::tensor({int64_t{0}, int64_t{2}}, at::kLong);
  const at::Tensor loss = grok::loss_value("stablemax", x, labels);
  CHECK(loss.scalar_type() == at::kDouble);
  CHECK(loss.item<double>() == Approx((std::log(1.5) + std::log(2.5)) / 2).epsilon(1e-12));
}

TEST_CASE("stablemax keeps a gradient where softmax has collapsed", "[loss]") {
  // A 1000-nat margin: float64 softmax rounds to exactly 1 (loss 0, gradient 0); StableMax
  // gives -ln(1001 / 1002) and the label logit's gradient -1/1001 + 1/1002 (hand-derived).
  at::Tensor x = at::tensor({1000.0, 0.0}, at::kDouble).reshape({1, 2}).requires_grad_(true);
  const at::Tensor label = at::tensor({int64_t{0}}, at::kLong);
  CHECK(grok::loss_value("ce", x, label).item<double>() == 0.0);
  at::Tensor loss = grok::loss_value("stablemax", x, label);
  CHECK(loss.item<double>() == Approx(std::log(1002.0 / 1001.0)).epsilon(1e-9));
  loss.backward();
  CHECK(x.grad()[0][0].item<double>() == Approx(-1.0 / 1001.0 + 1.0 / 1002.0).epsilon(1e-9));
  CHECK(x.grad()[0][1].item<double>() == Approx(1.0 / 1002.0).epsilon(1e-9));
}

TEST_CASE("min_norm_readout: an underdetermined system gets its minimum-norm solution", "[loss][min_norm]") {
  // One equation 3 w1 + 4 w2 = 5: the minimum-norm solution is (3, 4) * 5 / 25 = (0.6, 0.8).
  at::Tensor w = grok::min_norm_readout(at::tensor({3.0, 4.0}, at::kDouble).reshape({1, 2}),
                                        at::tensor({5.0}, at::kDouble).reshape({1, 1}), 0.0);
  REQUIRE(w.size(0) == 2);
  REQUIRE(w.size(1) == 1);
  CHECK(w[0][0].item<double>() == Approx(0.6).epsilon(1e-12));
  CHECK(w[1][0].item<double>() == Approx(0.8).epsilon(1e-12));
}

TEST_CASE("min_norm_readout: a rank-deficient system ignores the zero singular value", "[loss][min_norm]") {
  // Features [[1, 1], [1, 1]] (rank 1), targets (2, 2) and (0, 4) in two columns:
  // column 0 is solved exactly by (1, 1); column 1 has least-squares fit 2 per row, min-norm (1, 1).
  const at::Tensor phi = at::ones({2, 2}, at::kDouble);
  const at::Tensor y = at::tensor({2.0, 0.0, 2.0, 4.0}, at::kDouble).reshape({2, 2});
  at::Tensor w = grok::min_norm_readout(phi, y, 0.0);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) CHECK(w[i][j].item<double>() == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("min_norm_readout: ridge is (Phi^T Phi + lambda I)^-1 Phi^T Y", "[loss][min_norm]") {
  // Phi = (1, 1)^T, Y = (1, 3)^T: Phi^T Phi = 2, Phi^T Y = 4; lambda = 2 gives 4 / 4 = 1,
  // lambda = 0 gives the least-squares mean 2.
  const at::Tensor phi = at::ones({2, 1}, at::kDouble);
  const at::Tensor y = at::tensor({1.0, 3.0}, at::kDouble).reshape({2, 1});
  CHECK(grok::min_norm_readout(phi, y, 2.0).item<double>() == Approx(1.0).epsilon(1e-12));
  CHECK(grok::min_norm_readout(phi, y, 0.0).item<double>() == Approx(2.0).epsilon(1e-12));
}
