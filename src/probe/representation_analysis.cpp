// representation_analysis.cpp — representation probes and norms over a run (see probe_analysis.h).
#include "grok/probe/representation_analysis.h"

#include <cmath>

#include "grok/core/error.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/measures/representations.h"
#include "grok/core/task.h"
#include "grok/model/grid.h"

namespace grok {
namespace {

at::Tensor column(const std::vector<double>& v) { return at::tensor(v, at::kDouble); }

}  // namespace

namespace {

// Everything analyse_probes measures at one checkpoint.
struct ProbeMeasures {
  at::Tensor r2;  // [|K|, a|b|sum, cos|sin]
  double answer_accuracy = 0, rqi_int = 0, rqi_mod = 0, symmetricity = 0, distance_irrelevance = 0;
  double collapse_sum = 0, collapse_loss = 0, efficiency = 0;
  at::Tensor explained_variance, dominant_frequency;  // [components]
};

struct ProbeInputs {
  int64_t p;
  std::string hook;
  const ProbeOptions& o;
  bool clock_pizza;
  at::Tensor targets;  // [p*p, 6|K|]
  at::Tensor labels, train, test, valid;
};

ProbeMeasures measure_probes(Model& model, const ProbeInputs& in) {
  const int64_t p = in.p;
  const ProbeOptions& o = in.o;
  ProbeMeasures m;
  ActivationCache cache;
  at::Tensor L = grid_logits(model, &cache);
  at::Tensor X = cache.at(in.hook).reshape({p * p, -1}).to(at::kDouble);
  if (!o.key_frequencies.empty())
    m.r2 = ridge_r2(X, in.targets, in.train, in.test, o.ridge_lambda).view({-1, 3, 2});
  m.answer_accuracy = ridge_onehot_accuracy(X, in.labels, p, in.train, in.test, o.ridge_lambda);
  at::Tensor E = model.number_embedding();
  Pca pca = embedding_pca(E, o.pca_components);
  m.explained_variance = column(pca.explained_variance_ratio);
  m.dominant_frequency = at::tensor(pca.dominant_frequency, at::kLong);
  m.rqi_int = rqi(E, o.rqi_delta, false);
  m.rqi_mod = rqi(E, o.rqi_delta, true);
  if (in.clock_pizza) {
    m.symmetricity = gradient_symmetricity(model, p, o.symmetricity_samples, 0);
    at::Tensor valid_labels = in.labels.clamp_min(0);
    m.distance_irrelevance = distance_irrelevance(L.gather(1, valid_labels.unsqueeze(1)).squeeze(1), p);
  }
  SoftmaxCollapse sc = softmax_collapse(L.index_select(0, in.train), in.labels.index_select(0, in.train));
  m.collapse_sum = sc.sum_exactly_one;
  m.collapse_loss = sc.loss_exactly_zero;
  m.efficiency = efficiency(L.index_select(0, in.valid), in.labels.index_select(0, in.valid), model.total_norm());
  return m;
}

}  // namespace

ProbeTable analyse_probes(RunCheckpoints& run, const ProbeOptions& o) {
  const Config& c = run.config();
  const int64_t p = c.p;
  if (run.checkpoint_steps().empty()) throw InputError("the run has no checkpoints to probe");
  const std::string hook = o.hook.empty() ? run.model().neuron_hook() : o.hook;
  select_hooks(run.model(), hook);  // InputError for an unknown hook
  const std::vector<int64_t>& K = o.key_frequencies;
  const ProbeInputs in{p, hook, o, projections_not_applicable(c).empty() && p % 2 == 1, fourier_targets(p, K),
                       run.labels(), run.train_rows(), run.test_rows(), run.valid_rows()};

  ProbeTable t;
  t.group = "probes";
  t.attrs["hook"] = hook;
  t.attrs["key_frequencies"] = K;
  t.attrs["ridge_lambda"] = o.ridge_lambda;
  t.attrs["rqi_delta"] = o.rqi_delta;
  t.attrs["symmetricity_samples"] = o.symmetricity_samples;
  t.attrs["definitions"] = "shared/spec/metrics.md; probes fitted on train pairs, scored on test pairs; RQI over "
                           "integer sums (rqi) and sums mod p (rqi_mod); efficiency on all valid pairs";

  const std::vector<size_t> indices = strided_checkpoints(run.checkpoint_steps().size(), o.stride);
  for (size_t i : indices) t.steps.push_back(run.checkpoint_steps()[i]);
  const std::vector<ProbeMeasures> ms =
      run.measure_checkpoints(indices, [&](Model& model) { return measure_probes(model, in); });

  using M = const ProbeMeasures&;
  if (!K.empty()) {
    t.add("r2_a", scalar_curve_of(ms, [](M m) { return m.r2.select(1, 0).mean().item<double>(); }),
          "mean test R^2 of probes for cos/sin(w_k a), k in K");
    t.add("r2_b", scalar_curve_of(ms, [](M m) { return m.r2.select(1, 1).mean().item<double>(); }),
          "mean test R^2 of probes for cos/sin(w_k b), k in K");
    t.add("r2_sum", scalar_curve_of(ms, [](M m) { return m.r2.select(1, 2).mean().item<double>(); }),
          "mean test R^2 of probes for cos/sin(w_k (a+b)), k in K");
    t.add("r2_targets", stacked_curve_of(ms, [](M m) { return m.r2.reshape({-1}); }),
          "test R^2 per target: for each k in K, cos a, sin a, cos b, sin b, cos(a+b), sin(a+b)", {"target"});
  }
  t.add("answer_probe_accuracy", scalar_curve_of(ms, [](M m) { return m.answer_accuracy; }),
        "test accuracy of argmax of a ridge probe to one-hot(answer)");
  t.add("pca_explained_variance_ratio", stacked_curve_of(ms, [](M m) { return m.explained_variance; }),
        "PCA of the number embedding: variance ratio per component", {"component"});
  t.add("pca_dominant_frequency", stacked_curve_of(ms, [](M m) { return m.dominant_frequency; }),
        "per component: frequency with the most Fourier norm (0 = const)", {"component"});
  t.add("rqi", scalar_curve_of(ms, [](M m) { return m.rqi_int; }), "RQI over quadruples with i + j = m + n");
  t.add("rqi_mod", scalar_curve_of(ms, [](M m) { return m.rqi_mod; }), "RQI over quadruples with i + j = m + n (mod p)");
  if (in.clock_pizza) {
    t.add("gradient_symmetricity", scalar_curve_of(ms, [](M m) { return m.symmetricity; }),
          "s_g: mean cos(d logit_c/d E_a, d logit_c/d E_b)");
    t.add("distance_irrelevance", scalar_curve_of(ms, [](M m) { return m.distance_irrelevance; }),
          "q: mean_d std_s M[s, d] / std M");
  }
  t.add("softmax_collapse", scalar_curve_of(ms, [](M m) { return m.collapse_sum; }),
        "fraction of train pairs with float32 sum exp(l - max l) == 1");
  t.add("zero_loss_fraction", scalar_curve_of(ms, [](M m) { return m.collapse_loss; }),
        "fraction of train pairs with float32 loss == 0");
  t.add("efficiency", scalar_curve_of(ms, [](M m) { return m.efficiency; }), "mean correct-logit margin / ||theta||");
  return t;
}

namespace {
// The null band of the restricted loss comes from a separate analysis; without it the
// story compares restricted loss with chance only.
std::vector<double> curve_if_present(const ProbeTable& t, const std::string& name) {
  for (const Curve& c : t.curves)
    if (c.name == name) return t.scalar_curve(name);
  return {};
}
}  // namespace

PhaseInputs phase_inputs(const RunReader& r, int64_t p, const ProbeTable* fourier, const std::string& note) {
  PhaseInputs in;
  in.p = p;
  in.steps = r.metric_steps();
  in.train_acc = r.metric("train_acc");
  in.test_acc = r.metric("test_acc");
  in.test_loss = r.metric("test_loss");
  in.train_loss = r.metric("train_loss");  // memorisation ends when it is near zero
  for (double s : r.metric("total_sq_norm")) in.total_norm.push_back(std::sqrt(s));
  in.fourier_note = note;
  if (fourier) {
    in.checkpoint_steps = fourier->steps;
    in.key_frequencies = fourier->attrs["key_frequencies"].get<std::vector<int64_t>>();
    in.checkpoint_test_loss = fourier->scalar_curve("test_loss");
    in.checkpoint_train_loss = fourier->scalar_curve("train_loss");
    if (fourier->attrs["projections_apply"].get<bool>()) {
      in.restricted_test = fourier->scalar_curve("restricted_loss_test");
      in.excluded_train = fourier->scalar_curve("excluded_loss_train");
      in.restricted_null_mean = curve_if_present(*fourier, "restricted_loss_test_null_mean");
      in.restricted_null_std = curve_if_present(*fourier, "restricted_loss_test_null_std");
    }
  }
  return in;
}

ProbeTable analyse_norms(const RunReader& reader) {
  ProbeTable t;
  t.group = "norms";
  t.steps = reader.metric_steps();
  t.attrs["source"] = "the run's /metrics, logged by grok-train at every evaluated step";
  std::vector<double> total_sq = reader.metric("total_sq_norm");
  std::vector<double> total;
  for (double s : total_sq) total.push_back(std::sqrt(s));
  t.add("total_norm", column(total), "||theta||: square root of the summed squared Frobenius norms");
  t.add("total_sq_norm", column(total_sq), "sum over tensors of the squared Frobenius norm");
  t.add("dist_from_init", column(reader.metric("dist_from_init")), "||theta - theta_0||");
  h5::Group norms = reader.file().root().open_group("metrics/param_sq_norm");
  for (const auto& name : norms.children())
    t.add("sq_norm/" + name, column(norms.open_dataset(name).read<double>()), "squared Frobenius norm of " + name);
  return t;
}

}  // namespace grok
