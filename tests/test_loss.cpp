// test_loss.cpp — the training losses against hand-computed numbers.
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
