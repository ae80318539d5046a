// probe_analysis.cpp — representation probes and norms over a run (see probe_analysis.h).
#include "grok/probe_analysis.h"

#include <cmath>

#include "grok/error.h"
#include "grok/fourier_analysis.h"
#include "grok/representation_probes.h"
#include "grok/task.h"

namespace grok {
namespace {

at::Tensor column(const std::vector<double>& v) { return at::tensor(v, at::kDouble); }

}  // namespace

ProbeTable analyse_probes(RunModel& run, const ProbeOptions& o) {
  const Config& c = run.config();
  const int64_t p = c.p;
  if (run.checkpoint_steps().empty()) throw InputError("the run has no checkpoints to probe");
  const std::string hook = o.hook.empty() ? run.neuron_hook() : o.hook;
  select_hooks(run.model(), hook);  // InputError for an unknown hook
  const std::vector<int64_t>& K = o.key_frequencies;
  const bool clock_pizza = projections_not_applicable(c).empty() && p % 2 == 1;
  at::Tensor targets = fourier_targets(p, K);  // [p*p, 6|K|]
  at::Tensor labels = run.labels();
  at::Tensor valid_train = run.train_rows(), valid_test = run.test_rows();

  ProbeTable t;
  t.group = "probes";
  t.attrs["hook"] = hook;
  t.attrs["key_frequencies"] = K;
  t.attrs["ridge_lambda"] = o.ridge_lambda;
  t.attrs["rqi_delta"] = o.rqi_delta;
  t.attrs["symmetricity_samples"] = o.symmetricity_samples;
  t.attrs["definitions"] = "shared/spec/metrics.md; probes fitted on train pairs, scored on test pairs; RQI over "
                           "integer sums (rqi) and sums mod p (rqi_mod); efficiency on all valid pairs";

  std::vector<double> r2_a, r2_b, r2_sum, onehot, rqi_int, rqi_mod, sym, dist, collapse_sum, collapse_loss, eff;
  std::vector<at::Tensor> r2_all, evr, dom;
  for (size_t i : strided_checkpoints(run.checkpoint_steps().size(), o.stride)) {
    t.steps.push_back(run.checkpoint_steps()[i]);
    run.load_checkpoint(i);
    ActivationCache cache;
    at::Tensor L = run.grid_logits(&cache);
    at::Tensor X = cache.at(hook).reshape({p * p, -1}).to(at::kDouble);
    if (!K.empty()) {
      at::Tensor r2 = ridge_r2(X, targets, valid_train, valid_test, o.ridge_lambda).view({-1, 3, 2});  // [k, a|b|sum, cos|sin]
      r2_all.push_back(r2.reshape({-1}));
      r2_a.push_back(r2.select(1, 0).mean().item<double>());
      r2_b.push_back(r2.select(1, 1).mean().item<double>());
      r2_sum.push_back(r2.select(1, 2).mean().item<double>());
    }
    onehot.push_back(ridge_onehot_accuracy(X, labels, c.p, valid_train, valid_test, o.ridge_lambda));
    at::Tensor E = run.number_embedding();
    Pca pca = embedding_pca(E, o.pca_components);
    evr.push_back(column(pca.explained_variance_ratio));
    dom.push_back(at::tensor(pca.dominant_frequency, at::kLong));
    rqi_int.push_back(rqi(E, o.rqi_delta, false));
    rqi_mod.push_back(rqi(E, o.rqi_delta, true));
    if (clock_pizza) {
      sym.push_back(gradient_symmetricity(run.model(), p, o.symmetricity_samples, 0));
      at::Tensor valid_labels = labels.clamp_min(0);
      dist.push_back(distance_irrelevance(L.gather(1, valid_labels.unsqueeze(1)).squeeze(1), p));
    }
    SoftmaxCollapse sc = softmax_collapse(L.index_select(0, valid_train), labels.index_select(0, valid_train));
    collapse_sum.push_back(sc.sum_exactly_one);
    collapse_loss.push_back(sc.loss_exactly_zero);
    at::Tensor valid = run.valid_rows();
    eff.push_back(efficiency(L.index_select(0, valid), labels.index_select(0, valid), run.total_param_norm()));
  }
  if (!K.empty()) {
    t.add("r2_a", column(r2_a), "mean test R^2 of probes for cos/sin(w_k a), k in K");
    t.add("r2_b", column(r2_b), "mean test R^2 of probes for cos/sin(w_k b), k in K");
    t.add("r2_sum", column(r2_sum), "mean test R^2 of probes for cos/sin(w_k (a+b)), k in K");
    t.add("r2_targets", at::stack(r2_all),
          "test R^2 per target: for each k in K, cos a, sin a, cos b, sin b, cos(a+b), sin(a+b)", {"target"});
  }
  t.add("answer_probe_accuracy", column(onehot), "test accuracy of argmax of a ridge probe to one-hot(answer)");
  t.add("pca_explained_variance_ratio", at::stack(evr), "PCA of the number embedding: variance ratio per component",
        {"component"});
  t.add("pca_dominant_frequency", at::stack(dom), "per component: frequency with the most Fourier norm (0 = const)",
        {"component"});
  t.add("rqi", column(rqi_int), "RQI over quadruples with i + j = m + n");
  t.add("rqi_mod", column(rqi_mod), "RQI over quadruples with i + j = m + n (mod p)");
  if (clock_pizza) {
    t.add("gradient_symmetricity", column(sym), "s_g: mean cos(d logit_c/d E_a, d logit_c/d E_b)");
    t.add("distance_irrelevance", column(dist), "q: mean_d std_s M[s, d] / std M");
  }
  t.add("softmax_collapse", column(collapse_sum), "fraction of train pairs with float32 sum exp(l - max l) == 1");
  t.add("zero_loss_fraction", column(collapse_loss), "fraction of train pairs with float32 loss == 0");
  t.add("efficiency", column(eff), "mean correct-logit margin / ||theta||");
  return t;
}

PhaseInputs phase_inputs(const RunReader& r, int64_t p, const ProbeTable* fourier, const std::string& note) {
  PhaseInputs in;
  in.p = p;
  in.steps = r.metric_steps();
  in.train_acc = r.metric("train_acc");
  in.test_acc = r.metric("test_acc");
  in.test_loss = r.metric("test_loss");
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
