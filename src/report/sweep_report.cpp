// sweep_report.cpp — one offline HTML page for a sweep (see sweep_report.h).
#include "grok/report/sweep_report.h"

#include <fmt/core.h>

#include <cmath>
#include <filesystem>

#include "grok/core/error.h"
#include "grok/report/page.h"
#include "grok/report/sweep_charts.h"
#include "grok/runfile/run_file.h"
#include "grok/story/milestones.h"

namespace grok {
namespace {

// Each complete row's test-loss curve from its run file (empty where it cannot be read).
std::vector<StepCurve> test_loss_curves(const SweepView& view, const std::string& dir, int64_t* unreadable) {
  std::vector<StepCurve> curves(view.rows.size());
  for (size_t i = 0; i < view.rows.size(); ++i) {
    if (!view.rows[i].phase) continue;
    try {
      const RunMetrics m = RunReader((std::filesystem::path(dir) / view.rows[i].row.run_file).string()).metrics();
      curves[i] = {m.steps, m.test_loss};
    } catch (const std::exception&) {
      ++*unreadable;  // a moved or damaged run file loses its curve, not the page
    }
  }
  return curves;
}

// The charts that apply, each left off when it would carry nothing (sweep_charts.h says when).
// A sweep over a model size is a double-descent sweep: its double-descent charts come first.
std::vector<Chart> sweep_charts(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes,
                                const SweepReportOptions& o, const std::string& dir, const RunSettings& run,
                                int64_t* unreadable) {
  std::vector<Chart> charts;
  if (const std::optional<std::string> size = model_size_axis(view)) {
    charts.push_back(size_test_loss_chart(view, *size, run));
    charts.push_back(size_test_error_chart(view, *size, run));
    if (auto c = epochwise_chart(view, *size, test_loss_curves(view, dir, unreadable), run)) charts.push_back(*c);
  }
  if (auto c = t_grok_diagram_chart(sweep, view, axes)) charts.push_back(*c);
  if (auto c = phase_diagram_chart(sweep, view, axes)) charts.push_back(*c);
  // With --x, only that axis' curve; otherwise one per non-seed axis.
  for (const std::string& axis : view.axes)
    if (o.x.empty() || axis == o.x)
      if (auto c = seed_spread_chart(sweep, view, axis, run)) charts.push_back(*c);
  return charts;
}

HtmlTable html(const std::string& id, TextTable t) { return {id, std::move(t.header), std::move(t.rows)}; }

std::string method_note(const SweepView& view, const RunSettings& run, int64_t unreadable) {
  std::string note = fmt::format(
      "Phases after Liu et al. 2022: t_train and t_test are the first evaluated steps with train and test accuracy "
      "≥ {:g}%; comprehension when both are reached less than {} steps apart, grokking when {} or more apart, "
      "memorisation when only train is reached, confusion when train never is. A cell's phase is the most common "
      "phase of its complete seeds; a tie goes to the phase that learned less (confusion < memorisation < grokking "
      "< comprehension). t_grok is the first evaluated step with test accuracy ≥ 99%; a cell's median is over its "
      "complete seeds with 'never' counted as infinitely late (an even count takes the mean of the middle two, so "
      "the median is 'never' once half the seeds never generalised). Rows that did not complete are left out of "
      "every cell. Steps are optimizer updates; losses {}. Definitions: grokscope docs/sweep-views.md.",
      100 * view.rule.accuracy, with_commas(view.rule.gap_steps), with_commas(view.rule.gap_steps), loss_units(run));
  if (unreadable > 0)
    note += fmt::format(" {} run file{} could not be read: {} curves are missing from the epoch-wise chart.",
                        unreadable, unreadable == 1 ? "" : "s", unreadable == 1 ? "its" : "their");
  return note;
}

}  // namespace

std::string render_sweep_report(const std::string& sweep_path, const SweepReportOptions& o) {
  const Sweep sweep = read_sweep_file(sweep_path);
  const std::string dir = sweep_directory(sweep_path);
  const SweepView view = view_sweep(sweep, phase_steps_for(sweep, dir, o.rule.accuracy), o.rule);
  const DiagramAxes axes = diagram_axes(view, o.x, o.y);
  const RunSettings run = run_settings(sweep);
  int64_t unreadable = 0;

  SweepPageContent page;
  page.title = sweep_path;
  page.charts = sweep_charts(sweep, view, axes, o, dir, run, &unreadable);
  int64_t complete = 0;
  for (const RowView& r : view.rows) complete += r.phase ? 1 : 0;
  std::string over;
  for (const std::string& axis : view.axes) over += (over.empty() ? "" : " × ") + axis;
  page.run_line = fmt::format("{} rows over {}{}", view.rows.size(), over.empty() ? "the seeds" : over,
                              view.has_seeds && !over.empty() ? " × seed" : "");
  page.verdict = fmt::format("{} of {} rows complete", complete, view.rows.size());
  page.headline = headline(view);
  page.spec_lines = describe_spec(sweep);
  if (!sweep.command_line.empty()) page.spec_lines.push_back("made by: " + sweep.command_line);
  page.cells = html("cells", cells_table(view));
  page.incomplete = html("incomplete", incomplete_table(view));
  page.rows = html("rows", rows_table(view));
  page.method_note = method_note(view, run, unreadable);
  page.spec_json = sweep_view_json(sweep, view, axes)["spec"].dump(2);
  return render_sweep_page(page);
}

}  // namespace grok
