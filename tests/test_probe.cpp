// test_probe.cpp — progress measures against planted ground truth and hand-worked cases.
#include <catch2/catch.hpp>

#include <cmath>

#include "grok/core/presets.h"
#include "grok/measures/fourier.h"
#include "grok/measures/logit_projections.h"
#include "grok/measures/neuron_frequencies.h"
#include "grok/measures/representations.h"
#include "grok/measures/sparsity.h"
#include "grok/model/grid.h"
#include "grok/model/mlp.h"
#include "grok/model/transformer.h"
#include "grok/story/story.h"

namespace {

// Logits that compute (a + b) mod p with frequencies K: L = alpha * sum_k cos(w_k (a + b - c)).
at::Tensor planted_logits(int64_t p, const std::vector<int64_t>& K, double alpha) {
  at::Tensor s = grok::grid_sums(p).to(at::kDouble);
  at::Tensor diff = s.unsqueeze(1) - at::arange(p, at::kDouble).unsqueeze(0);
  at::Tensor L = at::zeros({p * p, p}, at::kDouble);
  for (int64_t k : K) L += alpha * at::cos(diff * (2 * M_PI * k / p));
  return L;
}

at::Tensor add_labels(int64_t p) { return grok::grid_sums(p); }

}  // namespace

TEST_CASE("the Fourier basis is orthonormal for odd and even p", "[fourier]") {
  for (int64_t p : {31, 30, 2, 3}) {
    at::Tensor B = grok::fourier_basis(p);
    INFO("p = " << p);
    REQUIRE(B.sizes().vec() == std::vector<int64_t>{p, p});
    CHECK((at::matmul(B, B.t()) - at::eye(p, at::kDouble)).abs().max().item<double>() < 1e-10);
  }
  // Even p: the last frequency has a cos row only, and it is the alternating sign.
  CHECK(grok::frequency_rows(30, 15) == std::vector<int64_t>{29});
  CHECK(grok::frequency_rows(31, 15) == std::vector<int64_t>{29, 30});
  at::Tensor alt = grok::fourier_basis(30)[29] * std::sqrt(30.0);
  CHECK(at::allclose(alt.abs(), at::ones({30}, at::kDouble)));
  CHECK(grok::fourier_row_names(4) == std::vector<std::string>{"const", "cos 1", "sin 1", "cos 2"});
}

TEST_CASE("Fourier norms split the squared norm by frequency, including p/2 for even p", "[fourier]") {
  at::manual_seed(0);
  at::Tensor M = at::randn({30, 5}, at::kDouble);
  at::Tensor norms = grok::fourier_norms(M);
  REQUIRE(norms.size(0) == 15);
  CHECK(norms.sum().item<double>() + grok::fourier_constant_norm(M) == Approx(M.pow(2).sum().item<double>()));
  // A pure frequency-4 signal has all its norm at k = 4.
  at::Tensor x = at::arange(31, at::kDouble);
  at::Tensor pure = at::stack({at::cos(x * (2 * M_PI * 4 / 31)), at::sin(x * (2 * M_PI * 4 / 31) + 1.0)}, 1);
  at::Tensor n = grok::fourier_norms(pure);
  CHECK(n.argmax().item<int64_t>() == 3);
  CHECK(n[3].item<double>() / n.sum().item<double>() == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("table-based logit measures match their [p^2, p] definitions on random logits", "[fourier]") {
  // The fast paths sum L over pairs with the same a + b first; check them
  // against the definitions written out over the full grid, for odd and even p.
  for (int64_t p : {30, 31}) {
    at::manual_seed(5);
    at::Tensor L = at::randn({p * p, p}, at::kDouble) * 3.0 + at::randn({p * p, 1}, at::kDouble);
    at::Tensor labels = add_labels(p);
    at::Tensor rows = at::arange(0, p * p, 3, at::kLong);
    grok::LogitTable lt = grok::logit_table(L, p);
    INFO("p = " << p);
    CHECK(grok::cross_entropy(lt, labels, rows) == Approx(grok::cross_entropy_on(L, labels, rows)).epsilon(1e-12));
    // (Restricted and excluded loss against explicit outer-product projections: test_measures_projections.cpp.)
    // ||P_k L||^2, including k = p/2 for even p (a cos direction only).
    at::Tensor norms = grok::logit_projection_norms(lt);
    for (int64_t k : {int64_t{1}, int64_t{4}, p / 2})
      CHECK(norms[k - 1].item<double>() ==
            Approx(grok::project_frequency(L, p, k).pow(2).sum().item<double>()).epsilon(1e-10));
    // C_k = <L', Chat_k>, with Chat_k = cos(w_k (a + b - c)) unit-normalised over [p^2, p].
    at::Tensor Lc = L - L.mean(1, true);
    at::Tensor r = (grok::grid_sums(p).unsqueeze(1) - at::arange(p, at::kLong).unsqueeze(0)).to(at::kDouble);
    grok::TrigFit fit = grok::trig_fit(lt, {3});
    for (int64_t k : {int64_t{1}, int64_t{3}, p / 2}) {
      at::Tensor chat = at::cos(r * (2 * M_PI * k / p));
      double expected = (Lc * chat).sum().item<double>() / chat.norm().item<double>();
      CHECK(fit.coefficient[static_cast<size_t>(k - 1)] == Approx(expected).epsilon(1e-10));
    }
    CHECK(fit.fit_cosine == Approx(std::abs(fit.coefficient[2]) / Lc.norm().item<double>()).epsilon(1e-10));
  }
}

TEST_CASE("planted logits: the projections find exactly the planted frequencies", "[fourier][planted]") {
  const int64_t p = 31;
  const std::vector<int64_t> K{3, 7, 11};
  at::Tensor L = planted_logits(p, K, 4.0);
  at::Tensor labels = add_labels(p);
  at::Tensor all = at::arange(p * p, at::kLong);

  std::vector<int64_t> ranking = grok::rank_by_logit_projection(L, p);
  std::vector<int64_t> top(ranking.begin(), ranking.begin() + 3);
  std::sort(top.begin(), top.end());
  CHECK(top == K);

  grok::TrigFit fit = grok::trig_fit(L, p, K);
  CHECK(fit.fit_cosine == Approx(1.0).epsilon(1e-9));
  CHECK(fit.residual < 1e-6);
  CHECK(std::abs(fit.coefficient[4]) < 1e-9);  // k = 5 is absent

  const double own = grok::cross_entropy_on(L, labels, all);
  CHECK(grok::cross_entropy_on(grok::restricted_logits(L, p, K), labels, all) == Approx(own).epsilon(1e-9));
  // Without its frequencies the model knows nothing: chance or worse.
  CHECK(grok::cross_entropy_on(grok::excluded_logits(L, p, K), labels, all) >= std::log(31.0) - 1e-9);
  // Removing one frequency hurts, but less than removing all three.
  double one = grok::cross_entropy_on(grok::excluded_logits(L, p, {7}), labels, all);
  CHECK(one > own);
  // The projection of one frequency equals the explicit [p^2, p] formula.
  at::Tensor s = grok::grid_sums(p).to(at::kDouble) * (2 * M_PI * 7 / p);
  at::Tensor uc = at::cos(s) / at::cos(s).norm(), us = at::sin(s) / at::sin(s).norm();
  at::Tensor explicit_P = at::outer(uc, at::matmul(uc, L)) + at::outer(us, at::matmul(us, L));
  CHECK(at::allclose(grok::project_frequency(L, p, 7), explicit_P, 1e-9, 1e-9));
}

TEST_CASE("planted neurons: key frequencies are exactly the planted ones", "[fourier][planted]") {
  const int64_t p = 31;
  at::Tensor ab = grok::grid_pairs(p).to(at::kDouble);
  at::Tensor a = ab.select(1, 0), b = ab.select(1, 1);
  std::vector<at::Tensor> neurons;
  const std::vector<int64_t> K{3, 7, 11};
  for (int64_t n = 0; n < 30; ++n) {
    int64_t k = K[static_cast<size_t>(n % 3)];
    double w = 2 * M_PI * k / p, phase = 0.3 * n;
    // Products of a- and b-waves: the 'quadratic' terms the spec's frac_k counts.
    neurons.push_back(at::cos(w * a + phase) * at::cos(w * b - phase) + 0.5 * at::cos(w * (a + b)));
  }
  at::Tensor N = at::stack(neurons, 1);  // [p*p, 30]
  grok::NeuronFrequencies nf = grok::neuron_frequencies(N, p);
  CHECK(nf.best_frac.min().item<double>() > 0.999);
  CHECK(grok::key_frequencies(nf, 0.85) == K);
  std::vector<int64_t> sizes = grok::cluster_sizes(nf, 0.85);
  CHECK(sizes[2] == 10);
  CHECK(sizes[6] == 10);
  CHECK(sizes[10] == 10);
  CHECK(grok::key_cluster_threshold(512) == 6);
  CHECK(grok::key_cluster_threshold(30) == 2);
}

TEST_CASE("a cluster one neuron short of the threshold, and a neuron just below tau, are not key",
          "[fourier][planted]") {
  // 512 neurons: a frequency is key with a cluster of max(2, ceil(0.01 * 512)) = 6.
  const int64_t p = 31, M = 512;
  at::Tensor ab = grok::grid_pairs(p).to(at::kDouble);
  at::Tensor a = ab.select(1, 0), b = ab.select(1, 1);
  auto wave = [&](int64_t k, double phase) { return at::cos(2 * M_PI * k / p * (a + b) + phase); };
  at::Tensor N = at::zeros({p * p, M}, at::kDouble);  // constant (dead) neurons belong to no cluster
  for (int64_t n = 0; n < 6; ++n) N.select(1, n).copy_(wave(3, 0.4 * n));   // 6 at k = 3: key
  for (int64_t n = 6; n < 11; ++n) N.select(1, n).copy_(wave(7, 0.4 * n));  // 5 at k = 7: one short
  grok::NeuronFrequencies nf = grok::neuron_frequencies(N.to(at::kFloat), p);
  CHECK(grok::key_frequencies(nf, 0.85) == std::vector<int64_t>{3});
  CHECK(grok::cluster_sizes(nf, 0.85)[6] == 5);
  // frac_best >= tau joins the cluster: at tau equal to a neuron's own fraction it is in, just above it is out.
  const double f = nf.best_frac[0].item<double>();
  CHECK(grok::cluster_sizes(nf, f)[2] >= 1);
  at::Tensor exact = nf.best_frac.slice(0, 0, 6);
  const int64_t at_or_above = exact.ge(f).sum().item<int64_t>();
  CHECK(grok::cluster_sizes(nf, f)[2] == at_or_above);
  CHECK(grok::cluster_sizes(nf, std::nextafter(exact.max().item<double>(), 2.0))[2] == 0);
}

TEST_CASE("neuron frequency fractions match the definition, odd and even p", "[fourier]") {
  // The fast path computes only the blocks it needs and the total by Parseval;
  // here: the full float64 transform of the centred activations, summed by hand.
  for (int64_t p : {30, 31}) {
    at::manual_seed(11);
    at::Tensor N = at::relu(at::randn({p * p, 7}, at::kFloat)) + 0.5;  // a nonzero mean, as relu neurons have
    N.select(1, 6).fill_(1.25);                                        // a constant (dead) neuron
    grok::NeuronFrequencies nf = grok::neuron_frequencies(N, p);
    at::Tensor centred = N.to(at::kDouble) - N.to(at::kDouble).mean(0, true);
    at::Tensor hat_sq = grok::fourier_transform_2d(centred.view({p, p, 7})).pow(2);  // [i, j, m]
    for (int64_t k = 1; k <= grok::n_frequencies(p); ++k) {
      std::vector<int64_t> rows{0};
      for (int64_t r : grok::frequency_rows(p, k)) rows.push_back(r);
      at::Tensor idx = at::tensor(rows, at::kLong);
      at::Tensor block = hat_sq.index_select(0, idx).index_select(1, idx).sum(at::IntArrayRef{0, 1});  // [m]
      at::Tensor expected = block.slice(0, 0, 6) / hat_sq.sum(at::IntArrayRef{0, 1}).slice(0, 0, 6);
      INFO("p = " << p << ", k = " << k);
      CHECK(at::allclose(nf.frac[k - 1].slice(0, 0, 6), expected, 1e-4, 1e-5));
    }
    CHECK(nf.frac.select(1, 6).abs().max().item<double>() == 0.0);  // a constant neuron has no frequency
  }
}

TEST_CASE("random weights: no key frequencies", "[fourier]") {
  grok::Config c = grok::load_preset("nanda2023");
  c.p = 31;
  grok::Transformer m(c);
  c10::NoGradGuard no_grad;
  grok::ActivationCache cache;
  m.forward(grok::grid_pairs(31), &cache);
  grok::NeuronFrequencies nf = grok::neuron_frequencies(cache.at("blocks.0.mlp.hook_post"), 31);
  CHECK(grok::key_frequencies(nf, 0.85).empty());
}

TEST_CASE("Gini and IPR on hand-worked vectors", "[sparsity]") {
  CHECK(grok::gini({1, 1, 1, 1}) == Approx(0.0));
  CHECK(grok::gini({1, 0, 0, 0}) == Approx(0.75));
  CHECK(grok::gini({1, 2, 3, 4}) == Approx(0.25));  // sum|vi - vj| = 20; 20 / (2 * 4 * 10)
  CHECK(grok::gini({0, 0}) == 0.0);
  CHECK(grok::inverse_participation_ratio({5, 0, 0}) == Approx(1.0));
  CHECK(grok::inverse_participation_ratio({1, 1, 1, 1}) == Approx(0.25));
}

TEST_CASE("RQI: a planted linear embedding scores 1, the modular variant counts wrap-arounds", "[probes]") {
  const int64_t p = 17;
  at::manual_seed(0);
  at::Tensor v = at::randn({1, 8}, at::kDouble);
  at::Tensor E = at::arange(p, at::kDouble).unsqueeze(1) * v;  // E_i = i * v
  CHECK(grok::rqi(E, 0.01, false) == Approx(1.0));
  double mod = grok::rqi(E, 0.01, true);
  CHECK(mod < 0.9);
  CHECK(mod > 0.1);
  CHECK(grok::rqi(at::randn({p, 8}, at::kDouble), 0.01, false) < 0.05);
}

TEST_CASE("distance irrelevance of planted clock and pizza logit tables", "[probes]") {
  const int64_t p = 13;
  at::Tensor only_distance = at::empty({p * p}, at::kDouble), only_sum = at::empty({p * p}, at::kDouble);
  for (int64_t a = 0; a < p; ++a)
    for (int64_t b = 0; b < p; ++b) {
      int64_t d = ((a - b) % p + p) % p, s = (a + b) % p;
      only_distance[a * p + b] = std::cos(2 * M_PI * d / p) + 0.1 * d;  // pizza-like: depends on a - b
      only_sum[a * p + b] = std::sin(0.7 * s) + 0.05 * s * s;           // no dependence on a - b
    }
  CHECK(grok::distance_irrelevance(only_distance, p) == Approx(0.0).margin(1e-12));
  CHECK(grok::distance_irrelevance(only_sum, p) == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("gradient symmetricity: 1 when the operands are summed, below 1 when attention mixes them", "[probes]") {
  grok::Config c = grok::load_preset("demo");
  c.p = 11;
  c.d_model = 8;
  c.d_head = 4;
  c.d_mlp = 16;
  // An MLP reads act(in(a) + in(b)): its anatomy says so, and s_g is 1 by construction
  // (which is why the analysis reports it as not applicable there).
  c.model = "mlp";
  grok::Mlp m(c);
  CHECK(m.operands_enter_additively());
  CHECK(grok::gradient_symmetricity(m, 11, 10, 0) == Approx(1.0).epsilon(1e-6));  // float32 gradients

  c.model = "transformer";
  grok::Transformer t(c);
  CHECK_FALSE(t.operands_enter_additively());
  auto scale = [&](const std::string& name, double factor) {
    c10::NoGradGuard no_grad;
    const_cast<at::Tensor&>(t.param(name)).mul_(factor);
  };
  // Planted pizza: W_Q = 0 makes attention uniform, so the MLP at '=' sees
  // (v(a) + v(b) + v(=)) / 3 and d logit / d E_a = d logit / d E_b exactly.
  scale("blocks.0.attn.W_Q", 0.0);
  CHECK(grok::gradient_symmetricity(t, 11, 16, 0) == Approx(1.0).epsilon(1e-5));
  // Planted clock-like attention: large random queries and keys make the
  // weights on a and on b depend on the tokens themselves, a multiplicative
  // interaction: the two gradients point in different directions.
  at::manual_seed(3);
  {
    c10::NoGradGuard no_grad;
    const_cast<at::Tensor&>(t.param("blocks.0.attn.W_Q")).copy_(at::randn({4, 8, 4}) * 2.0);
  }
  scale("blocks.0.attn.W_K", 4.0);
  CHECK(grok::gradient_symmetricity(t, 11, 16, 0) < 0.9);
}

TEST_CASE("PCA of a circle embedding: two components of equal variance at its frequency", "[probes]") {
  const int64_t p = 23;
  at::Tensor x = at::arange(p, at::kDouble) * (2 * M_PI * 5 / p);
  at::Tensor E = at::stack({at::cos(x), at::sin(x), at::zeros({p}, at::kDouble)}, 1);
  grok::Pca pca = grok::embedding_pca(E, 2);
  CHECK(pca.explained_variance_ratio[0] == Approx(0.5).epsilon(1e-6));
  CHECK(pca.explained_variance_ratio[1] == Approx(0.5).epsilon(1e-6));
  CHECK(pca.dominant_frequency == std::vector<int64_t>{5, 5});
}

TEST_CASE("ridge probes recover linear targets and fail on noise", "[probes]") {
  at::manual_seed(0);
  at::Tensor X = at::randn({400, 6}, at::kDouble);
  at::Tensor Y = at::stack({X.select(1, 0) * 2 - X.select(1, 3), at::randn({400}, at::kDouble)}, 1);
  at::Tensor train = at::arange(0, 300, at::kLong), test = at::arange(300, 400, at::kLong);
  at::Tensor r2 = grok::ridge_r2(X, Y, train, test, 1e-6);
  CHECK(r2[0].item<double>() > 0.999);
  CHECK(r2[1].item<double>() < 0.2);
  at::Tensor labels = X.select(1, 1).gt(0).to(at::kLong);
  CHECK(grok::ridge_onehot_accuracy(X, labels, 2, train, test, 1e-3) > 0.9);
}

TEST_CASE("softmax collapse and efficiency on hand-made logits", "[probes]") {
  at::Tensor logits = at::tensor({0.0, 200.0, 0.0, 1.0, 2.0, 3.0}, at::kDouble).view({2, 3});
  at::Tensor labels = at::tensor({1, 2}, at::kLong);
  grok::SoftmaxCollapse sc = grok::softmax_collapse(logits, labels);
  CHECK(sc.sum_exactly_one == 0.5);  // row 0 collapsed in float32
  CHECK(sc.loss_exactly_zero == 0.5);
  CHECK(grok::efficiency(logits, labels, 2.0) == Approx((200.0 + 1.0) / 2 / 2.0));
}

#include "grok/probe/fourier_analysis.h"
#include "grok/probe/representation_analysis.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/train/trainer.h"
#include "temp_runs.h"

using grok_test::train_temp_run;

TEST_CASE("the analyses run on MLP runs and say when Fourier analysis does not apply", "[probes][run]") {
  grok::Config c = grok::load_preset("demo");
  c.model = "mlp";
  c.mlp_input = "onehot";
  c.act = "quadratic";
  c.p = 13;
  c.d_mlp = 24;
  c.steps = 30;
  c.checkpoint_every = 10;
  c.activation_log = 0;
  grok::RunCheckpoints run(train_temp_run(c, "mlp_probe.h5"));
  CHECK(run.model().neuron_hook() == "mlp.hook_pre");
  grok::FourierResult f = grok::analyse_fourier(run, {});
  CHECK(f.steps == std::vector<int64_t>{0, 10, 20, 30});
  REQUIRE(f.at.size() == 4);
  CHECK(f.at[0].cluster_sizes.sizes().vec() == std::vector<int64_t>{6});
  CHECK(f.at[0].best.sizes().vec() == std::vector<int64_t>{24});
  CHECK(f.projections_apply());
  // The probe file's table: one row per step.
  grok::CurveTable ft = grok::fourier_table(f);
  CHECK(ft.curve("cluster_size").values.sizes().vec() == std::vector<int64_t>{4, 6});
  CHECK(ft.curve("neuron_best_frequency").values.sizes().vec() == std::vector<int64_t>{4, 24});
  CHECK(ft.scalar_curve("restricted_loss_test").size() == 4);
  grok::RepresentationOptions o;
  o.key_frequencies = {1, 2};
  grok::RepresentationResult pr = grok::analyse_representations(run, o);
  CHECK(pr.at[0].r2.sizes().vec() == std::vector<int64_t>{2, 3, 2});
  CHECK(grok::representation_table(pr).curve("r2_targets").values.sizes().vec() == std::vector<int64_t>{4, 12});
  // A one-hot MLP reads W_in[a] + W_in[p + b]: s_g would be 1 by construction, so it is not measured.
  CHECK(pr.clock_pizza);
  CHECK_FALSE(pr.symmetricity);
  CHECK_THAT(pr.symmetricity_note, Catch::Contains("additively"));
  CHECK_THROWS(grok::representation_table(pr).curve("gradient_symmetricity"));
  CHECK(grok::representation_table(pr).curve("distance_irrelevance").values.size(0) == 4);
  REQUIRE(pr.at[0].gradient_weight_cosine.size(0) == static_cast<int64_t>(run.model().parameters().size()) + 1);

  c.task = "mul";
  grok::RunCheckpoints mul(train_temp_run(c, "mlp_probe_mul.h5"));
  CHECK_THROWS_WITH(grok::analyse_fourier(mul, {}), Catch::Contains("applies to add, sub and rand"));
  grok::RepresentationResult mp = grok::analyse_representations(mul, {});
  CHECK_FALSE(mp.clock_pizza);  // clock/pizza measures do not apply to mul
  CHECK_THROWS(grok::representation_table(mp).curve("gradient_symmetricity"));
}

#include <ATen/Parallel.h>

#include "grok/core/error.h"

TEST_CASE("the analyses give bit-identical curves with 1 and 2 threads, and a worker's error reaches the caller",
          "[probes][run][threads]") {
  grok::Config c = grok::load_preset("demo");
  c.p = 13;
  c.d_model = 16;
  c.d_mlp = 32;
  c.steps = 40;
  c.checkpoint_every = 10;
  c.activation_log = 0;
  grok::RunCheckpoints run(train_temp_run(c, "threads_probe.h5"));
  const int saved = at::get_num_threads();
  grok::RepresentationOptions po;
  po.key_frequencies = {1, 3};
  auto analyse = [&](int threads) {
    at::set_num_threads(threads);
    grok::FourierOptions fo;
    fo.key_frequencies = {1, 3};  // so that the null baseline and the drift are measured too
    std::vector<grok::CurveTable> tables{grok::fourier_table(grok::analyse_fourier(run, fo)),
                                         grok::representation_table(grok::analyse_representations(run, po))};
    return tables;
  };
  std::vector<grok::CurveTable> one = analyse(1), two = analyse(2);
  at::set_num_threads(saved);
  for (size_t t = 0; t < one.size(); ++t) {
    REQUIRE(one[t].curves.size() == two[t].curves.size());
    CHECK(one[t].steps == two[t].steps);
    CHECK(one[t].attrs == two[t].attrs);  // key frequencies included
    for (size_t k = 0; k < one[t].curves.size(); ++k) {
      INFO(one[t].group << "/" << one[t].curves[k].name);
      // NaN marks "not measured" (e.g. an empty cluster); it must sit in the same places.
      const at::Tensor x = one[t].curves[k].values, y = two[t].curves[k].values;
      CHECK(at::equal(x.isnan(), y.isnan()));
      CHECK(at::equal(x.nan_to_num(0), y.nan_to_num(0)));
    }
  }

  at::set_num_threads(2);
  std::vector<size_t> indices{0, 1, 2, 3, 4};
  CHECK_THROWS_WITH(run.for_each_checkpoint(indices,
                                            [](grok::Model&, size_t i) {
                                              if (i == 3) throw grok::InputError("checkpoint 3 is bad");
                                            }),
                    "checkpoint 3 is bad");
  at::set_num_threads(saved);
}

TEST_CASE("key-frequency drift: first steps from per-checkpoint key sets", "[fourier][drift]") {
  // Key set {2, 5, 6}: 2 is key from step 20 on; 5 at step 0 (a blip) and again at 30, so its first
  // step is 0 (first appearance, not "from then on"); 6 never is.
  grok::FourierResult r;
  r.key.frequencies = {2, 5, 6};
  r.steps = {0, 10, 20, 30};
  const std::vector<std::vector<int64_t>> key_now = {{5}, {}, {2}, {2, 5}};
  for (const auto& keys : key_now) {
    grok::FourierCheckpoint c;
    c.key_now = at::zeros({8}, at::kLong);
    for (int64_t k : keys) c.key_now[k - 1] = 1;
    r.at.push_back(c);
  }
  CHECK(r.key_first_steps() == std::vector<int64_t>{20, 0, -1});  // 6 is never key: -1
}

#include "grok/probe/watch.h"

TEST_CASE("sparklines: log-spaced samples, scaled between the curve's min and max", "[watch]") {
  // Steps 0 (drawn at 1), 10, 1000; three columns sample steps 1, ~31.6 and 1000 -> rows 0, 1, 2.
  const std::vector<int64_t> steps{0, 10, 1000};
  CHECK(grok::sparkline(steps, {5, 7, 9}, 3, false) == "▁▅█");     // (7 - 5) / 4 * 8 = 4 -> the fifth block
  CHECK(grok::sparkline(steps, {1, 10, 100}, 3, true) == "▁▅█");   // on log10 values: 0, 1, 2
  CHECK(grok::sparkline(steps, {1, 10, 100}, 3, false) == "▁▁█");  // linear: 9/99 * 8 < 1
  CHECK(grok::sparkline(steps, {2, 2, 2}, 4, false) == "▁▁▁▁");    // a flat curve
  // Six columns over log steps 1..1000: samples at 1, 4, 16, 63, 251, 1000 -> rows 0, 0, 1, 1, 1, 2.
  CHECK(grok::sparkline(steps, {0, 1, 2}, 6, false) == "▁▁▅▅▅█");
  CHECK(grok::sparkline({}, {}, 5, false).empty());
}
