// sweep_charts.h — one function per chart of a sweep's report, each reading the typed SweepView.
//
// Steps are optimizer updates, losses in the runs' own loss (RunSettings), accuracies fractions
// of pairs. A chart that does not apply, or would carry no information, returns std::nullopt and
// is left off the page.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grok/report/charts.h"
#include "grok/sweep/sweep_view.h"

namespace grok {

// What the runs were trained with, from each row's resolved config: the charts' units and bounds.
struct RunSettings {
  std::string loss;         // "ce", "mse", or "mixed" when the rows differ
  int64_t step_budget = 0;  // the most steps any row was asked to train
  int64_t p = 0;            // the modulus; 0 when the rows differ
};
RunSettings run_settings(const Sweep& sweep);
// The loss's units for a label: "cross-entropy, nats", "MSE on one-hot labels".
std::string loss_units(const RunSettings& run);

// Whether any complete row reached 99% test accuracy: without one, every t_grok chart is 'never'.
bool any_generalised(const SweepView& view);

// Median t_grok over seeds on the diagram axes (x by y; a grid as a heat map, a random search
// as points), log colour scale; cells whose median is 'never' are grey and say so. Sweeps with
// more axes get one panel per value of the others. std::nullopt without a y axis or without
// any_generalised. A cell's "k/n gen." only when some cell has several seeds.
std::optional<Chart> t_grok_diagram_chart(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes);
// Liu et al.'s phase of each cell on the same axes, four fixed colours with a legend.
std::optional<Chart> phase_diagram_chart(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes);

// Median t_grok against one axis (one line per value of the other axes), every seed as a point,
// min–max of the generalised seeds as a bar, seeds that never generalised as ▲ at the steps they
// trained, with "k/n never" above them per value. Log y up to the step budget. std::nullopt
// without any_generalised.
std::optional<Chart> seed_spread_chart(const Sweep& sweep, const SweepView& view, const std::string& axis,
                                       const RunSettings& run);

// The first axis that is a model size (d_mlp, d_model), if any: the double-descent charts need one.
std::optional<std::string> model_size_axis(const SweepView& view);
// Model-wise double descent: median final test loss (log y) against the size (log x), one line
// per value of the other axes (each its own dash, so equal lines both show), every seed as a
// point; x ticks at the sizes, y fitted to the data.
Chart size_test_loss_chart(const SweepView& view, const std::string& size_axis, const RunSettings& run);
// The same for the final test error, 1 - test accuracy (linear y), with chance (1 - 1/p) marked.
Chart size_test_error_chart(const SweepView& view, const std::string& size_axis, const RunSettings& run);

// A run's test loss over training: steps (optimizer updates) and test loss, same length.
struct StepCurve {
  std::vector<int64_t> steps;
  std::vector<double> test_loss;
};
// Epoch-wise double descent: test loss against step (log-log), one curve per size, each the
// median over the cell's seeds at the steps they share; one panel per value of the other axes.
// `curves` holds one entry per view row (empty where the run file could not be read).
// std::nullopt when no curve has more than 2 evaluated steps (a min_norm solve is one step).
std::optional<Chart> epochwise_chart(const SweepView& view, const std::string& size_axis,
                                     const std::vector<StepCurve>& curves, const RunSettings& run);

}  // namespace grok
