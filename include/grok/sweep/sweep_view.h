// sweep_view.h — what a sweep found: each row's phase, and each cell's phase and median over seeds.
//
// A *cell* is one point of the non-seed axes; its rows are that point's seeds. Definitions
// (docs/sweep-views.md):
//   * Liu et al. 2022's phase of a run, from t_train / t_test, the first evaluated steps with
//     train / test accuracy >= rule.accuracy (90%):
//       comprehension  both reached and t_test - t_train <  rule.gap_steps (10^3)
//       grokking       both reached and t_test - t_train >= rule.gap_steps
//       memorisation   train reached, test never
//       confusion      train never reached (whatever test did)
//   * A cell's phase: the phase most of its complete seeds are in; a tie goes to the phase that
//     learned less (confusion < memorisation < grokking < comprehension), so a cell is never
//     called more generalising than half its seeds are.
//   * A cell's median t_grok: over its complete seeds, a seed that never generalised counting as
//     +infinity; with an even count, the mean of the two middle values — so the median is
//     'never' as soon as at least half the seeds never generalised.
// Only complete rows count: a running, interrupted, pending or failed row has no final answer.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "grok/story/thresholds.h"
#include "grok/sweep/sweep_file.h"

namespace grok {

inline constexpr const char* kSeedAxis = "seed";
inline constexpr double kNever = std::numeric_limits<double>::infinity();

enum class LiuPhase { Confusion, Memorisation, Grokking, Comprehension };  // ties go to the earlier
inline constexpr size_t kLiuPhases = 4;
const char* phase_name(LiuPhase phase);  // "comprehension", ...

struct PhaseRule {
  double accuracy = kPhaseDiagramAccuracy;  // train and test accuracy level (fraction of pairs)
  int64_t gap_steps = kComprehensionGapSteps;
};

// The steps (optimizer updates) a run first reached the rule's accuracy; -1 = never.
struct PhaseSteps {
  int64_t t_train = -1, t_test = -1;
};

LiuPhase liu_phase(const PhaseSteps& steps, int64_t gap_steps);

// Median of `values`, +infinity (kNever) counting as larger than any step; NaN for no values.
// Even count: mean of the two middle values (kNever if the upper one is kNever).
double median_of(std::vector<double> values);

struct RowView {
  SweepRow row;                   // as read from sweep.h5
  PhaseSteps steps;               // at rule.accuracy
  std::optional<LiuPhase> phase;  // complete rows only
};

struct CellView {
  SweepPoint point;                          // the non-seed axes' values (empty object: the sweep has only seeds)
  std::vector<size_t> rows;                  // indices into SweepView::rows, every seed of the cell, any status
  int64_t n_complete = 0;                    // seeds with a final answer
  int64_t n_generalised = 0;                 // of those, seeds with t_grok (test accuracy >= 99%)
  double median_t_grok = kNever;             // steps; kNever, or NaN when n_complete = 0
  int64_t min_t_grok = -1, max_t_grok = -1;  // over the generalised seeds (-1: none)
  double median_final_test_loss = std::numeric_limits<double>::quiet_NaN();  // nats, complete seeds
  double median_final_test_acc = std::numeric_limits<double>::quiet_NaN();   // fraction of pairs
  std::array<int64_t, kLiuPhases> phase_counts{};  // complete seeds in each phase, LiuPhase order
  std::optional<LiuPhase> phase;                   // plurality of phase_counts; none without complete seeds
};

struct SweepView {
  PhaseRule rule;
  std::vector<std::string> axes;  // the non-seed axes, in the sweep's order
  bool has_seeds = false;         // the sweep has a "seed" axis
  bool random_search = false;     // grok-sweep --random: each cell is a drawn point, not a grid node
  std::vector<RowView> rows;      // in sweep order
  std::vector<CellView> cells;    // in order of each cell's first row (grid order)
};

// The recorded steps to 90% (sweep.h5's t_train90 / t_test90), one per row.
std::vector<PhaseSteps> recorded_phase_steps(const Sweep& sweep);
// The steps to `accuracy` re-read from each complete row's run file under `dir` (RunReader::metrics);
// other rows get -1. At kPhaseDiagramAccuracy this equals recorded_phase_steps. InputError
// (one line) when a complete row's run file is missing or unreadable.
std::vector<PhaseSteps> phase_steps_from_runs(const Sweep& sweep, const std::string& dir, double accuracy);
// recorded_phase_steps at kPhaseDiagramAccuracy, else phase_steps_from_runs.
std::vector<PhaseSteps> phase_steps_for(const Sweep& sweep, const std::string& dir, double accuracy);

// Rows, cells, phases and medians; `steps` holds one entry per row of `sweep`.
SweepView view_sweep(const Sweep& sweep, const std::vector<PhaseSteps>& steps, const PhaseRule& rule);

// The two axes of a phase diagram: `x` and `y` as asked, else the first two non-seed axes
// (y empty when there is only one). InputError for an unknown axis, the seed axis, or x == y.
struct DiagramAxes {
  std::string x, y;
};
DiagramAxes diagram_axes(const SweepView& view, const std::string& x, const std::string& y);

// A table in words: a header and rows of formatted cells (grok-probe sweep prints it, the report draws it).
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
// Every row: id, axis values (seed included), status, t_mem, t_grok, the phase steps, phase,
// final test accuracy and loss, key frequencies, wall time.
TextTable rows_table(const SweepView& view);
// Every cell: axis values, seeds complete, generalised, median and min–max t_grok, phase and
// its counts, median final test accuracy and loss.
TextTable cells_table(const SweepView& view);
// Rows that did not complete: id, point, status, error (no rows: every row completed).
TextTable incomplete_table(const SweepView& view);
// The phase diagram in words, one table per value of the axes other than x and y (its title
// first, "" when there are none): y down (largest first), x across, each cell "grokking 1,250"
// (phase, median t_grok; "—" without a complete seed). Empty without a y axis, and for a random
// search (its points share no grid: the cells table lists each with its phase).
std::vector<std::pair<std::string, TextTable>> phase_grids(const SweepView& view, const DiagramAxes& axes);

// Words for tables and pages (grok-probe sweep, the sweep report):
std::string step_text(int64_t step);                  // "1,250", or "never" for -1
std::string median_text(const CellView& cell);        // "1,250", "1,250.5", "never", or "—" with no complete seed
std::string phase_counts_text(const CellView& cell);  // "2 grokking, 1 memorisation" (most first)
// "9 cells: 3 comprehension, 6 memorisation (Liu et al. 2022's phases at 90% accuracy, gap 1,000
// steps). Fastest median t_grok: 215 steps (weight_decay=2 frac_train=0.5); 6 cells never generalised
// (median over seeds)."
std::string headline(const SweepView& view);
// The spec in words, one line each: preset and fixed options, search, every axis, threads.
std::vector<std::string> describe_spec(const Sweep& sweep);

// The whole view as JSON (docs/sweep-views.md): steps never reached and unknown values are null.
nlohmann::ordered_json sweep_view_json(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes);

}  // namespace grok
