// test_loss.cpp — the training losses and the closed-form readout against hand-computed numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/Parallel.h>

#include "grok/core/error.h"
#include "grok/runtime/vector_math.h"
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

namespace {

// Cross-entropy of one member written out in long double, independently of loss.cpp: the
// mean over rows of log(sum_c exp(x_c)) - x_label, and (softmax - one_hot) / B.
struct WrittenCe {
  double loss = 0;
  std::vector<double> gradient;  // [B * C]
};
WrittenCe written_ce(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor x = logits.to(at::kDouble).contiguous();
  const int64_t B = x.size(0), C = x.size(1);
  WrittenCe w;
  long double total = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t y = labels[b].item<int64_t>();
    long double m = -INFINITY, s = 0;
    for (int64_t c = 0; c < C; ++c) m = std::max(m, static_cast<long double>(x[b][c].item<double>()));
    for (int64_t c = 0; c < C; ++c) s += std::exp(static_cast<long double>(x[b][c].item<double>()) - m);
    total += m + std::log(s) - x[b][y].item<double>();
    for (int64_t c = 0; c < C; ++c) {
      const long double p = std::exp(static_cast<long double>(x[b][c].item<double>()) - m) / s;
      w.gradient.push_back(static_cast<double>((p - (c == y ? 1 : 0)) / B));
    }
  }
  w.loss = static_cast<double>(total / B);
  return w;
}

}  // namespace

TEST_CASE("loss_values and loss_with_gradient: cross-entropy per member against sums written out", "[loss]") {
  at::manual_seed(3);
  const int64_t K = 2, B = 37, C = 53;  // C not a multiple of the 4- and 8-wide loops: tails taken
  // Two members of different scales (the second's rows a softmax near one-hot), labels shared.
  const at::Tensor logits = at::stack({at::randn({B, C}, at::kDouble), 12 * at::randn({B, C}, at::kDouble)});
  const at::Tensor labels = at::randint(C, {B}, at::kLong);
  const grok::LossWithGradient lg = grok::loss_with_gradient("ce", logits, labels);
  const at::Tensor values = grok::loss_values("ce", logits, labels);
  REQUIRE(lg.loss.sizes() == at::IntArrayRef{K});
  REQUIRE(lg.gradient.sizes() == logits.sizes());
  for (int64_t k = 0; k < K; ++k) {
    INFO("member " << k);
    const WrittenCe w = written_ce(logits[k], labels);
    CHECK(lg.loss[k].item<double>() == Approx(w.loss).epsilon(1e-14));
    CHECK(values[k].item<double>() == lg.loss[k].item<double>());
    // And ATen's log_softmax + nll_loss, the autograd path's loss.
    CHECK(grok::loss_value("ce", logits[k], labels).item<double>() == Approx(w.loss).epsilon(1e-14));
    const at::Tensor g = lg.gradient[k].flatten();
    double worst = 0;
    for (int64_t i = 0; i < B * C; ++i)
      worst = std::max(worst, std::abs(g[i].item<double>() - w.gradient[static_cast<size_t>(i)]));
    CHECK(worst < 1e-16);  // entries are at most 1 / B ~ 0.03: ~1e-15 relative
  }
  // float32 logits: the gradient float32, the loss still float64 (the float32 inputs' exact loss).
  const grok::LossWithGradient lf = grok::loss_with_gradient("ce", logits.to(at::kFloat), labels);
  CHECK(lf.gradient.scalar_type() == at::kFloat);
  CHECK(lf.loss.scalar_type() == at::kDouble);
  CHECK(lf.loss[1].item<double>() == Approx(written_ce(logits[1].to(at::kFloat), labels).loss).epsilon(1e-14));
}

TEST_CASE("cross-entropy keeps a loss below float32's resolution (float64 throughout)", "[loss]") {
  // Every row's label 20 above the rest: loss = log(1 + (C - 1) e^-20) ~ 1.2e-8, which a float32
  // softmax or log-sum-exp (1 + 1.2e-8 == 1 in float32) rounds to exactly 0; float64 keeps it
  // to ~1e-8 relative (the log-sum-exp's 1 + s carries it to 1e-16 absolute).
  const int64_t B = 5, C = 7;
  const at::Tensor labels = at::tensor(std::vector<int64_t>{0, 3, 6, 2, 2}, at::kLong);
  const at::Tensor logits = (20 * at::one_hot(labels, C)).to(at::kFloat).unsqueeze(0);  // [1, B, C]
  const double s = (C - 1) * std::exp(-20.0), want = std::log1p(s);
  const grok::LossWithGradient lg = grok::loss_with_gradient("ce", logits, labels);
  CHECK(lg.loss[0].item<double>() == Approx(want).epsilon(1e-7));
  CHECK(grok::loss_values("ce", logits, labels)[0].item<double>() == Approx(want).epsilon(1e-7));
  // The label's entry (1 / (1 + s) - 1) / B = -s / (1 + s) / B; another class's e^-20 / (1 + s) / B.
  CHECK(lg.gradient[0][1][3].item<float>() == Approx(-s / (1 + s) / B).epsilon(1e-6));
  CHECK(lg.gradient[0][1][0].item<float>() == Approx(std::exp(-20.0) / (1 + s) / B).epsilon(1e-6));
}

TEST_CASE("cross-entropy subtracts each row's maximum, wherever it sits", "[loss]") {
  // Row b: zeros but 800 in one column: 4 (inside the first 8-wide block), 8 (lane 0 of the
  // second) or 20 (the last, in the tail after two blocks). exp(800) overflows float64, so only
  // x - max keeps the loss finite: 0 where the label is that column, 800 where it is another.
  const int64_t C = 21;
  const std::vector<int64_t> peak = {4, 8, 20}, label = {4, 0, 20};  // rows 0 and 2 labelled at the peak
  const int64_t B = static_cast<int64_t>(peak.size());
  at::Tensor logits = at::zeros({1, B, C}, at::kFloat);
  for (int64_t b = 0; b < B; ++b) logits[0][b][peak[static_cast<size_t>(b)]] = 800;
  const at::Tensor labels = at::tensor(label, at::kLong);
  const grok::LossWithGradient lg = grok::loss_with_gradient("ce", logits, labels);
  CHECK(lg.loss[0].item<double>() == Approx(800.0 / 3));
  CHECK(lg.gradient[0][1][0].item<float>() == Approx(-1.0 / 3));
  CHECK(lg.gradient[0][1][8].item<float>() == Approx(1.0 / 3));
  CHECK(lg.gradient[0][2][20].item<float>() == Approx(0.0).margin(1e-30));
  CHECK(lg.gradient[0][0][5].item<float>() == Approx(0.0).margin(1e-30));
}

TEST_CASE("loss_values: the same bits at any thread count, and the other losses unchanged", "[loss]") {
  at::manual_seed(5);
  const at::Tensor logits = at::randn({3, 2000, 113}, at::kFloat);  // enough rows for several threads
  const at::Tensor labels = at::randint(113, {2000}, at::kLong);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const grok::LossWithGradient one = grok::loss_with_gradient("ce", logits, labels);
  at::set_num_threads(std::max(2, threads));
  const grok::LossWithGradient many = grok::loss_with_gradient("ce", logits, labels);
  at::set_num_threads(threads);
  CHECK(at::equal(one.loss, many.loss));
  CHECK(at::equal(one.gradient, many.gradient));
  // mse and stablemax go through loss_value and loss_gradient themselves, bit for bit.
  for (const char* loss : {"mse", "stablemax"}) {
    INFO(loss);
    const grok::LossWithGradient lg = grok::loss_with_gradient(loss, logits, labels);
    for (int64_t k = 0; k < 3; ++k)
      CHECK(lg.loss[k].item<double>() == grok::loss_value(loss, logits[k], labels).item<double>());
    CHECK(at::equal(lg.gradient, grok::loss_gradient(loss, logits, labels)));
  }
}

TEST_CASE("loss_values refuses labels outside the classes and shapes that do not fit", "[loss]") {
  const at::Tensor logits = at::zeros({1, 2, 3});
  CHECK_THROWS_AS(grok::loss_values("ce", logits, at::tensor(std::vector<int64_t>{0, 3}, at::kLong)), grok::InputError);
  CHECK_THROWS_AS(grok::loss_with_gradient("ce", logits, at::tensor(std::vector<int64_t>{-1, 0}, at::kLong)),
                  grok::InputError);
  CHECK_THROWS_AS(grok::loss_values("ce", logits, at::tensor({int64_t{0}}, at::kLong)), grok::InputError);
  CHECK_THROWS_AS(grok::loss_values("ce", logits[0], at::tensor(std::vector<int64_t>{0, 1}, at::kLong)),
                  grok::InputError);
  CHECK_THROWS_AS(grok::loss_values("hinge", logits, at::tensor(std::vector<int64_t>{0, 1}, at::kLong)),
                  grok::InputError);
  // int64 labels only, and the range checked on the other losses' path too.
  CHECK_THROWS_AS(grok::loss_values("ce", logits, at::tensor(std::vector<int32_t>{0, 1}, at::kInt)), grok::InputError);
  CHECK_THROWS_AS(grok::loss_with_gradient("mse", logits, at::tensor(std::vector<int64_t>{0, 3}, at::kLong)),
                  grok::InputError);
}

TEST_CASE("exp_in_place is exp within 1 ulp, and an element's bits do not depend on its place", "[loss]") {
  // x from -745 (exp underflows to subnormals) to 709 (near overflow), in steps that hit every
  // tail length 1..3 of the 4-wide loop below.
  std::vector<double> x;
  for (double v = -745; v < 709; v += 0.7431) x.push_back(v);
  x.push_back(0), x.push_back(-0.0), x.push_back(1e-300);
  std::vector<double> y = x;
  grok::exp_in_place(y.data(), static_cast<int64_t>(y.size()));
  int worse_than_1ulp = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double want = std::exp(static_cast<long double>(x[i]));
    const double ulp = std::nextafter(static_cast<double>(want), INFINITY) - static_cast<double>(want);
    if (std::abs(static_cast<long double>(y[i]) - want) > ulp) ++worse_than_1ulp;
  }
  CHECK(worse_than_1ulp == 0);
  // Each element alone, at the start of a tail and in a vector, on values where exp has all its
  // bits (-20..5: a softmax's range), so a tail through another exp would show.
  std::vector<double> z;
  for (double v = -20; v < 5; v += 0.61) z.push_back(v);
  std::vector<double> ez = z;
  grok::exp_in_place(ez.data(), static_cast<int64_t>(ez.size()));
  for (int64_t n : {1, 2, 3, 5, 7}) {
    INFO("n = " << n);
    for (size_t start = 0; start + static_cast<size_t>(n) <= z.size(); start += 3) {
      std::vector<double> part(z.begin() + static_cast<long>(start), z.begin() + static_cast<long>(start) + n);
      grok::exp_in_place(part.data(), n);
      CHECK(std::equal(part.begin(), part.end(), ez.begin() + static_cast<long>(start)));
    }
  }
}
