// charts.h — one function per chart of the report, each reading typed results.
//
// A chart is an id (the page element is #chart-<id>) and a Vega-Lite spec
// with its data inline. Adding a chart: write a function here, call it from
// render_report (report.cpp) — docs/architecture.md has the recipe.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "grok/model/model.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/irrep_analysis.h"
#include "grok/probe/representation_analysis.h"
#include "grok/runfile/run_file.h"
#include "grok/story/story.h"

namespace grok {

struct Chart {
  std::string id;
  nlohmann::ordered_json spec;
};

// The phases as shaded bands, a layer to draw under curve charts.
nlohmann::ordered_json phase_bands(const Phases& phases, int64_t last_step);

// `loss` is the run's config loss ("ce" or "mse"), which the metrics' loss columns hold.
Chart loss_chart(const RunMetrics& metrics, const nlohmann::ordered_json& bands, const std::string& loss = "ce");
Chart accuracy_chart(const RunMetrics& metrics, const nlohmann::ordered_json& bands);
Chart norms_chart(const RunMetrics& metrics, const nlohmann::ordered_json& bands);
// Restricted and excluded loss next to test and train loss (needs the logit projections).
Chart restricted_chart(const FourierResult& fourier, const nlohmann::ordered_json& bands);
// Share of the embedding's squared Fourier norm at each frequency, over checkpoints.
Chart spectrum_chart(const FourierResult& fourier);
// Which frequencies are key at each checkpoint (the key set's drift).
Chart drift_chart(const FourierResult& fourier);
// Neurons per frequency cluster over checkpoints.
Chart clusters_chart(const FourierResult& fourier);
// Group tasks: the character similarity of the logits with each non-trivial irrep's
// character cube over checkpoints (Chughtai et al. 2023's logit-similarity figure), the
// threshold as a rule.
Chart irrep_similarity_chart(const IrrepResult& irreps, const nlohmann::ordered_json& bands);
// Group tasks: restricted loss (all and test pairs) and excluded loss (train pairs) on the
// key irreps next to test and train loss.
Chart irrep_losses_chart(const IrrepResult& irreps, const nlohmann::ordered_json& bands);
// Test R^2 of the linear probes (needs key frequencies).
Chart probes_chart(const RepresentationResult& representations, const nlohmann::ordered_json& bands);
// Clock or pizza over training: distance irrelevance q and gradient symmetricity s_g (when
// measured), titled with the kind at the last checkpoint; none unless clock_pizza applies.
std::optional<Chart> clock_pizza_chart(const RepresentationResult& representations,
                                       const nlohmann::ordered_json& bands);
// Gromov's phase relation over training (task add only).
std::optional<Chart> gromov_chart(const FourierResult& fourier, const nlohmann::ordered_json& bands);
// Attention from the last position at the model's current weights (models with attention only).
std::optional<Chart> attention_chart(const Model& model, int64_t step);
// PCA of the number embedding at the model's current weights.
Chart pca_chart(const Model& model, int64_t step);

}  // namespace grok
