// fourier_analysis.cpp — Fourier progress measures at every checkpoint (see fourier_analysis.h).
#include "grok/probe/fourier_analysis.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "grok/core/error.h"

#include "grok/core/task.h"
#include "grok/measures/fourier.h"
#include "grok/measures/logit_projections.h"
#include "grok/measures/logit_structure.h"
#include "grok/measures/neuron_frequencies.h"
#include "grok/measures/neuron_phases.h"
#include "grok/measures/sparsity.h"
#include "grok/model/grid.h"

namespace grok {
namespace {

// Where every measure is defined, stored with the results.
constexpr const char* kFourierDefinitions =
    "grokscope docs/probe-file.md; trig fit on logits centred per input; IPR on each neuron's input weights as a "
    "function of a number (the model's neuron_input_map: W_neur)";

std::vector<double> to_vector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kDouble).cpu().contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
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

KeyFrequencies find_key_frequencies(RunCheckpoints& run, const FourierOptions& o) {
  const Config& c = run.config();
  if (std::string why = fourier_not_applicable(c); !why.empty()) throw InputError(why);
  const int64_t p = c.p;
  const size_t key_index = run.checkpoint_index(o.key_step);  // InputError: no checkpoints, or none at key_step
  for (int64_t k : o.key_frequencies)
    if (k < 1 || k > n_frequencies(p) || std::count(o.key_frequencies.begin(), o.key_frequencies.end(), k) > 1)
      throw InputError(fmt::format("--keys: frequencies must be distinct and in 1..{}, got {}", n_frequencies(p), k));
  KeyFrequencies key;
  key.step = run.checkpoint_steps()[key_index];
  key.given = !o.key_frequencies.empty();
  // Through for_each_checkpoint, like every other measurement, so that the key
  // frequencies too are the same for any thread count.
  run.for_each_checkpoint({key_index}, [&](Model& model, size_t) {
    ActivationCache cache;
    at::Tensor logits = grid_logits(model, &cache);
    NeuronFrequencies nf = neuron_frequencies(cache.at(model.neuron_hook()).reshape({p * p, -1}), p);
    key.frequencies = o.key_frequencies.empty() ? key_frequencies(nf, o.tau) : o.key_frequencies;
    key.by_logit_projection = rank_by_logit_projection(logits, p);
    key.by_logit_projection.resize(std::min<size_t>(key.by_logit_projection.size(), 10));
    key.cluster_threshold = key_cluster_threshold(nf.frac.size(1));
  });
  return key;
}

namespace {

// Mean over columns of inverse_participation_ratio (sparsity.h), for squared norms [n_freq, M].
double mean_column_ipr(const at::Tensor& squared_norms) {
  at::Tensor by_column = squared_norms.t().cpu().contiguous();  // [M, n_freq]
  const double* row = by_column.data_ptr<double>();
  const int64_t M = by_column.size(0), F = by_column.size(1);
  double sum = 0;
  for (int64_t n = 0; n < M; ++n, row += F) sum += inverse_participation_ratio(std::vector<double>(row, row + F));
  return sum / static_cast<double>(M);
}

struct FourierInputs {
  int64_t p;
  std::vector<int64_t> K;
  double tau;
  bool projections;
  bool phases;         // Gromov's phase relation: task add
  int64_t null_draws;  // 0: no null baseline
  uint64_t null_seed;
  at::Tensor labels, train, test, valid;
};

// |now ∩ K| / |K|.
double overlap(const std::vector<int64_t>& now, const std::vector<int64_t>& K) {
  if (K.empty()) return kNaN;
  int64_t shared = 0;
  for (int64_t k : K) shared += std::count(now.begin(), now.end(), k);
  return static_cast<double>(shared) / static_cast<double>(K.size());
}

// [n_freq] int64 with 1 at the (1-based) frequencies in `keys`.
at::Tensor key_mask(const std::vector<int64_t>& keys, int64_t n_freq) {
  at::Tensor mask = at::zeros({n_freq}, at::kLong);
  for (int64_t k : keys) mask[k - 1] = 1;
  return mask;
}

FourierCheckpoint measure_fourier(const Model& model, const FourierInputs& in) {
  const int64_t p = in.p;
  FourierCheckpoint m;
  ActivationCache cache;
  at::Tensor L = grid_logits(model, &cache);  // [p*p, p]
  // Computed where the model lives; every tensor the result keeps is a CPU tensor.
  m.embed_norms = fourier_norms(model.number_embedding()).cpu();
  m.wl_norms = fourier_norms(model.neuron_logit_map().t()).cpu();
  m.embed_gini = gini(to_vector(m.embed_norms));
  m.wl_gini = gini(to_vector(m.wl_norms));

  NeuronFrequencies nf = neuron_frequencies(cache.at(model.neuron_hook()).reshape({p * p, -1}), p);
  std::vector<int64_t> cs = cluster_sizes(nf, in.tau);
  m.cluster_sizes = at::tensor(cs, at::kLong);
  m.best = nf.best.cpu();
  m.best_frac = nf.best_frac.cpu();
  m.fraction_clustered =
      static_cast<double>(std::accumulate(cs.begin(), cs.end(), int64_t{0})) / static_cast<double>(nf.best.size(0));
  at::Tensor per_neuron = fourier_norms_per_column(model.neuron_input_map());  // [n_freq, M]
  m.mean_ipr = mean_column_ipr(per_neuron);
  const std::vector<int64_t> keys_now = key_frequencies(nf, in.tau);
  m.key_now = key_mask(keys_now, n_frequencies(p));
  m.key_overlap = overlap(keys_now, in.K);
  m.logit_alignment = neuron_logit_alignment(model.neuron_logit_map(), neuron_clusters(nf, in.tau)).cluster_mean.cpu();
  m.phase_alignment = kNaN;
  if (in.phases) {
    NeuronPhases phases = neuron_phases(model.neuron_input_map(), model.neuron_input_map_b(), model.neuron_logit_map());
    m.phase_alignment = phases.mean_alignment;
    m.neuron_phase_alignment = phases.alignment.cpu();
  }

  LogitTable lt = logit_table(L, p);
  m.train_loss = cross_entropy(lt, in.labels, in.train);
  m.test_loss = cross_entropy(lt, in.labels, in.test);
  // The wave families describe a - b models too: measured whenever the Fourier analysis applies.
  m.logit_family_fraction = logit_families(lt).fraction.cpu();
  if (!in.projections) return m;
  m.restricted_test = restricted_loss(lt, in.K, in.labels, in.test);
  m.restricted_train = restricted_loss(lt, in.K, in.labels, in.train);
  m.restricted_all = restricted_loss(lt, in.K, in.labels, in.valid);
  m.excluded_train = excluded_loss(lt, in.K, in.labels, in.train);
  m.restricted_null_mean = m.restricted_null_sd = kNaN;
  if (in.null_draws > 0) {
    RestrictedNull null = restricted_loss_null(lt, in.K, in.labels, in.test, in.null_draws, in.null_seed);
    m.restricted_null_mean = null.mean;
    m.restricted_null_sd = null.sd;
  }
  // Once the key set has settled (most checkpoints after grokking) this is restricted_test itself.
  m.restricted_test_current = keys_now.empty()   ? kNaN
                              : keys_now == in.K ? m.restricted_test
                                                 : restricted_loss(lt, keys_now, in.labels, in.test);
  std::vector<double> per_k;
  for (int64_t k : in.K) per_k.push_back(excluded_loss(lt, {k}, in.labels, in.train));
  m.excluded_per_key = column(per_k);
  TrigFit fit = trig_fit(lt, in.K);
  m.trig_coefficient = column(fit.coefficient);
  m.fit_cosine = fit.fit_cosine;
  m.fit_residual = fit.residual;
  m.projection_norms = logit_projection_norms(lt).cpu();
  return m;
}

}  // namespace

FourierResult analyse_fourier(RunCheckpoints& run, const FourierOptions& o) {
  // Key frequencies at one checkpoint, then held fixed.
  FourierResult r;
  r.key = find_key_frequencies(run, o);
  const Config& c = run.config();
  r.tau = o.tau;
  r.chance_loss = std::log(static_cast<double>(c.p));
  r.projections_not_applicable = projections_not_applicable(c);
  r.phases_measured = c.task == "add";
  // The null needs |K| non-key frequencies to draw from.
  const int64_t n_keys = static_cast<int64_t>(r.key.frequencies.size());
  const bool null = r.projections_apply() && n_keys > 0 && 2 * n_keys <= n_frequencies(c.p) && o.null_draws > 0;
  r.null_draws = null ? o.null_draws : 0;
  r.null_seed = o.null_seed;
  if (null) r.null_sets = null_frequency_sets(c.p, r.key.frequencies, o.null_draws, o.null_seed);
  const FourierInputs in{c.p,
                         r.key.frequencies,
                         o.tau,
                         r.projections_apply(),
                         c.task == "add",
                         r.null_draws,
                         o.null_seed,
                         run.labels(),
                         run.train_rows(),
                         run.test_rows(),
                         run.valid_rows()};
  const std::vector<size_t> indices = strided_checkpoints(run.checkpoint_steps().size(), o.stride);
  for (size_t i : indices) r.steps.push_back(run.checkpoint_steps()[i]);
  r.at = run.measure_checkpoints(indices, [&](Model& model) { return measure_fourier(model, in); });
  return r;
}

std::vector<int64_t> FourierResult::key_first_steps() const {
  std::vector<int64_t> first;
  for (int64_t k : key.frequencies) {
    int64_t step = -1;
    for (size_t i = 0; i < at.size() && step < 0; ++i)
      if (at[i].key_now[k - 1].item<int64_t>() == 1) step = steps[i];
    first.push_back(step);
  }
  return first;
}

CurveTable fourier_table(const FourierResult& r) {
  CurveTable t;
  t.group = "fourier";
  t.steps = r.steps;
  t.attrs["key_frequencies"] = r.key.frequencies;
  t.attrs["key_frequencies_step"] = r.key.step;
  t.attrs["key_frequencies_given"] = r.key.given;
  t.attrs["frequencies_by_logit_projection"] = r.key.by_logit_projection;
  t.attrs["tau"] = r.tau;
  t.attrs["key_cluster_threshold"] = r.key.cluster_threshold;
  t.attrs["chance_loss"] = r.chance_loss;
  t.attrs["key_frequencies_first_step"] = r.key_first_steps();
  t.attrs["projections_apply"] = r.projections_apply();
  t.attrs["null_draws"] = r.null_draws;
  t.attrs["null_seed"] = r.null_seed;
  t.attrs["null_frequency_sets"] = r.null_sets;
  t.attrs["logit_families"] = {"cos(w_k (a + b - c))", "sin(w_k (a + b - c))", "cos(w_k (a - b - c))",
                               "sin(w_k (a - b - c))"};
  if (!r.projections_apply()) t.attrs["projections_not_applicable"] = r.projections_not_applicable;
  t.attrs["definitions"] = kFourierDefinitions;

  const std::vector<FourierCheckpoint>& ms = r.at;
  using M = const FourierCheckpoint&;
  t.add("embed_fourier_norm", stacked_curve_of(ms, [](M m) { return m.embed_norms; }),
        "squared Fourier norm of W_E[:p] per frequency", {"frequency"});
  t.add("embed_gini", scalar_curve_of(ms, [](M m) { return m.embed_gini; }),
        "Gini of the embedding's Fourier norms over k");
  t.add("W_L_fourier_norm", stacked_curve_of(ms, [](M m) { return m.wl_norms; }),
        "squared Fourier norm of W_L = W_out W_U along outputs", {"frequency"});
  t.add("W_L_gini", scalar_curve_of(ms, [](M m) { return m.wl_gini; }), "Gini of W_L's Fourier norms over k");
  t.add("cluster_size", stacked_curve_of(ms, [](M m) { return m.cluster_sizes; }),
        "neurons with best frequency k and frac_k >= tau", {"frequency"});
  t.add("fraction_clustered", scalar_curve_of(ms, [](M m) { return m.fraction_clustered; }),
        "fraction of neurons in some frequency cluster");
  t.add("neuron_best_frequency", stacked_curve_of(ms, [](M m) { return m.best; }),
        "argmax_k frac_k(n), 1-based; 0 = none (a neuron constant on the grid)", {"neuron"});
  t.add("neuron_best_fraction", stacked_curve_of(ms, [](M m) { return m.best_frac; }),
        "frac_best(n): variance explained by the best frequency", {"neuron"});
  t.add("mean_ipr", scalar_curve_of(ms, [](M m) { return m.mean_ipr; }),
        "mean over neurons of the IPR of their input weights' Fourier norms");
  t.add("key_frequency_now", stacked_curve_of(ms, [](M m) { return m.key_now; }),
        "1 where frequency k is key at this checkpoint (cluster of >= key_cluster_threshold neurons)", {"frequency"});
  t.add("key_set_overlap", scalar_curve_of(ms, [](M m) { return m.key_overlap; }),
        "fraction of the key frequencies that are key at this checkpoint");
  t.add("logit_family_fraction", stacked_curve_of(ms, [](M m) { return m.logit_family_fraction; }),
        "share of the row-centred logits' squared norm on each wave family (attrs logit_families)",
        {"frequency", "family"});
  t.add("neuron_logit_alignment", stacked_curve_of(ms, [](M m) { return m.logit_alignment; }),
        "mean over cluster k's neurons of the share of their centred W_L row on cos/sin(w_k c)", {"frequency"});
  if (r.phases_measured) {
    t.add("gromov_phase_alignment", scalar_curve_of(ms, [](M m) { return m.phase_alignment; }),
          "mean over neurons, weighted by |in_a^(f)| |in_b^(f)| |out^(f)|, of cos(phi_a + phi_b - psi) at each "
          "neuron's frequency f (Gromov 2023: 1 for the analytic solution)");
    t.add("neuron_phase_alignment", stacked_curve_of(ms, [](M m) { return m.neuron_phase_alignment; }),
          "cos(phi_a + phi_b - psi) per neuron", {"neuron"});
  }
  t.add("train_loss", scalar_curve_of(ms, [](M m) { return m.train_loss; }),
        "cross-entropy on train pairs at the checkpoint (nats)");
  t.add("test_loss", scalar_curve_of(ms, [](M m) { return m.test_loss; }),
        "cross-entropy on test pairs at the checkpoint (nats)");
  if (r.projections_apply()) {
    t.add("restricted_loss_test", scalar_curve_of(ms, [](M m) { return m.restricted_test; }),
          "cross-entropy of the restricted logits on test pairs (nats)");
    t.add("restricted_loss_train", scalar_curve_of(ms, [](M m) { return m.restricted_train; }),
          "cross-entropy of the restricted logits on train pairs (nats)");
    t.add("restricted_loss_all", scalar_curve_of(ms, [](M m) { return m.restricted_all; }),
          "cross-entropy of the restricted logits on all valid pairs (nats)");
    t.add("excluded_loss_train", scalar_curve_of(ms, [](M m) { return m.excluded_train; }),
          "cross-entropy of the excluded logits on train pairs (nats)");
    t.add("restricted_loss_test_null_mean", scalar_curve_of(ms, [](M m) { return m.restricted_null_mean; }),
          "restricted loss (test) on |K| random non-key frequencies: mean over null_draws sets (nats)");
    t.add("restricted_loss_test_null_sd", scalar_curve_of(ms, [](M m) { return m.restricted_null_sd; }),
          "restricted loss (test) on |K| random non-key frequencies: standard deviation over the sets");
    t.add("restricted_loss_test_current_keys", scalar_curve_of(ms, [](M m) { return m.restricted_test_current; }),
          "restricted loss (test) on the key frequencies of this checkpoint itself (NaN: none)");

    if (!r.key.frequencies.empty())
      t.add("excluded_loss_train_per_key", stacked_curve_of(ms, [](M m) { return m.excluded_per_key; }),
            "excluded loss (train) removing one key frequency", {"key_frequency"});
    t.add("trig_coefficient", stacked_curve_of(ms, [](M m) { return m.trig_coefficient; }),
          "C_k = <L, Chat_k> (logits centred per input)", {"frequency"});
    t.add("trig_fit_cosine", scalar_curve_of(ms, [](M m) { return m.fit_cosine; }),
          "cosine similarity of sum_{k in K} C_k Chat_k to L");
    t.add("trig_fit_residual", scalar_curve_of(ms, [](M m) { return m.fit_residual; }), "||L - fit|| / ||L||");
    t.add("logit_projection_norm", stacked_curve_of(ms, [](M m) { return m.projection_norms; }),
          "||P_k L||^2 per frequency", {"frequency"});
  }
  return t;
}

}  // namespace grok
