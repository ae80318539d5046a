// sweep_charts.h — one function per chart of a sweep's report, each reading the typed SweepView.
//
// Steps are optimizer updates, losses natural-log cross-entropy (nats), accuracies fractions of
// pairs. A chart that does not apply returns std::nullopt and is left off the page.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grok/report/charts.h"
#include "grok/sweep/sweep_view.h"

namespace grok {

// Median t_grok over seeds on the diagram axes (x by y; a grid as a heat map, a random search
// as points), log colour scale; cells whose median is 'never' are grey and say so. Sweeps with
// more axes get one panel per value of the others. std::nullopt without a y axis.
std::optional<Chart> t_grok_diagram_chart(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes);
// Liu et al.'s phase of each cell on the same axes, four fixed colours with a legend.
std::optional<Chart> phase_diagram_chart(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes);

// Median t_grok against one axis (one line per value of the other axes), every seed as a point,
// min–max of the generalised seeds as a bar, seeds that never generalised as ▲ at the steps they
// trained. Log y.
Chart seed_spread_chart(const Sweep& sweep, const SweepView& view, const std::string& axis);

// The first axis that is a model size (d_mlp, d_model), if any: the double-descent charts need one.
std::optional<std::string> model_size_axis(const SweepView& view);
// Model-wise double descent: median final test loss (log y) against the size (log x), one line
// per value of the other axes, every seed as a point.
Chart size_test_loss_chart(const SweepView& view, const std::string& size_axis);
// The same for the final test error, 1 - test accuracy (linear y).
Chart size_test_error_chart(const SweepView& view, const std::string& size_axis);

// A run's test loss over training: steps (optimizer updates) and test loss (nats), same length.
struct StepCurve {
  std::vector<int64_t> steps;
  std::vector<double> test_loss;
};
// Epoch-wise double descent: test loss against step (log-log), one curve per size, each the
// median over the cell's seeds at the steps they share; one panel per value of the other axes.
// `curves` holds one entry per view row (empty where the run file could not be read).
Chart epochwise_chart(const SweepView& view, const std::string& size_axis, const std::vector<StepCurve>& curves);

}  // namespace grok
