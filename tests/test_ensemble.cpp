// test_ensemble.cpp — many models as one batched model (model.h forward_members, trainer.h
// train_ensemble): member k must compute exactly what the model of seed k computes alone.
//
// "Close" is not the criterion: the dynamics amplify any rounding difference into a different
// run (float32 bmm vs mm drift 1e-3 relative in test loss by step 20). So every check here is
// bit for bit, against each model run alone through its own forward() and backward().
#include <catch2/catch.hpp>

#include <ATen/Parallel.h>

#include "grok/core/presets.h"
#include "grok/model/grid.h"
#include "grok/model/model.h"
#include "grok/train/loss.h"

namespace {

grok::Config small(const std::string& preset) {
  grok::Config c = grok::load_preset(preset);
  c.p = 23;
  return c;
}

bool same_bits(const at::Tensor& a, const at::Tensor& b) {
  return a.sizes().equals(b.sizes()) && at::equal(a.contiguous(), b.contiguous());
}

// Seeds 0..K-1 alone, and the same K stacked along a leading member axis.
struct Members {
  std::vector<std::unique_ptr<grok::Model>> alone;
  std::vector<at::Tensor> stacked;  // [K, ...] leaves, parameters() order
};

Members members_of(grok::Config c, int64_t K) {
  Members m;
  for (int64_t k = 0; k < K; ++k) {
    c.seed = k;
    m.alone.push_back(grok::make_model(c));
  }
  for (size_t i = 0; i < m.alone[0]->parameters().size(); ++i) {
    std::vector<at::Tensor> slices;
    for (const auto& model : m.alone) slices.push_back(model->parameters()[i].value.detach());
    m.stacked.push_back(at::stack(slices).requires_grad_(true));
  }
  return m;
}

// Logits, every hook and every parameter gradient of member k equal model k alone's.
void check_members_compute_alone(const grok::Config& c, int64_t K) {
  Members m = members_of(c, K);
  const at::Tensor pairs = grok::grid_pairs(c.p).slice(0, 0, 300);  // [300, 2]
  const at::Tensor labels = at::randint(c.p, {300}, at::kLong);
  grok::ActivationCache together;
  at::Tensor logits = m.stacked.empty() ? at::Tensor() : m.alone[0]->forward_members(m.stacked, pairs, &together);
  REQUIRE(logits.sizes().equals({K, 300, c.p}));
  std::vector<at::Tensor> losses;
  for (const at::Tensor& member : logits.unbind(0)) losses.push_back(grok::loss_value(c.loss, member, labels));
  at::stack(losses).sum().backward();
  for (int64_t k = 0; k < K; ++k) {
    grok::Model& alone = *m.alone[static_cast<size_t>(k)];
    grok::ActivationCache cache;
    at::Tensor own = alone.forward(pairs, &cache);
    at::Tensor loss = grok::loss_value(c.loss, own, labels);
    loss.backward();
    CHECK(same_bits(logits[k], own));
    CHECK(same_bits(losses[static_cast<size_t>(k)], loss));
    for (const auto& [hook, value] : cache) {
      INFO("hook " << hook << ", member " << k);
      CHECK(same_bits(together.at(hook)[k], value));
    }
    for (size_t i = 0; i < alone.parameters().size(); ++i) {
      INFO("gradient of " << alone.parameters()[i].name << ", member " << k);
      CHECK(same_bits(m.stacked[i].grad()[k], alone.parameters()[i].value.grad()));
    }
  }
}

}  // namespace

TEST_CASE("member k of a batched forward computes model k alone, bit for bit", "[ensemble]") {
  at::manual_seed(5);
  const int threads = at::get_num_threads();
  for (int t : {1, 2}) {
    at::set_num_threads(t);
    SECTION("one-layer transformer (the per-token tables), threads " + std::to_string(t)) {
      check_members_compute_alone(small("demo"), 3);
    }
    SECTION("two layers, biases and constant attention mixed in, threads " + std::to_string(t)) {
      grok::Config c = small("demo");
      c.n_layers = 2, c.bias = true, c.attention_rate = 0.5;
      check_members_compute_alone(c, 3);
    }
    SECTION("one-hot MLP, quadratic, MSE, threads " + std::to_string(t)) {
      check_members_compute_alone(small("gromov2023"), 4);
    }
    SECTION("embedded MLP with biases, threads " + std::to_string(t)) {
      grok::Config c = small("gromov2023");
      c.mlp_input = "embed", c.bias = true, c.act = "relu", c.loss = "ce";
      check_members_compute_alone(c, 2);
    }
  }
  at::set_num_threads(threads);
}
