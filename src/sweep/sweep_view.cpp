// sweep_view.cpp — rows, cells, Liu et al.'s phases and medians over seeds (see sweep_view.h).
#include "grok/sweep/sweep_view.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "grok/core/config.h"
#include "grok/core/error.h"
#include "grok/runfile/run_file.h"
#include "grok/story/milestones.h"

namespace grok {
namespace {

using ojson = nlohmann::ordered_json;

// The row's point without the seed: the key of its cell.
SweepPoint cell_point(const SweepPoint& point) {
  SweepPoint cell = SweepPoint::object();
  for (const auto& [name, value] : point.items())
    if (name != kSeedAxis) cell[name] = value;
  return cell;
}

// The plurality of `counts`; a tie goes to the earliest phase (the one that learned less).
std::optional<LiuPhase> plurality(const std::array<int64_t, kLiuPhases>& counts) {
  const auto best = std::max_element(counts.begin(), counts.end());  // first of equal maxima
  if (*best == 0) return std::nullopt;
  return static_cast<LiuPhase>(best - counts.begin());
}

// Fills a cell's counts, medians and phase from its rows.
void summarise_cell(CellView& cell, const std::vector<RowView>& rows) {
  std::vector<double> t_grok, test_loss, test_acc;
  for (size_t i : cell.rows) {
    const RowView& r = rows[i];
    if (!r.phase) continue;
    const RowResult& result = r.row.result;
    ++cell.n_complete;
    ++cell.phase_counts[static_cast<size_t>(*r.phase)];
    if (result.t_grok >= 0) {
      ++cell.n_generalised;
      cell.min_t_grok = cell.min_t_grok < 0 ? result.t_grok : std::min(cell.min_t_grok, result.t_grok);
      cell.max_t_grok = std::max(cell.max_t_grok, result.t_grok);
    }
    t_grok.push_back(result.t_grok >= 0 ? static_cast<double>(result.t_grok) : kNever);
    if (std::isfinite(result.final_test_loss)) test_loss.push_back(result.final_test_loss);
    if (std::isfinite(result.final_test_acc)) test_acc.push_back(result.final_test_acc);
  }
  cell.median_t_grok = median_of(t_grok);
  cell.median_final_test_loss = median_of(test_loss);
  cell.median_final_test_acc = median_of(test_acc);
  cell.phase = plurality(cell.phase_counts);
}

// "a, b, c", or "none but the seeds".
std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none but the seeds" : s;
}

ojson step_or_null(int64_t step) { return step >= 0 ? ojson(step) : ojson(nullptr); }
ojson number_or_null(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }
ojson phase_or_null(const std::optional<LiuPhase>& p) { return p ? ojson(phase_name(*p)) : ojson(nullptr); }

ojson spec_view_json(const SweepSpec& spec) {
  ojson axes = ojson::array();
  for (const SweepAxis& a : spec.axes) axes.push_back({{"name", a.name}, {"spec", a.spec}, {"values", a.values}});
  return {{"preset", spec.preset},
          {"base_overrides", spec.base_overrides},
          {"axes", axes},
          {"random", spec.random},
          {"threads_per_run", spec.threads_per_run}};
}

ojson row_json(const RowView& v) {
  const SweepRow& row = v.row;
  const RowResult& r = row.result;
  return {{"id", row.id},
          {"point", row.point},
          {"run_file", row.run_file},
          {"status", row.status},
          {"error", row.error},
          {"final_step", step_or_null(r.final_step)},
          {"t_mem", step_or_null(r.t_mem)},
          {"t_grok", step_or_null(r.t_grok)},
          {"t_train90", step_or_null(r.t_train90)},
          {"t_test90", step_or_null(r.t_test90)},
          {"phase_t_train", step_or_null(v.steps.t_train)},
          {"phase_t_test", step_or_null(v.steps.t_test)},
          {"phase", phase_or_null(v.phase)},
          {"final_train_loss", number_or_null(r.final_train_loss)},
          {"final_test_loss", number_or_null(r.final_test_loss)},
          {"final_train_acc", number_or_null(r.final_train_acc)},
          {"final_test_acc", number_or_null(r.final_test_acc)},
          {"min_test_loss", number_or_null(r.min_test_loss)},
          {"key_frequencies", r.key_frequencies},
          {"wall_s", number_or_null(r.wall_s)}};
}

ojson cell_json(const CellView& c, const std::vector<RowView>& rows) {
  ojson ids = ojson::array(), counts = ojson::object();
  for (size_t i : c.rows) ids.push_back(rows[i].row.id);
  for (size_t k = 0; k < kLiuPhases; ++k) counts[phase_name(static_cast<LiuPhase>(k))] = c.phase_counts[k];
  return {{"point", c.point},
          {"rows", ids},
          {"n_seeds", c.rows.size()},
          {"n_complete", c.n_complete},
          {"n_generalised", c.n_generalised},
          {"median_t_grok", number_or_null(c.median_t_grok)},
          {"min_t_grok", step_or_null(c.min_t_grok)},
          {"max_t_grok", step_or_null(c.max_t_grok)},
          {"median_final_test_loss", number_or_null(c.median_final_test_loss)},
          {"median_final_test_acc", number_or_null(c.median_final_test_acc)},
          {"phase", phase_or_null(c.phase)},
          {"phase_counts", counts}};
}

}  // namespace

const char* phase_name(LiuPhase phase) {
  switch (phase) {
    case LiuPhase::Comprehension:
      return "comprehension";
    case LiuPhase::Grokking:
      return "grokking";
    case LiuPhase::Memorisation:
      return "memorisation";
    default:
      return "confusion";
  }
}

LiuPhase liu_phase(const PhaseSteps& s, int64_t gap_steps) {
  if (s.t_train < 0) return LiuPhase::Confusion;
  if (s.t_test < 0) return LiuPhase::Memorisation;
  return s.t_test - s.t_train < gap_steps ? LiuPhase::Comprehension : LiuPhase::Grokking;
}

double median_of(std::vector<double> values) {
  if (values.empty()) return kUnknown;
  std::sort(values.begin(), values.end());  // kNever sorts last
  const size_t n = values.size(), mid = n / 2;
  if (n % 2 == 1) return values[mid];
  if (std::isinf(values[mid])) return kNever;  // avoids inf + inf arithmetic reading as a value
  return 0.5 * (values[mid - 1] + values[mid]);
}

std::vector<PhaseSteps> recorded_phase_steps(const Sweep& sweep) {
  std::vector<PhaseSteps> out;
  for (const SweepRow& row : sweep.rows) out.push_back({row.result.t_train90, row.result.t_test90});
  return out;
}

std::vector<PhaseSteps> phase_steps_from_runs(const Sweep& sweep, const std::string& dir, double accuracy) {
  std::vector<PhaseSteps> out;
  for (const SweepRow& row : sweep.rows) {
    PhaseSteps s;
    if (row.status == "complete") {
      const std::string path = (std::filesystem::path(dir) / row.run_file).string();
      const RunMetrics m = RunReader(path).metrics();  // InputError (one line) if missing or not a run
      auto step = [&](const std::vector<double>& acc) {
        const std::optional<int64_t> t = first_step_at_least(m.steps, acc, accuracy);
        return t ? *t : int64_t{-1};
      };
      s = {step(m.train_acc), step(m.test_acc)};
    }
    out.push_back(s);
  }
  return out;
}

std::vector<PhaseSteps> phase_steps_for(const Sweep& sweep, const std::string& dir, double accuracy) {
  return accuracy == kPhaseDiagramAccuracy ? recorded_phase_steps(sweep) : phase_steps_from_runs(sweep, dir, accuracy);
}

SweepView view_sweep(const Sweep& sweep, const std::vector<PhaseSteps>& steps, const PhaseRule& rule) {
  if (steps.size() != sweep.rows.size())
    throw std::invalid_argument(fmt::format("view_sweep: {} phase steps for {} rows", steps.size(), sweep.rows.size()));
  SweepView view;
  view.rule = rule;
  view.random_search = sweep.spec.random > 0;
  for (const SweepAxis& axis : sweep.spec.axes) {
    if (axis.name == kSeedAxis)
      view.has_seeds = true;
    else
      view.axes.push_back(axis.name);
  }
  std::map<std::string, size_t> cell_of;  // cell point (dumped) -> index into view.cells
  for (size_t i = 0; i < sweep.rows.size(); ++i) {
    const SweepRow& row = sweep.rows[i];
    RowView r{row, steps[i], std::nullopt};
    if (row.status == "complete") r.phase = liu_phase(r.steps, rule.gap_steps);
    view.rows.push_back(r);
    const SweepPoint cell = cell_point(row.point);
    auto [it, fresh] = cell_of.emplace(cell.dump(), view.cells.size());
    if (fresh) {
      view.cells.emplace_back();
      view.cells.back().point = cell;
    }
    view.cells[it->second].rows.push_back(i);
  }
  for (CellView& cell : view.cells) summarise_cell(cell, view.rows);
  return view;
}

DiagramAxes diagram_axes(const SweepView& view, const std::string& x, const std::string& y) {
  auto check = [&](const std::string& name, const char* option) {
    if (name.empty()) return;
    if (name == kSeedAxis)
      throw InputError(fmt::format("{} {}: seeds are aggregated over, not drawn as an axis", option, name));
    if (std::find(view.axes.begin(), view.axes.end(), name) == view.axes.end())
      throw InputError(fmt::format("{} {}: not an axis of this sweep (its axes: {})", option, name, joined(view.axes)));
  };
  check(x, "--x");
  check(y, "--y");
  if (!x.empty() && x == y) throw InputError("--x and --y name the same axis");
  DiagramAxes d{x, y};
  for (const std::string& axis : view.axes) {
    if (d.x.empty() && axis != d.y)
      d.x = axis;
    else if (d.y.empty() && axis != d.x)
      d.y = axis;
  }
  return d;
}

namespace {

// An accuracy (fraction) to 3 decimals, "—" when unknown.
std::string acc_text(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "—"; }
// A loss (nats) or a time (seconds) to 3 significant digits, "—" when unknown.
std::string sig_text(double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : "—"; }

std::string keys_text(const std::vector<int64_t>& keys) { return keys.empty() ? "—" : join_list(keys); }

// "t_train90" at 90%, "t_train80" at 80%.
std::string at_level(const char* name, double accuracy) { return fmt::format("{}{:g}", name, 100 * accuracy); }

// The axes other than x and y: a cell's panel in a phase diagram.
std::string panel_of(const CellView& c, const DiagramAxes& axes) {
  SweepPoint rest = SweepPoint::object();
  for (const auto& [name, value] : c.point.items())
    if (name != axes.x && name != axes.y) rest[name] = value;
  return describe_point(rest);
}

// A sortable key of an axis value: numbers by value, others by text.
struct ValueLess {
  bool operator()(const SweepPoint& a, const SweepPoint& b) const {
    if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
    return a.dump() < b.dump();
  }
};

}  // namespace

TextTable rows_table(const SweepView& view) {
  TextTable t;
  t.header.push_back("row");
  std::vector<std::string> axes = view.axes;
  if (view.has_seeds) axes.push_back(kSeedAxis);
  for (const std::string& a : axes) t.header.push_back(a);
  for (const std::string& h :
       {std::string("status"), std::string("t_mem"), std::string("t_grok"), at_level("t_train", view.rule.accuracy),
        at_level("t_test", view.rule.accuracy), std::string("phase"), std::string("test_acc"), std::string("test_loss"),
        std::string("keys"), std::string("wall_s")})
    t.header.push_back(h);
  for (const RowView& r : view.rows) {
    const RowResult& x = r.row.result;
    std::vector<std::string> row{std::to_string(r.row.id)};
    for (const std::string& a : axes) row.push_back(r.row.point.contains(a) ? display_value(r.row.point.at(a)) : "—");
    for (std::string cell :
         {r.row.status, step_text(x.t_mem), step_text(x.t_grok), step_text(r.steps.t_train), step_text(r.steps.t_test),
          std::string(r.phase ? phase_name(*r.phase) : "—"), acc_text(x.final_test_acc), sig_text(x.final_test_loss),
          keys_text(x.key_frequencies), sig_text(x.wall_s)})
      row.push_back(std::move(cell));
    t.rows.push_back(std::move(row));
  }
  return t;
}

TextTable cells_table(const SweepView& view) {
  TextTable t{view.axes, {}};
  for (const char* h :
       {"seeds", "generalised", "median_t_grok", "t_grok_min-max", "phase", "phase_counts", "test_acc", "test_loss"})
    t.header.push_back(h);
  for (const CellView& c : view.cells) {
    std::vector<std::string> row;
    for (const std::string& axis : view.axes) row.push_back(display_value(c.point.at(axis)));
    row.push_back(fmt::format("{}/{}", c.n_complete, c.rows.size()));
    row.push_back(std::to_string(c.n_generalised));
    row.push_back(median_text(c));
    row.push_back(c.n_generalised > 0 ? step_text(c.min_t_grok) + "–" + step_text(c.max_t_grok) : "—");
    row.push_back(c.phase ? phase_name(*c.phase) : "—");
    row.push_back(phase_counts_text(c));
    row.push_back(acc_text(c.median_final_test_acc));
    row.push_back(sig_text(c.median_final_test_loss));
    t.rows.push_back(std::move(row));
  }
  return t;
}

TextTable incomplete_table(const SweepView& view) {
  TextTable t{{"row", "point", "status", "error"}, {}};
  for (const RowView& r : view.rows)
    if (!r.phase) t.rows.push_back({std::to_string(r.row.id), describe_point(r.row.point), r.row.status, r.row.error});
  return t;
}

std::vector<std::pair<std::string, TextTable>> phase_grids(const SweepView& view, const DiagramAxes& axes) {
  std::vector<std::pair<std::string, TextTable>> grids;
  if (axes.y.empty() || view.random_search) return grids;
  std::vector<std::string> panels;
  std::set<SweepPoint, ValueLess> xs, ys;
  for (const CellView& c : view.cells) {
    const std::string panel = panel_of(c, axes);
    if (std::find(panels.begin(), panels.end(), panel) == panels.end()) panels.push_back(panel);
    xs.insert(c.point.at(axes.x));
    ys.insert(c.point.at(axes.y));
  }
  for (const std::string& panel : panels) {
    TextTable t;
    t.header.push_back(axes.y + " \\ " + axes.x);
    for (const SweepPoint& x : xs) t.header.push_back(display_value(x));
    for (auto y = ys.rbegin(); y != ys.rend(); ++y) {
      std::vector<std::string> row{display_value(*y)};
      for (const SweepPoint& x : xs) {
        auto cell = std::find_if(view.cells.begin(), view.cells.end(), [&](const CellView& c) {
          return panel_of(c, axes) == panel && c.point.at(axes.x) == x && c.point.at(axes.y) == *y;
        });
        if (cell == view.cells.end() || !cell->phase)
          row.push_back(cell == view.cells.end() ? "" : "—");
        else
          row.push_back(fmt::format("{} {}", phase_name(*cell->phase), median_text(*cell)));
      }
      t.rows.push_back(std::move(row));
    }
    grids.emplace_back(panel, std::move(t));
  }
  return grids;
}

std::string step_text(int64_t step) { return step >= 0 ? with_commas(step) : "never"; }

std::string median_text(const CellView& c) {
  if (c.n_complete == 0) return "—";
  if (std::isinf(c.median_t_grok)) return "never";
  const double whole = std::floor(c.median_t_grok);
  const std::string text = with_commas(static_cast<int64_t>(whole));
  return c.median_t_grok > whole ? text + ".5" : text;  // an even count's mean of two steps
}

std::string phase_counts_text(const CellView& c) {
  std::vector<size_t> order;
  for (size_t k = kLiuPhases; k-- > 0;)
    if (c.phase_counts[k] > 0) order.push_back(k);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return c.phase_counts[a] > c.phase_counts[b]; });
  std::string s;
  for (size_t k : order)
    s += fmt::format("{}{} {}", s.empty() ? "" : ", ", c.phase_counts[k], phase_name(static_cast<LiuPhase>(k)));
  return s.empty() ? "—" : s;
}

std::string headline(const SweepView& view) {
  std::array<int64_t, kLiuPhases> cells{};
  int64_t never = 0, empty = 0;
  const CellView* fastest = nullptr;
  for (const CellView& c : view.cells) {
    if (c.phase) ++cells[static_cast<size_t>(*c.phase)];
    if (c.n_complete == 0)
      ++empty;
    else if (std::isinf(c.median_t_grok))
      ++never;
    else if (!fastest || c.median_t_grok < fastest->median_t_grok)
      fastest = &c;
  }
  std::string s = fmt::format("{} cell{}", view.cells.size(), view.cells.size() == 1 ? "" : "s");
  std::string phases;
  for (size_t k = kLiuPhases; k-- > 0;)
    if (cells[k] > 0)
      phases += fmt::format("{}{} {}", phases.empty() ? "" : ", ", cells[k], phase_name(static_cast<LiuPhase>(k)));
  if (!phases.empty()) s += ": " + phases;
  if (empty > 0) s += fmt::format("{} {} with no complete row", phases.empty() ? ":" : ",", empty);
  s += fmt::format(" (Liu et al. 2022's phases at {:g}% accuracy, gap {} steps)", 100 * view.rule.accuracy,
                   with_commas(view.rule.gap_steps));
  if (fastest) {
    const std::string where = fastest->point.empty() ? "" : " (" + describe_point(fastest->point) + ")";
    s += fmt::format(". Fastest median t_grok: {} steps{}", median_text(*fastest), where);
  }
  if (never > 0)
    s += fmt::format("{} {} cell{} never generalised (median over seeds)", fastest ? ";" : ".", never,
                     never == 1 ? "" : "s");
  else if (fastest)
    s += "; every cell generalised";
  return s + ".";
}

std::vector<std::string> describe_spec(const Sweep& sweep) {
  const SweepSpec& spec = sweep.spec;
  std::vector<std::string> lines;
  std::string fixed;
  for (const auto& [name, value] : spec.base_overrides.items()) {
    std::string flag = name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    fixed += fmt::format(" --{}={}", flag, format_value(value));
  }
  lines.push_back("preset " + spec.preset +
                  (fixed.empty() ? "; no other fixed options" : "; every run also gets" + fixed));
  int64_t seeds = 1, points = 1;
  for (const SweepAxis& a : spec.axes) (a.name == kSeedAxis ? seeds : points) *= static_cast<int64_t>(a.values.size());
  if (spec.random > 0)
    lines.push_back(fmt::format("random search: {} points drawn (sweep seed {}) × {} seed{} = {} rows", spec.random,
                                spec.sweep_seed, seeds, seeds == 1 ? "" : "s", sweep.rows.size()));
  else
    lines.push_back(fmt::format("grid search: {} point{} × {} seed{} = {} rows", points, points == 1 ? "" : "s", seeds,
                                seeds == 1 ? "" : "s", sweep.rows.size()));
  for (const SweepAxis& a : spec.axes) {
    if (spec.random > 0 && a.name != kSeedAxis && a.kind != SweepAxis::Kind::List) {
      lines.push_back(fmt::format("axis {}: drawn {}uniformly from {} to {} ('{}')", a.name,
                                  a.kind == SweepAxis::Kind::Log ? "log-" : "", display_value(a.low),
                                  display_value(a.high), a.spec));
      continue;
    }
    std::string values;
    for (const auto& v : a.values) values += (values.empty() ? "" : ", ") + display_value(v);
    const char* how = a.kind == SweepAxis::Kind::Log      ? "log range"
                      : a.kind == SweepAxis::Kind::Linear ? "linear range"
                                                          : "list";
    lines.push_back(fmt::format("axis {}: {} ({} '{}')", a.name, values, how, a.spec));
  }
  lines.push_back(fmt::format("{} thread{} per run", spec.threads_per_run, spec.threads_per_run == 1 ? "" : "s"));
  return lines;
}

ojson sweep_view_json(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes) {
  ojson rows = ojson::array(), cells = ojson::array();
  for (const RowView& r : view.rows) rows.push_back(row_json(r));
  for (const CellView& c : view.cells) cells.push_back(cell_json(c, view.rows));
  return {{"spec", spec_view_json(sweep.spec)},
          {"command_line", sweep.command_line},
          {"rule",
           {{"accuracy", view.rule.accuracy},
            {"gap_steps", view.rule.gap_steps},
            {"phases",
             "comprehension: train and test reached, gap < gap_steps; grokking: both, gap >= gap_steps; "
             "memorisation: train only; confusion: train never"},
            {"cell_phase",
             "most common phase of the complete seeds; ties go to the phase that learned less "
             "(confusion < memorisation < grokking < comprehension)"},
            {"median",
             "over complete seeds, never = +infinity; even count: mean of the two middle values; "
             "null when the median is never or no seed is complete"}}},
          {"axes", view.axes},
          {"seed_axis", view.has_seeds ? ojson(kSeedAxis) : ojson(nullptr)},
          {"diagram",
           {{"x", axes.x.empty() ? ojson(nullptr) : ojson(axes.x)},
            {"y", axes.y.empty() ? ojson(nullptr) : ojson(axes.y)}}},
          {"rows", rows},
          {"cells", cells}};
}

}  // namespace grok
