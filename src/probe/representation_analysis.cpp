// representation_analysis.cpp — representation measures over a run (see representation_analysis.h).
#include "grok/probe/representation_analysis.h"

#include <cmath>

#include "grok/core/error.h"
#include "grok/core/task.h"
#include "grok/measures/representations.h"
#include "grok/model/grid.h"
#include "grok/probe/fourier_analysis.h"

namespace grok {
namespace {

struct ProbeInputs {
  int64_t p;
  std::string hook;
  const RepresentationOptions& o;
  bool clock_pizza, symmetricity;
  at::Tensor targets;  // [p*p, 6|K|]
  at::Tensor labels, train, test, valid;
};

RepresentationCheckpoint measure_probes(Model& model, const ProbeInputs& in) {
  const int64_t p = in.p;
  const RepresentationOptions& o = in.o;
  RepresentationCheckpoint m;
  ActivationCache cache;
  at::Tensor L = grid_logits(model, &cache);
  at::Tensor X = cache.at(in.hook).reshape({p * p, -1}).to(at::kDouble);
  if (!o.key_frequencies.empty())
    m.r2 = ridge_r2(X, in.targets, in.train, in.test, o.ridge_lambda).view({-1, 3, 2}).cpu();
  m.answer_accuracy = ridge_onehot_accuracy(X, in.labels, p, in.train, in.test, o.ridge_lambda);
  at::Tensor E = model.number_embedding();
  Pca pca = embedding_pca(E, o.pca_components);
  m.explained_variance = column(pca.explained_variance_ratio);
  m.dominant_frequency = at::tensor(pca.dominant_frequency, at::kLong);
  m.rqi_int = rqi(E, o.rqi_delta, false);
  m.rqi_mod = rqi(E, o.rqi_delta, true);
  if (in.symmetricity) m.symmetricity = gradient_symmetricity(model, p, o.symmetricity_samples, 0);
  if (in.clock_pizza) {
    at::Tensor valid_labels = in.labels.clamp_min(0);
    m.distance_irrelevance = distance_irrelevance(L.gather(1, valid_labels.unsqueeze(1)).squeeze(1), p);
  }
  const at::Tensor train_labels = in.labels.index_select(0, in.train);
  SoftmaxCollapseByPrecision sc = softmax_collapse_by_precision(L.index_select(0, in.train), train_labels);
  m.collapse_sum = sc.in_float32.sum_exactly_one;
  m.collapse_loss = sc.in_float32.loss_exactly_zero;
  m.collapse_sum_trained = sc.in_float64.sum_exactly_one;
  m.collapse_loss_trained = sc.in_float64.loss_exactly_zero;
  m.gradient_weight_cosine = column(gradient_weight_cosine(model, pairs_of(in.train, p), train_labels));
  m.efficiency = efficiency(L.index_select(0, in.valid), in.labels.index_select(0, in.valid), model.total_norm());
  return m;
}

}  // namespace

double RepresentationCheckpoint::mean_r2(int64_t operand) const { return r2.select(1, operand).mean().item<double>(); }

CircuitKind RepresentationResult::final_circuit_kind() const {
  const RepresentationCheckpoint& last = at.back();
  return clock_or_pizza(last.distance_irrelevance,
                        symmetricity ? std::optional<double>(last.symmetricity) : std::nullopt);
}

RepresentationResult analyse_representations(RunCheckpoints& run, const RepresentationOptions& o) {
  const Config& c = run.config();
  const int64_t p = c.p;
  if (run.checkpoint_steps().empty()) throw InputError("the run has no checkpoints to probe");
  RepresentationResult r;
  r.options = o;
  if (r.options.hook.empty()) r.options.hook = run.model().neuron_hook();
  select_hooks(run.model(), r.options.hook);  // InputError for an unknown hook
  r.clock_pizza = projections_not_applicable(c).empty() && p % 2 == 1;
  r.symmetricity = r.clock_pizza && !run.model().operands_enter_additively();
  if (r.clock_pizza && !r.symmetricity)
    r.symmetricity_note = "the operands enter additively (in(a) + in(b)), so s_g = 1 by construction";
  for (const NamedTensor& param : run.model().parameters()) r.tensor_names.push_back(param.name);
  r.tensor_names.push_back("all");
  const std::vector<int64_t>& K = o.key_frequencies;
  const ProbeInputs in{p,
                       r.options.hook,
                       r.options,
                       r.clock_pizza,
                       r.symmetricity,
                       fourier_targets(p, K, run.device()),
                       run.labels(),
                       run.train_rows(),
                       run.test_rows(),
                       run.valid_rows()};
  const std::vector<size_t> indices = strided_checkpoints(run.checkpoint_steps().size(), o.stride);
  for (size_t i : indices) r.steps.push_back(run.checkpoint_steps()[i]);
  r.at = run.measure_checkpoints(indices, [&](Model& model) { return measure_probes(model, in); });
  return r;
}

CurveTable representation_table(const RepresentationResult& r) {
  const RepresentationOptions& o = r.options;
  const std::vector<int64_t>& K = o.key_frequencies;
  CurveTable t;
  t.group = "probes";
  t.steps = r.steps;
  t.attrs["hook"] = o.hook;
  t.attrs["key_frequencies"] = K;
  t.attrs["ridge_lambda"] = o.ridge_lambda;
  t.attrs["rqi_delta"] = o.rqi_delta;
  t.attrs["symmetricity_samples"] = o.symmetricity_samples;
  if (!r.symmetricity_note.empty()) t.attrs["gradient_symmetricity_not_applicable"] = r.symmetricity_note;
  t.attrs["gradient_weight_cosine_tensors"] = r.tensor_names;
  t.attrs["training_loss_precision"] = "float64";
  if (r.clock_pizza && !r.at.empty()) {
    const CircuitKind kind = r.final_circuit_kind();
    t.attrs["circuit_kind"] = kind.kind;
    t.attrs["circuit_kind_why"] = "at the last checkpoint: " + kind.why;
  }
  t.attrs["definitions"] =
      "grokscope docs/probe-file.md; probes fitted on train pairs, scored on test pairs; RQI over "
      "integer sums (rqi) and sums mod p (rqi_mod); efficiency on all valid pairs";
  const std::vector<RepresentationCheckpoint>& ms = r.at;
  using M = const RepresentationCheckpoint&;
  if (!K.empty()) {
    t.add("r2_a", scalar_curve_of(ms, [](M m) { return m.mean_r2(0); }),
          "mean test R^2 of probes for cos/sin(w_k a), k in K");
    t.add("r2_b", scalar_curve_of(ms, [](M m) { return m.mean_r2(1); }),
          "mean test R^2 of probes for cos/sin(w_k b), k in K");
    t.add("r2_sum", scalar_curve_of(ms, [](M m) { return m.mean_r2(2); }),
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
  t.add("rqi_mod", scalar_curve_of(ms, [](M m) { return m.rqi_mod; }),
        "RQI over quadruples with i + j = m + n (mod p)");
  if (r.symmetricity)
    t.add("gradient_symmetricity", scalar_curve_of(ms, [](M m) { return m.symmetricity; }),
          "s_g: mean cos(d logit_c/d E_a, d logit_c/d E_b)");
  if (r.clock_pizza) {
    t.add("distance_irrelevance", scalar_curve_of(ms, [](M m) { return m.distance_irrelevance; }),
          "q: mean_d std_s M[s, d] / std M");
  }
  t.add("softmax_collapse", scalar_curve_of(ms, [](M m) { return m.collapse_sum; }),
        "collapses in float32: fraction of train pairs with float32 sum exp(l - max l) == 1");
  t.add("zero_loss_fraction", scalar_curve_of(ms, [](M m) { return m.collapse_loss; }),
        "fraction of train pairs with float32 loss == 0");
  t.add("softmax_collapse_float64", scalar_curve_of(ms, [](M m) { return m.collapse_sum_trained; }),
        "collapses in the precision trained (float64): fraction of train pairs with sum exp(l - max l) == 1");
  t.add("zero_loss_fraction_float64", scalar_curve_of(ms, [](M m) { return m.collapse_loss_trained; }),
        "fraction of train pairs with float64 loss == 0 (the precision trained)");
  t.add("gradient_weight_cosine", stacked_curve_of(ms, [](M m) { return m.gradient_weight_cosine; }),
        "cos(grad of the train loss, weights) per tensor, then all tensors together (attrs "
        "gradient_weight_cosine_tensors); -1 = naive loss minimisation (descent scales the weights up)",
        {"tensor"});
  t.add("efficiency", scalar_curve_of(ms, [](M m) { return m.efficiency; }), "mean correct-logit margin / ||theta||");
  return t;
}

}  // namespace grok
