// fourier_analysis.cpp — Fourier progress measures at every checkpoint (see fourier_analysis.h).
#include "grok/fourier_analysis.h"

#include <fmt/core.h>

#include <cmath>
#include <numeric>

#include "grok/error.h"

#include "grok/fourier.h"
#include "grok/logit_projections.h"
#include "grok/neuron_frequencies.h"
#include "grok/sparsity.h"
#include "grok/task.h"

namespace grok {
namespace {

std::vector<double> to_vector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

at::Tensor column(const std::vector<double>& v) { return at::tensor(v, at::kDouble); }

size_t index_of_step(const std::vector<int64_t>& steps, int64_t step) {
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i] == step) return i;
  throw InputError(fmt::format("no checkpoint at step {} (see /checkpoints/step in the run file)", step));
}

}  // namespace

std::string fourier_not_applicable(const Config& c) {
  if (c.task != "add" && c.task != "sub" && c.task != "rand")
    return fmt::format("Fourier analysis over Z_p applies to add, sub and rand; task '{}' has other features", c.task);
  if (!is_prime(c.p)) return fmt::format("Fourier analysis needs a prime p; this run has p = {}", c.p);
  return "";
}

std::string projections_not_applicable(const Config& c) {
  std::string why = fourier_not_applicable(c);
  if (!why.empty()) return why;
  if (c.task == "sub") return "logit projections are defined on a + b; task 'sub' computes a - b";
  return "";
}

std::vector<size_t> strided_checkpoints(size_t n, int64_t stride) {
  std::vector<size_t> out;
  for (size_t i = 0; i < n; i += static_cast<size_t>(std::max<int64_t>(stride, 1))) out.push_back(i);
  if (n > 0 && out.back() != n - 1) out.push_back(n - 1);
  return out;
}

KeyFrequencies find_key_frequencies(RunModel& run, const FourierOptions& o) {
  const Config& c = run.config();
  if (std::string why = fourier_not_applicable(c); !why.empty()) throw InputError(why);
  const std::vector<int64_t>& all_steps = run.checkpoint_steps();
  if (all_steps.empty()) throw InputError("the run has no checkpoints");
  const int64_t p = c.p;
  const size_t key_index = o.key_step < 0 ? all_steps.size() - 1 : index_of_step(all_steps, o.key_step);
  run.load_checkpoint(key_index);
  ActivationCache cache;
  at::Tensor logits = run.grid_logits(&cache);
  NeuronFrequencies nf = neuron_frequencies(cache.at(run.neuron_hook()).reshape({p * p, -1}), p);
  KeyFrequencies key;
  key.frequencies = key_frequencies(nf, o.tau);
  key.step = all_steps[key_index];
  key.by_logit_projection = rank_by_logit_projection(logits, p);
  key.by_logit_projection.resize(std::min<size_t>(key.by_logit_projection.size(), 10));
  key.cluster_threshold = key_cluster_threshold(nf.frac.size(1));
  return key;
}

ProbeTable analyse_fourier(RunModel& run, const FourierOptions& o) {
  // Key frequencies at one checkpoint, then held fixed.
  const KeyFrequencies key = find_key_frequencies(run, o);
  const std::vector<int64_t>& K = key.frequencies;
  const Config& c = run.config();
  const bool projections = projections_not_applicable(c).empty();
  const int64_t p = c.p;
  const std::vector<int64_t>& all_steps = run.checkpoint_steps();
  const std::string hook = run.neuron_hook();

  ProbeTable t;
  t.group = "fourier";
  t.attrs["key_frequencies"] = K;
  t.attrs["key_frequencies_step"] = key.step;
  t.attrs["frequencies_by_logit_projection"] = key.by_logit_projection;
  t.attrs["tau"] = o.tau;
  t.attrs["key_cluster_threshold"] = key.cluster_threshold;
  t.attrs["chance_loss"] = std::log(static_cast<double>(p));
  t.attrs["projections_apply"] = projections;
  if (!projections) t.attrs["projections_not_applicable"] = projections_not_applicable(c);
  t.attrs["definitions"] = "shared/spec/metrics.md; trig fit on logits centred per input; IPR on each neuron's "
                           "input weights as a function of a (W_E[:p] W_in, or W_in[:p] for one-hot MLPs)";

  std::vector<double> e_gini, wl_gini, clustered, ipr_mean, loss_train, loss_test;
  std::vector<double> r_test, r_train, r_all, x_train, fit_cos, fit_res;
  std::vector<at::Tensor> e_norms, wl_norms, sizes, best, best_frac, x_per_k, trig, proj_norms;
  at::Tensor labels = run.labels();
  for (size_t i : strided_checkpoints(all_steps.size(), o.stride)) {
    t.steps.push_back(all_steps[i]);
    run.load_checkpoint(i);
    ActivationCache cache;
    at::Tensor L = run.grid_logits(&cache);  // [p*p, p]
    at::Tensor en = fourier_norms(run.number_embedding());
    at::Tensor wn = fourier_norms(run.neuron_logit_map().t());
    e_norms.push_back(en);
    wl_norms.push_back(wn);
    e_gini.push_back(gini(to_vector(en)));
    wl_gini.push_back(gini(to_vector(wn)));
    NeuronFrequencies nf = neuron_frequencies(cache.at(hook).reshape({p * p, -1}), p);
    std::vector<int64_t> cs = cluster_sizes(nf, o.tau);
    sizes.push_back(at::tensor(cs, at::kLong));
    best.push_back(nf.best);
    best_frac.push_back(nf.best_frac);
    clustered.push_back(static_cast<double>(std::accumulate(cs.begin(), cs.end(), int64_t{0})) /
                        static_cast<double>(nf.best.size(0)));
    at::Tensor per_neuron = fourier_norms_per_column(run.neuron_input_weights());  // [n_freq, M]
    double ipr_sum = 0;
    for (int64_t n = 0; n < per_neuron.size(1); ++n) ipr_sum += inverse_participation_ratio(to_vector(per_neuron.select(1, n)));
    ipr_mean.push_back(ipr_sum / static_cast<double>(per_neuron.size(1)));
    LogitTable lt = logit_table(L, p);
    loss_train.push_back(cross_entropy(lt, labels, run.train_rows()));
    loss_test.push_back(cross_entropy(lt, labels, run.test_rows()));
    if (projections) {
      r_test.push_back(restricted_loss(lt, K, labels, run.test_rows()));
      r_train.push_back(restricted_loss(lt, K, labels, run.train_rows()));
      r_all.push_back(restricted_loss(lt, K, labels, run.valid_rows()));
      x_train.push_back(excluded_loss(lt, K, labels, run.train_rows()));
      std::vector<double> per_k;
      for (int64_t k : K) per_k.push_back(excluded_loss(lt, {k}, labels, run.train_rows()));
      x_per_k.push_back(column(per_k));
      TrigFit fit = trig_fit(lt, K);
      trig.push_back(column(fit.coefficient));
      fit_cos.push_back(fit.fit_cosine);
      fit_res.push_back(fit.residual);
      proj_norms.push_back(logit_projection_norms(lt));
    }
  }
  t.add("embed_fourier_norm", at::stack(e_norms), "squared Fourier norm of W_E[:p] per frequency", {"frequency"});
  t.add("embed_gini", column(e_gini), "Gini of the embedding's Fourier norms over k");
  t.add("W_L_fourier_norm", at::stack(wl_norms), "squared Fourier norm of W_L = W_out W_U along outputs", {"frequency"});
  t.add("W_L_gini", column(wl_gini), "Gini of W_L's Fourier norms over k");
  t.add("cluster_size", at::stack(sizes), "neurons with best frequency k and frac_k >= tau", {"frequency"});
  t.add("fraction_clustered", column(clustered), "fraction of neurons in some frequency cluster");
  t.add("neuron_best_frequency", at::stack(best), "argmax_k frac_k(n), 1-based", {"neuron"});
  t.add("neuron_best_fraction", at::stack(best_frac), "frac_best(n): variance explained by the best frequency", {"neuron"});
  t.add("mean_ipr", column(ipr_mean), "mean over neurons of the IPR of their input weights' Fourier norms");
  t.add("train_loss", column(loss_train), "cross-entropy on train pairs at the checkpoint (nats)");
  t.add("test_loss", column(loss_test), "cross-entropy on test pairs at the checkpoint (nats)");
  if (projections) {
    t.add("restricted_loss_test", column(r_test), "cross-entropy of the restricted logits on test pairs (nats)");
    t.add("restricted_loss_train", column(r_train), "cross-entropy of the restricted logits on train pairs (nats)");
    t.add("restricted_loss_all", column(r_all), "cross-entropy of the restricted logits on all valid pairs (nats)");
    t.add("excluded_loss_train", column(x_train), "cross-entropy of the excluded logits on train pairs (nats)");
    if (!K.empty())
      t.add("excluded_loss_train_per_key", at::stack(x_per_k), "excluded loss (train) removing one key frequency",
            {"key_frequency"});
    t.add("trig_coefficient", at::stack(trig), "C_k = <L, Chat_k> (logits centred per input)", {"frequency"});
    t.add("trig_fit_cosine", column(fit_cos), "cosine similarity of sum_{k in K} C_k Chat_k to L");
    t.add("trig_fit_residual", column(fit_res), "||L - fit|| / ||L||");
    t.add("logit_projection_norm", at::stack(proj_norms), "||P_k L||^2 per frequency", {"frequency"});
  }
  return t;
}

}  // namespace grok
