// irrep_analysis.cpp — the irrep progress measures at every checkpoint (see irrep_analysis.h).
#include "grok/probe/irrep_analysis.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "grok/core/error.h"
#include "grok/measures/irrep_projections.h"
#include "grok/model/grid.h"

namespace grok {
namespace {

// Where every measure is defined, stored with the results.
constexpr const char* kIrrepDefinitions =
    "grokscope docs/probe-file.md (/irreps), after Chughtai, Chan & Nanda 2023 and their code "
    "(rep_theory/utils/metrics.py): character similarity = cos(logits centred per input, tr rho(a)rho(b)rho(c^-1)); "
    "key = similarity > threshold at the key step; restricted/excluded logits project on the span of the key "
    "irreps' rho(a.b) entries (bias-corrected as the Fourier restricted loss)";

// Everything the per-checkpoint measure needs, built once.
struct IrrepInputs {
  FiniteGroup group;
  std::vector<Irrep> irreps;
  std::vector<at::Tensor> spans;  // [n, r] per irrep
  std::vector<size_t> key;        // indices into irreps
  at::Tensor key_span;            // [n, Σ r] over the key irreps
  double threshold = 0;
  at::Tensor labels, train, test, valid;
};

std::vector<double> similarities(const GroupLogitTable& t, const std::vector<Irrep>& irreps) {
  std::vector<double> s;
  for (const Irrep& rho : irreps) s.push_back(character_similarity(t, rho));
  return s;
}

// Non-trivial irreps (index > 0: the trivial one is first) with similarity above the threshold.
std::vector<size_t> above(const std::vector<double>& similarity, double threshold) {
  std::vector<size_t> out;
  for (size_t i = 1; i < similarity.size(); ++i)
    if (similarity[i] > threshold) out.push_back(i);
  return out;
}

IrrepCheckpoint measure_irreps(const Model& model, const IrrepInputs& in) {
  IrrepCheckpoint m;
  const GroupLogitTable t = group_logit_table(grid_logits(model), in.group);
  const std::vector<double> sim = similarities(t, in.irreps);
  m.similarity = at::tensor(sim, at::kDouble);
  m.variance_explained = m.similarity.pow(2);
  for (size_t i = 1; i < sim.size(); ++i) m.variance_explained_total += sim[i] * sim[i];
  for (size_t i : in.key) m.variance_explained_key += sim[i] * sim[i];
  const std::vector<size_t> now = above(sim, in.threshold);
  m.key_now = at::zeros({static_cast<int64_t>(sim.size())}, at::kLong);
  for (size_t i : now) m.key_now[static_cast<int64_t>(i)] = 1;
  int64_t shared = 0;
  for (size_t i : in.key) shared += std::count(now.begin(), now.end(), i);
  m.key_overlap = in.key.empty() ? kNaN : static_cast<double>(shared) / static_cast<double>(in.key.size());
  m.train_loss = group_cross_entropy(t, in.labels, in.train);
  m.test_loss = group_cross_entropy(t, in.labels, in.test);
  m.restricted_test = group_restricted_loss(t, in.key_span, in.labels, in.test);
  m.restricted_train = group_restricted_loss(t, in.key_span, in.labels, in.train);
  m.restricted_all = group_restricted_loss(t, in.key_span, in.labels, in.valid);
  m.excluded_train = group_excluded_loss(t, in.key_span, in.labels, in.train);
  std::vector<double> per_key;
  for (size_t i : in.key) per_key.push_back(group_excluded_loss(t, in.spans[i], in.labels, in.train));
  m.excluded_per_key = at::tensor(per_key, at::kDouble);
  m.embed_fraction = span_fractions(model.number_embedding().slice(0, 0, in.group.order), in.spans);
  return m;
}

}  // namespace

std::string irreps_not_applicable(const Config& c) {
  if (c.task == "add" || is_group_task(c.task)) return "";
  return fmt::format("the irrep analysis applies to group tasks (sN, dN, and add as Z_p); task '{}' is not one",
                     c.task);
}

IrrepResult analyse_irreps(RunCheckpoints& run, const IrrepOptions& o) {
  const Config& c = run.config();
  if (std::string why = irreps_not_applicable(c); !why.empty()) throw InputError(why);
  const std::vector<int64_t>& all_steps = run.checkpoint_steps();
  if (all_steps.empty()) throw InputError("the run has no checkpoints");
  if (!(o.threshold >= 0 && o.threshold < 1)) throw InputError("the key-irrep threshold must be in [0, 1)");

  IrrepInputs in{*task_group(c.task, c.p), {}, {}, {}, {}, o.threshold, run.labels(), run.train_rows(), run.test_rows(),
                 run.valid_rows()};
  in.irreps = group_irreps(in.group);
  for (const Irrep& rho : in.irreps) in.spans.push_back(irrep_span(rho));

  IrrepResult r;
  r.group = in.group.name;
  r.threshold = o.threshold;
  r.chance_loss = std::log(static_cast<double>(in.group.order));
  for (const Irrep& rho : in.irreps) r.irreps.push_back({rho.name, rho.label, rho.dim, rho.frequency});

  // Key irreps at one checkpoint, then held fixed.
  const size_t key_index = run.checkpoint_index(o.key_step);
  r.key.step = all_steps[key_index];
  r.key.given = !o.key_irreps.empty();
  run.for_each_checkpoint({key_index}, [&](Model& model, size_t) {
    r.key.similarity = similarities(group_logit_table(grid_logits(model), in.group), in.irreps);
  });
  if (r.key.given) {
    for (const std::string& name : o.key_irreps) {
      auto it = std::find_if(in.irreps.begin(), in.irreps.end(), [&](const Irrep& x) { return x.name == name; });
      if (it == in.irreps.end() || it == in.irreps.begin()) {
        std::string names;
        for (size_t i = 1; i < in.irreps.size(); ++i) names += (names.empty() ? "" : ", ") + in.irreps[i].name;
        throw InputError(
            fmt::format("--irreps: '{}' is not a non-trivial irrep of {} (they are: {})", name, in.group.name, names));
      }
      r.key.indices.push_back(static_cast<size_t>(it - in.irreps.begin()));
    }
    std::sort(r.key.indices.begin(), r.key.indices.end());
    r.key.indices.erase(std::unique(r.key.indices.begin(), r.key.indices.end()), r.key.indices.end());
  } else {
    r.key.indices = above(r.key.similarity, o.threshold);
  }
  for (size_t i : r.key.indices) r.key.names.push_back(in.irreps[i].name);
  in.key = r.key.indices;
  std::vector<at::Tensor> key_spans;
  for (size_t i : in.key) key_spans.push_back(in.spans[i]);
  in.key_span = key_spans.empty() ? at::zeros({in.group.order, 0}, at::kDouble) : joint_span(key_spans);
  // Made on the CPU; moved once to where the measures run (a no-op on the CPU).
  in.key_span = in.key_span.to(run.device());
  for (at::Tensor& span : in.spans) span = span.to(run.device());
  for (Irrep& rho : in.irreps) rho.character = rho.character.to(run.device());

  const std::vector<size_t> indices = strided_checkpoints(all_steps.size(), std::max<int64_t>(o.stride, 1));
  for (size_t i : indices) r.steps.push_back(all_steps[i]);
  r.at = run.measure_checkpoints(indices, [&](Model& model) { return measure_irreps(model, in); });
  return r;
}

std::vector<int64_t> IrrepResult::key_first_steps() const {
  std::vector<int64_t> first;
  for (size_t k : key.indices) {
    int64_t step = -1;
    for (size_t i = 0; i < at.size() && step < 0; ++i)
      if (at[i].key_now[static_cast<int64_t>(k)].item<int64_t>() == 1) step = steps[i];
    first.push_back(step);
  }
  return first;
}

CurveTable irrep_table(const IrrepResult& r) {
  CurveTable t;
  t.group = "irreps";
  t.steps = r.steps;
  std::vector<std::string> names, labels;
  std::vector<int64_t> dims, frequencies, key_indices;
  for (const IrrepInfo& i : r.irreps) {
    names.push_back(i.name);
    labels.push_back(i.label);
    dims.push_back(i.dim);
    frequencies.push_back(i.frequency);
  }
  for (size_t i : r.key.indices) key_indices.push_back(static_cast<int64_t>(i));
  t.attrs["group"] = r.group;
  t.attrs["irrep_names"] = names;
  t.attrs["irrep_labels"] = labels;
  t.attrs["irrep_dims"] = dims;
  t.attrs["irrep_frequencies"] = frequencies;
  t.attrs["key_irreps"] = r.key.names;
  t.attrs["key_irrep_indices"] = key_indices;
  t.attrs["key_irreps_step"] = r.key.step;
  t.attrs["key_irreps_given"] = r.key.given;
  t.attrs["key_irreps_first_step"] = r.key_first_steps();
  t.attrs["similarity_at_key_step"] = r.key.similarity;
  t.attrs["threshold"] = r.threshold;
  t.attrs["chance_loss"] = r.chance_loss;
  t.attrs["definitions"] = kIrrepDefinitions;

  const std::vector<IrrepCheckpoint>& ms = r.at;
  using M = const IrrepCheckpoint&;
  t.add("character_similarity", stacked_curve_of(ms, [](M m) { return m.similarity; }),
        "cosine similarity of the logits (centred per input) with the character cube tr rho(a)rho(b)rho(c^-1)",
        {"irrep"});
  t.add("variance_explained", stacked_curve_of(ms, [](M m) { return m.variance_explained; }),
        "character_similarity^2: share of the centred logits' squared norm along the irrep's character cube",
        {"irrep"});
  t.add("variance_explained_total", scalar_curve_of(ms, [](M m) { return m.variance_explained_total; }),
        "sum of variance_explained over the non-trivial irreps (Chughtai et al.'s percent_logits_explained)");
  t.add("variance_explained_key", scalar_curve_of(ms, [](M m) { return m.variance_explained_key; }),
        "sum of variance_explained over the key irreps");
  t.add("key_irrep_now", stacked_curve_of(ms, [](M m) { return m.key_now; }),
        "1 where the irrep's character similarity exceeds the threshold at this checkpoint", {"irrep"});
  t.add("key_set_overlap", scalar_curve_of(ms, [](M m) { return m.key_overlap; }),
        "fraction of the key irreps that are above the threshold at this checkpoint");
  t.add("train_loss", scalar_curve_of(ms, [](M m) { return m.train_loss; }),
        "cross-entropy on train pairs at the checkpoint (nats)");
  t.add("test_loss", scalar_curve_of(ms, [](M m) { return m.test_loss; }),
        "cross-entropy on test pairs at the checkpoint (nats)");
  t.add("restricted_loss_all", scalar_curve_of(ms, [](M m) { return m.restricted_all; }),
        "cross-entropy of the restricted logits on all pairs (nats; the paper's restricted loss)");
  t.add("restricted_loss_test", scalar_curve_of(ms, [](M m) { return m.restricted_test; }),
        "cross-entropy of the restricted logits on test pairs (nats)");
  t.add("restricted_loss_train", scalar_curve_of(ms, [](M m) { return m.restricted_train; }),
        "cross-entropy of the restricted logits on train pairs (nats)");
  t.add("excluded_loss_train", scalar_curve_of(ms, [](M m) { return m.excluded_train; }),
        "cross-entropy of the excluded logits on train pairs (nats)");
  if (!r.key.indices.empty())
    t.add("excluded_loss_train_per_key", stacked_curve_of(ms, [](M m) { return m.excluded_per_key; }),
          "excluded loss (train) removing one key irrep's span", {"key_irrep"});
  t.add("embed_fraction", stacked_curve_of(ms, [](M m) { return m.embed_fraction; }),
        "share of the number embedding's squared norm in the span of each irrep's matrix entries", {"irrep"});
  return t;
}

}  // namespace grok
