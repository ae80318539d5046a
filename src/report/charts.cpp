// charts.cpp — the report's charts (see charts.h).
#include "grok/report/charts.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "grok/model/grid.h"
#include "grok/probe/series.h"
#include "grok/report/vega.h"
#include "grok/story/thresholds.h"

namespace grok {
namespace {

using json = nlohmann::ordered_json;

}  // namespace

json phase_bands(const Phases& ph, int64_t last_step) {
  json bands = json::array();
  // A phase still under way when the run ended is drawn to the last step.
  auto band = [&](const char* name, const PhaseSpan& span) {
    if (span.start)
      bands.push_back(
          {{"phase", name}, {"from", std::max<int64_t>(*span.start, 1)}, {"to", span.end.value_or(last_step)}});
  };
  band("memorisation", ph.memorisation);
  band("circuit formation", ph.circuit_formation);
  band("cleanup", ph.cleanup);
  return {{"data", {{"values", bands}}},
          {"mark", {{"type", "rect"}, {"opacity", 0.12}}},
          {"encoding",
           {{"x", {{"field", "from"}, {"type", "quantitative"}}},
            {"x2", {{"field", "to"}}},
            {"color",
             {{"field", "phase"},
              {"type", "nominal"},
              {"title", "phase"},
              {"scale",
               {{"domain", {"memorisation", "circuit formation", "cleanup"}},
                {"range", {"#e45756", "#f58518", "#54a24b"}}}}}}}}};
}

Chart loss_chart(const RunMetrics& m, const json& bands, const std::string& loss) {
  json rows = vega::long_rows(m.steps, {{"train loss", m.train_loss}, {"test loss", m.test_loss}}, true);
  const char* axis = loss == "mse"         ? "mean squared error (log scale)"
                     : loss == "stablemax" ? "StableMax cross-entropy (nats, log scale)"
                                           : "cross-entropy (nats, log scale)";
  return {"loss", vega::line_chart("Loss", rows, axis, true, &bands)};
}

Chart accuracy_chart(const RunMetrics& m, const json& bands) {
  json rows = vega::long_rows(m.steps, {{"train accuracy", m.train_acc}, {"test accuracy", m.test_acc}}, false);
  return {"accuracy", vega::line_chart("Accuracy", rows, "accuracy (fraction of pairs)", false, &bands)};
}

Chart norms_chart(const RunMetrics& m, const json& bands) {
  json rows = vega::long_rows(
      m.steps, {{"total weight norm ||θ||", m.total_norm()}, {"distance from init ||θ − θ₀||", m.dist_from_init}},
      true);
  return {"norms", vega::line_chart("Weight norm", rows, "L2 norm (all parameters)", false, &bands)};
}

Chart restricted_chart(const FourierResult& f, const json& bands) {
  using F = FourierCheckpoint;
  json rows = vega::long_rows(
      f.steps,
      {{"test loss", series(f.at, &F::test_loss)},
       {"restricted loss (test)", series(f.at, &F::restricted_test)},
       {"restricted loss (test), each checkpoint's own keys", series(f.at, &F::restricted_test_current)},
       {"train loss", series(f.at, &F::train_loss)},
       {"excluded loss (train)", series(f.at, &F::excluded_train)}},
      true);
  std::string title = "Restricted and excluded loss (key frequencies " + json(f.key.frequencies).dump() + ")";
  json spec = vega::line_chart(title, rows, "cross-entropy (nats, log scale)", true, &bands);
  if (f.null_draws > 0) {
    // The null band: restricted loss on random non-key frequency sets, mean ± 3 sd.
    json band_rows = json::array();
    for (size_t i = 0; i < f.at.size(); ++i) {
      const double mean = f.at[i].restricted_null_mean, sd = f.at[i].restricted_null_sd;
      if (std::isfinite(mean) && mean - kNullBandSigmas * sd > 0)
        band_rows.push_back({{"step", std::max<int64_t>(f.steps[i], 1)},
                             {"low", mean - kNullBandSigmas * sd},
                             {"high", mean + kNullBandSigmas * sd}});
    }
    const json area = {
        {"data", {{"values", band_rows}}},
        {"mark", {{"type", "area"}, {"opacity", 0.25}, {"color", "#9d755d"}}},
        {"encoding",
         {{"x", {{"field", "step"}, {"type", "quantitative"}, {"scale", {{"type", "log"}, {"nice", false}}}}},
          {"y", {{"field", "low"}, {"type", "quantitative"}, {"scale", {{"type", "log"}}}}},
          {"y2", {{"field", "high"}}},
          {"tooltip", json::array({{{"field", "step"}}, {{"field", "low"}}, {{"field", "high"}}})}}}};
    spec["layer"].insert(spec["layer"].end() - 1, area);  // under the curves, over the phase bands
    spec["title"] =
        title + fmt::format(", null band: {} random non-key sets, mean ± {} sd", f.null_draws, kNullBandSigmas);
  }
  return {"restricted", spec};
}

Chart irrep_similarity_chart(const IrrepResult& r, const json& bands) {
  std::vector<vega::Series> series;
  for (size_t i = 1; i < r.irreps.size(); ++i) {  // the trivial irrep's similarity is 0 by construction
    const bool key = std::find(r.key.indices.begin(), r.key.indices.end(), i) != r.key.indices.end();
    std::vector<double> values;
    for (const IrrepCheckpoint& c : r.at) values.push_back(c.similarity[static_cast<int64_t>(i)].item<double>());
    series.push_back({r.irreps[i].name + (key ? " (key)" : ""), values});
  }
  json rows = vega::long_rows(r.steps, series, false);
  std::string keys;
  for (const std::string& name : r.key.names) keys += (keys.empty() ? "" : ", ") + name;
  json spec = vega::line_chart(
      fmt::format("{}: logits' cosine similarity with each irrep's character cube (key: > {} at step {}: {{{}}})",
                  r.group, r.threshold, r.key.step, keys),
      rows, "cos(logits, tr ρ(a)ρ(b)ρ(c⁻¹))", false, &bands);
  const json rule = {{"data", {{"values", json::array({{{"threshold", r.threshold}}})}}},
                     {"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", "#888"}}},
                     {"encoding", {{"y", {{"field", "threshold"}, {"type", "quantitative"}}}}}};
  spec["layer"].push_back(rule);
  return {"irreps", spec};
}

Chart irrep_losses_chart(const IrrepResult& r, const json& bands) {
  using I = IrrepCheckpoint;
  json rows = vega::long_rows(r.steps,
                              {{"test loss", series(r.at, &I::test_loss)},
                               {"restricted loss (all pairs)", series(r.at, &I::restricted_all)},
                               {"restricted loss (test)", series(r.at, &I::restricted_test)},
                               {"train loss", series(r.at, &I::train_loss)},
                               {"excluded loss (train)", series(r.at, &I::excluded_train)}},
                              true);
  std::string keys;
  for (const std::string& name : r.key.names) keys += (keys.empty() ? "" : ", ") + name;
  return {"irrep-losses", vega::line_chart("Restricted and excluded loss on the key irreps {" + keys + "}", rows,
                                           "cross-entropy (nats, log scale)", true, &bands)};
}

Chart drift_chart(const FourierResult& f) {
  // Only frequencies that are key at some checkpoint: the rest would be an empty sea.
  std::vector<int64_t> ever;
  for (int64_t k = 1; !f.at.empty() && k <= f.at[0].key_now.size(0); ++k)
    for (const FourierCheckpoint& c : f.at)
      if (c.key_now[k - 1].item<int64_t>() == 1) {
        ever.push_back(k);
        break;
      }
  json rows = json::array();
  for (size_t i = 0; i < f.at.size(); ++i)
    for (int64_t k : ever)
      rows.push_back({{"step", f.steps[i]}, {"frequency", k}, {"value", f.at[i].key_now[k - 1].item<int64_t>()}});
  json spec =
      vega::heatmap("Key-frequency drift: key at each checkpoint (final set " + json(f.key.frequencies).dump() + ")",
                    rows, "step", "checkpoint step", "frequency", "frequency k", "key (1) or not (0)");
  spec["encoding"]["color"]["scale"]["domain"] = {0, 1};
  return {"drift", spec};
}

Chart spectrum_chart(const FourierResult& f) {
  json rows = json::array();
  for (size_t i = 0; i < f.at.size(); ++i) {
    at::Tensor norms = f.at[i].embed_norms;  // [n_freq]
    at::Tensor share = norms / norms.sum().clamp_min(1e-300);
    for (int64_t k = 0; k < share.size(0); ++k)
      rows.push_back({{"step", f.steps[i]}, {"frequency", k + 1}, {"value", share[k].item<double>()}});
  }
  return {"spectrum", vega::heatmap("Embedding Fourier spectrum over training", rows, "step", "checkpoint step",
                                    "frequency", "frequency k", "share of ||W_E||² at k")};
}

Chart clusters_chart(const FourierResult& f) {
  json rows = json::array();
  int64_t largest = 0;
  for (size_t i = 0; i < f.at.size(); ++i) {
    at::Tensor sizes = f.at[i].cluster_sizes;  // [n_freq] int64
    for (int64_t k = 0; k < sizes.size(0); ++k) {
      const int64_t n = sizes[k].item<int64_t>();
      largest = std::max(largest, n);
      rows.push_back({{"step", f.steps[i]}, {"frequency", k + 1}, {"value", n}});
    }
  }
  json spec = vega::heatmap(fmt::format("Neuron clusters by frequency (frac_k ≥ {})", f.tau), rows, "step",
                            "checkpoint step", "frequency", "frequency k", "neurons in cluster");
  // Pin the colour scale at 0 and at least 1 neuron: a run with no clusters reads as empty, not as noise.
  spec["encoding"]["color"]["scale"]["domain"] = {0, std::max<int64_t>(largest, 1)};
  return {"clusters", spec};
}

Chart probes_chart(const RepresentationResult& r, const json& bands) {
  std::vector<vega::Series> curves{{"cos/sin(w_k a)", {}}, {"cos/sin(w_k b)", {}}, {"cos/sin(w_k (a+b))", {}}};
  for (const RepresentationCheckpoint& m : r.at)
    for (int64_t operand = 0; operand < 3; ++operand)
      curves[static_cast<size_t>(operand)].second.push_back(m.mean_r2(operand));
  return {"probes",
          vega::line_chart("Linear probes on " + r.options.hook + " (test R²)", vega::long_rows(r.steps, curves, false),
                           "R² on test pairs (1 = perfectly linear)", false, &bands)};
}

std::optional<Chart> clock_pizza_chart(const RepresentationResult& r, const json& bands) {
  if (!r.clock_pizza || r.at.empty()) return std::nullopt;
  std::vector<vega::Series> curves{{"distance irrelevance q", {}}};
  if (r.symmetricity) curves.push_back({"gradient symmetricity s_g", {}});
  for (const RepresentationCheckpoint& m : r.at) {
    curves[0].second.push_back(m.distance_irrelevance);
    if (r.symmetricity) curves[1].second.push_back(m.symmetricity);
  }
  const CircuitKind kind = r.final_circuit_kind();
  return Chart{"clock-pizza", vega::line_chart("Clock or pizza (Zhong et al. 2023): " + kind.kind + " at the end",
                                               vega::long_rows(r.steps, curves, false),
                                               "clock: q high, s_g low; pizza: q low, s_g near 1", false, &bands)};
}

std::optional<Chart> gromov_chart(const FourierResult& f, const json& bands) {
  if (!f.phases_measured) return std::nullopt;
  std::vector<vega::Series> curves{{"mean cos(φ_a + φ_b − ψ)", {}}};
  for (const FourierCheckpoint& m : f.at) curves[0].second.push_back(m.phase_alignment);
  return Chart{"gromov", vega::line_chart("Gromov's phase relation ψ = φ_a + φ_b, per neuron",
                                          vega::long_rows(f.steps, curves, false),
                                          "weighted mean over neurons (1 = Gromov's solution)", false, &bands)};
}

std::optional<Chart> attention_chart(const Model& model, int64_t step) {
  const std::optional<AttentionSite> site = model.attention_site();
  if (!site) return std::nullopt;
  const int64_t p = model.p(), keys = static_cast<int64_t>(site->key_names.size());
  ActivationCache cache;
  grid_logits(model, &cache);
  at::Tensor pattern =
      cache.at(site->hook).view({p, p, site->heads, keys}).mean(1).cpu();  // [a, head, key], mean over b
  json rows = json::array();
  for (int64_t a = 0; a < p; ++a)
    for (int64_t h = 0; h < site->heads; ++h)
      for (int64_t k = 0; k < keys; ++k)
        rows.push_back({{"a", a},
                        {"key", fmt::format("head {} → {}", h, site->key_names[static_cast<size_t>(k)])},
                        {"value", pattern[a][h][k].item<double>()}});
  return Chart{"attention", vega::heatmap(fmt::format("Attention from '=' at step {} (mean over b)", step), rows, "a",
                                          "first operand a", "key", "head → key position", "attention weight")};
}

Chart pca_chart(const Model& model, int64_t step) {
  // Fourier features trace circles in pairs of principal components.
  at::Tensor E = model.number_embedding();  // [p, d]
  E = E - E.mean(0, true);
  auto [U, S, Vh] = at::linalg_svd(E, false);
  const int64_t n = std::min<int64_t>(4, S.size(0));
  at::Tensor pcs = (U.slice(1, 0, n) * S.slice(0, 0, n)).cpu();  // [p, n]
  json rows = json::array();
  for (int64_t t = 0; t < model.p(); ++t)
    for (int pair = 0; pair < 2 && 2 * pair + 1 < pcs.size(1); ++pair)
      rows.push_back({{"token", t},
                      {"pair", fmt::format("PC{} vs PC{}", 2 * pair + 1, 2 * pair + 2)},
                      {"x", pcs[t][2 * pair].item<double>()},
                      {"y", pcs[t][2 * pair + 1].item<double>()}});
  json spec = {
      {"$schema", vega::kSchema},
      {"title", fmt::format("PCA of the number embedding at step {}", step)},
      {"data", {{"values", rows}}},
      {"facet", {{"field", "pair"}, {"type", "nominal"}, {"title", nullptr}}},
      {"resolve", {{"scale", {{"x", "independent"}, {"y", "independent"}}}}},
      {"spec",
       {{"width", vega::kHeight},
        {"height", vega::kHeight},
        {"mark", {{"type", "point"}, {"filled", true}}},
        {"encoding",
         {{"x", {{"field", "x"}, {"type", "quantitative"}, {"title", "first component (embedding units)"}}},
          {"y", {{"field", "y"}, {"type", "quantitative"}, {"title", "second component (embedding units)"}}},
          {"color",
           {{"field", "token"}, {"type", "quantitative"}, {"title", "token"}, {"scale", {{"scheme", "rainbow"}}}}},
          {"tooltip", json::array({{{"field", "token"}}})}}}}}};
  return {"pca", spec};
}

}  // namespace grok
