// sweep_charts.cpp — the charts of a sweep's report (see sweep_charts.h).
#include "grok/report/sweep_charts.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "grok/report/vega.h"
#include "grok/story/milestones.h"
#include "grok/sweep/runner.h"

namespace grok {
namespace {

using json = nlohmann::ordered_json;

// Liu et al.'s phases in LiuPhase order, and their colours (fixed, so every page reads alike).
const char* const kPhaseColours[kLiuPhases] = {"#9d755d", "#e45756", "#4c78a8", "#54a24b"};
constexpr const char* kNoDataFill = "#ffffff";
constexpr const char* kNeverFill = "#dcdcdc";
constexpr const char* kNeverPoint = "#8c8c8c";  // on white, where a pale grey would not show
constexpr const char* kNeverInk = "#b00020";
constexpr const char* kNoDataInk = "#666666";
constexpr const char* kOneColour = "#4c78a8";  // the line of a chart without other axes
// Phase names short enough for a narrow cell, LiuPhase order.
const char* const kPhaseShort[kLiuPhases] = {"conf.", "mem.", "grok", "comp."};
// Cells at least this wide (pixels) fit "comprehension"; at least kWideCell, a second line of text.
constexpr int kWordCell = 92;
constexpr int kWideCell = 56;
// Past this fraction of the reversed viridis scale a cell is dark enough for white text.
constexpr double kDarkCell = 0.55;
// Axes whose values are model sizes: the double-descent charts are drawn over the first one.
const char* const kModelSizeAxes[] = {"d_mlp", "d_model"};
// A numeric axis spanning this ratio or more (all values > 0) is drawn on a log scale.
constexpr double kLogAxisSpan = 10;
// Pixels between a plot's edge and its first / last value: markers there are not cut in half.
constexpr int kEdgePadding = 14;
// A numeric grid axis with at most this many values gets a tick at each value.
constexpr size_t kMaxValueTicks = 12;
// Epoch-wise curves keep about this many log-spaced steps each: enough to draw, small enough to inline.
constexpr size_t kCurvePoints = 160;
// A curve of at most this many evaluated steps shows no course of training (a min_norm solve has 1).
constexpr size_t kMinCurveSteps = 3;
// Pixels kept above the step budget on the seed-spread chart: room for a 'never' marker and its count.
constexpr int kNeverRoom = 26;
// Dash patterns for the lines of a double-descent chart, one per group: equal lines stay visible.
const std::vector<std::vector<int>> kDashes = {{1, 0}, {6, 4}, {2, 3}, {10, 3, 2, 3}, {4, 2, 1, 2}, {12, 6}};

json phase_domain() {
  json d = json::array();
  for (size_t k = kLiuPhases; k-- > 0;) d.push_back(phase_name(static_cast<LiuPhase>(k)));
  return d;  // comprehension first: the legend reads from most to least learned
}

json phase_range() {
  json r = json::array();
  for (size_t k = kLiuPhases; k-- > 0;) r.push_back(kPhaseColours[k]);
  return r;
}

const SweepAxis* find_axis(const Sweep& sweep, const std::string& name) {
  for (const SweepAxis& a : sweep.spec.axes)
    if (a.name == name) return &a;
  return nullptr;
}

// A value as Vega-Lite data: booleans as words (ordinal axes sort them as text).
json datum(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v;
}

bool numeric_axis(const SweepView& view, const std::string& axis) {
  return std::all_of(view.cells.begin(), view.cells.end(),
                     [&](const CellView& c) { return c.point.contains(axis) && c.point.at(axis).is_number(); });
}

// Log scale for a log-range axis, a model size, or a positive numeric axis spanning a decade or more.
bool log_axis(const Sweep& sweep, const SweepView& view, const std::string& axis) {
  const SweepAxis* a = find_axis(sweep, axis);
  if (a && a->kind == SweepAxis::Kind::Log) return true;
  if (!numeric_axis(view, axis)) return false;
  if (model_size_axis(view) == axis) return true;
  double lo = INFINITY, hi = -INFINITY;
  for (const CellView& c : view.cells) {
    const double v = c.point.at(axis).get<double>();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return lo > 0 && hi / lo >= kLogAxisSpan;
}

// A list axis holding zero (or negatives) whose positive values span a decade or more — weight
// decay 0, 0.3, 1, 3, 10, 20 — crowds its small values together on a linear scale and has no
// log scale: such an axis is drawn evenly spaced instead, one slot per value.
bool crowded_list_axis(const Sweep& sweep, const SweepView& view, const std::string& axis) {
  const SweepAxis* a = find_axis(sweep, axis);
  if (!a || a->kind != SweepAxis::Kind::List || !numeric_axis(view, axis)) return false;
  double lo_positive = INFINITY, hi = -INFINITY, lo = INFINITY;
  for (const CellView& c : view.cells) {
    const double v = c.point.at(axis).get<double>();
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    if (v > 0) lo_positive = std::min(lo_positive, v);
  }
  return lo <= 0 && std::isfinite(lo_positive) && hi / lo_positive >= kLogAxisSpan;
}

// A Vega label expression writing each of `values` as display_number does (Vega's own number
// formats cannot: "~g" writes 10 as "1e+1"); anything else keeps Vega's label.
std::string value_labels(const std::vector<double>& values) {
  std::string e;
  for (double v : values) e += fmt::format("datum.value == {} ? '{}' : ", json(v).dump(), display_number(v));
  return e + "datum.label";
}

std::vector<double> numeric_values(const SweepView& view, const std::string& axis) {
  std::set<double> values;
  for (const CellView& c : view.cells)
    if (c.point.contains(axis) && c.point.at(axis).is_number()) values.insert(c.point.at(axis).get<double>());
  return {values.begin(), values.end()};
}

// "d_mlp=128 label_noise=0.1": the cell's values of every non-seed axis but `excluded`.
std::string others(const CellView& cell, const std::vector<std::string>& excluded) {
  SweepPoint rest = SweepPoint::object();
  for (const auto& [name, value] : cell.point.items())
    if (std::find(excluded.begin(), excluded.end(), name) == excluded.end()) rest[name] = value;
  return describe_point(rest);
}

// The distinct others() of the cells, in grid order: the order of lines in a legend and of panels.
std::vector<std::string> group_order(const SweepView& view, const std::vector<std::string>& excluded) {
  std::vector<std::string> groups;
  for (const CellView& c : view.cells) {
    const std::string g = others(c, excluded);
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  }
  return groups;
}

// One colour per group, in grid order (a legend sorted as text would put d_mlp=256 before 64).
json group_colour(const std::vector<std::string>& groups) {
  if (groups.size() <= 1) return {{"value", kOneColour}};
  return {{"field", "group"}, {"type", "nominal"}, {"title", "other axes"}, {"scale", {{"domain", groups}}}};
}

// A tick at each value of a numeric grid axis with few values (more, or a random search's
// scattered values, keep the scale's own ticks).
// Beyond kMaxValueTicks values, every k-th one (the first and last kept) so the labels do not collide.
void value_ticks(json& encoding, const SweepView& view, const std::string& axis) {
  if (view.random_search) return;
  const std::vector<double> values = numeric_values(view, axis);
  std::vector<double> ticks;
  const size_t every = (values.size() + kMaxValueTicks - 1) / kMaxValueTicks;
  for (size_t i = 0; i < values.size(); i += std::max<size_t>(every, 1)) ticks.push_back(values[i]);
  if (!values.empty() && ticks.back() != values.back()) ticks.back() = values.back();
  encoding["axis"] = {{"values", ticks}, {"labelExpr", value_labels(ticks)}};
}

size_t distinct_values(const SweepView& view, const std::string& axis) {
  std::set<std::string> values;
  for (const CellView& c : view.cells)
    if (c.point.contains(axis)) values.insert(c.point.at(axis).dump());
  return values.size();
}

// 1234 -> "1,234"; 12345 -> "12.3k": fits a heat-map cell.
std::string short_steps(double steps) {
  if (steps < 10000) return with_commas(static_cast<int64_t>(std::lround(steps)));
  return fmt::format("{:.3g}k", steps / 1000);
}

// An axis encoding: ordinal on a grid (cells), quantitative on a random search (points).
json position(const Sweep& sweep, const SweepView& view, const std::string& axis, bool scatter, bool descending) {
  json e = {{"field", axis}, {"title", axis}};
  if (scatter && numeric_axis(view, axis)) {
    e["type"] = "quantitative";
    e["scale"] = {{"type", log_axis(sweep, view, axis) ? "log" : "linear"}, {"zero", false}};
  } else {
    e["type"] = "ordinal";
    if (descending) e["sort"] = "descending";  // larger values at the top, as on a plot
    if (numeric_axis(view, axis)) e["axis"] = {{"labelExpr", value_labels(numeric_values(view, axis))}};
  }
  return e;
}

// A layer: its own mark and encoding over the chart's data, keeping rows where `filter` holds.
json layer(const json& mark, const json& encoding, const std::string& filter = "") {
  json l = {{"mark", mark}, {"encoding", encoding}};
  if (!filter.empty()) l["transform"] = json::array({{{"filter", filter}}});
  return l;
}

// One spec of `layers` over `rows`; one panel per distinct "panel" value when `panels` > 1.
json panelled(const std::string& title, const json& subtitle, const json& rows, const json& layers, int width,
              int height, const std::vector<std::string>& panels) {
  json spec = {{"$schema", vega::kSchema}, {"title", {{"text", title}, {"subtitle", subtitle}}}};
  spec["data"] = {{"values", rows}};
  // Independent colours: text coloured by a literal "ink" field next to a scaled fill.
  json inner = {
      {"width", width}, {"height", height}, {"layer", layers}, {"resolve", {{"scale", {{"color", "independent"}}}}}};
  if (panels.size() <= 1) {
    for (auto& [k, v] : inner.items()) spec[k] = v;
    return spec;
  }
  spec["facet"] = {{"field", "panel"}, {"type", "nominal"}, {"title", nullptr}, {"sort", panels}};
  spec["columns"] = 3;
  spec["spec"] = inner;
  return spec;
}

struct DiagramFrame {
  bool scatter = false;  // a random search: points at their values, not a grid of cells
  int width = vega::kWidth, height = vega::kHeight;
  bool text = true, two_lines = true, words = true;
  std::vector<std::string> panels;  // the values of the other axes, one panel each (one: no panels)
};

DiagramFrame diagram_frame(const SweepView& view, const DiagramAxes& axes) {
  DiagramFrame f;
  f.scatter = view.random_search;
  f.panels = group_order(view, {axes.x, axes.y});
  const int panel_width = f.panels.size() > 1 ? vega::kWidth / 2 : vega::kWidth;
  if (!f.scatter) {
    const auto nx = static_cast<int>(distinct_values(view, axes.x)),
               ny = static_cast<int>(distinct_values(view, axes.y));
    const int step_x = std::clamp(panel_width / std::max(nx, 1), 16, 120);
    const int step_y = std::clamp(vega::kHeight / std::max(ny, 1), 16, 56);
    f.width = step_x * nx;
    f.height = step_y * ny;
    f.text = step_x >= kWideCell / 2 && step_y >= 16;
    f.two_lines = step_x >= kWideCell && step_y >= 32;
    f.words = step_x >= kWordCell;
  } else {
    f.width = panel_width;
    f.text = false;
  }
  return f;
}

// Whether some cell has more than one seed: with one each, "k/n" counts say nothing.
bool several_seeds(const SweepView& view) {
  return std::any_of(view.cells.begin(), view.cells.end(), [](const CellView& c) { return c.rows.size() > 1; });
}

// The diagram's rows: one per cell, with its position, panel and what both diagrams draw.
json diagram_rows(const SweepView& view, const DiagramAxes& axes, double lo, double hi) {
  const bool counts = several_seeds(view);
  json rows = json::array();
  for (const CellView& c : view.cells) {
    json r = {{axes.x, datum(c.point.at(axes.x))}, {axes.y, datum(c.point.at(axes.y))}};
    r["panel"] = others(c, {axes.x, axes.y});
    const bool nodata = c.n_complete == 0, never = !nodata && std::isinf(c.median_t_grok);
    r["state"] = nodata ? "no data" : never ? "never" : "value";
    r["ink"] = nodata ? kNoDataInk : kNeverInk;
    if (!nodata && !never) {
      r["median_t_grok"] = c.median_t_grok;
      // Where the cell sits on the reversed log scale: dark (slow) cells get white text.
      const double t = hi > lo ? std::log(c.median_t_grok / lo) / std::log(hi / lo) : 0.5;
      r["ink"] = t > kDarkCell ? "white" : "black";
    }
    r["label"] = nodata ? "no data" : never ? "never" : short_steps(c.median_t_grok);
    r["seeds"] = counts ? fmt::format("{}/{} gen.", c.n_generalised, c.n_complete) : "";
    r["phase"] = c.phase ? phase_name(*c.phase) : "no data";
    r["phase_short"] = c.phase ? kPhaseShort[static_cast<size_t>(*c.phase)] : "—";
    r["phase_ink"] = c.phase ? "white" : kNoDataInk;
    r["agree"] =
        c.phase && counts ? fmt::format("{}/{}", c.phase_counts[static_cast<size_t>(*c.phase)], c.n_complete) : "";
    rows.push_back(std::move(r));
  }
  return rows;
}

json tooltip(const DiagramAxes& axes) {
  return json::array({{{"field", axes.x}},
                      {{"field", axes.y}},
                      {{"field", "label"}, {"title", "median t_grok"}},
                      {{"field", "seeds"}, {"title", "seeds generalised"}},
                      {{"field", "phase"}},
                      {{"field", "agree"}, {"title", "seeds in that phase"}}});
}

// Text layers: the field `main` on the first line, `sub` on the second, coloured by the field `ink`.
void add_labels(json& layers, const DiagramFrame& f, const json& xy, const std::string& main, const std::string& sub,
                const std::string& ink) {
  if (!f.text) return;
  json enc = xy;
  enc["text"] = {{"field", main}};
  enc["color"] = {{"field", ink}, {"type", "nominal"}, {"scale", nullptr}};
  layers.push_back(layer({{"type", "text"}, {"fontSize", 11}, {"dy", f.two_lines ? -6 : 0}}, enc));
  if (!f.two_lines || sub.empty()) return;
  enc["text"] = {{"field", sub}};
  layers.push_back(layer({{"type", "text"}, {"fontSize", 9}, {"dy", 8}}, enc));
}

json xy_encoding(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes, bool scatter) {
  return {{"x", position(sweep, view, axes.x, scatter, false)}, {"y", position(sweep, view, axes.y, scatter, true)}};
}

json cell_mark(const DiagramFrame& f) {
  if (f.scatter) return {{"type", "point"}, {"filled", true}, {"size", 220}, {"shape", "square"}, {"opacity", 1}};
  return {{"type", "rect"}, {"stroke", "#ffffff"}, {"strokeWidth", 1}};
}

// A chart's subtitle lines, and a last one when it has panels.
json subtitle_lines(std::vector<std::string> lines, const std::vector<std::string>& panels) {
  if (panels.size() > 1) lines.push_back("one panel per value of the other axes");
  return lines;
}

// Legend labels for a log colour scale over [lo, hi]: 1, 2, 5 × 10^k inside it, and its ends.
json log_legend_values(double lo, double hi) {
  json values = json::array({lo});
  for (double decade = std::pow(10.0, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (m * decade > lo * 1.15 && m * decade < hi / 1.15) values.push_back(m * decade);
  values.push_back(hi);
  return values;
}

}  // namespace

RunSettings run_settings(const Sweep& sweep) {
  RunSettings run;
  for (const SweepRow& row : sweep.rows) {
    const Config c = row_config(sweep.spec, row.point);
    const bool first = run.loss.empty();
    run.loss = first || run.loss == c.loss ? c.loss : "mixed";
    run.p = first || run.p == c.p ? c.p : 0;
    run.step_budget = std::max(run.step_budget, c.steps);
  }
  return run;
}

std::string loss_units(const RunSettings& run) {
  if (run.loss == "ce") return "cross-entropy, nats";
  if (run.loss == "mse") return "MSE on one-hot labels";
  if (run.loss == "stablemax") return "StableMax cross-entropy, nats";
  return "the loss differs by row (see the config)";
}

bool any_generalised(const SweepView& view) {
  return std::any_of(view.rows.begin(), view.rows.end(),
                     [](const RowView& r) { return r.phase && r.row.result.t_grok >= 0; });
}

std::optional<Chart> t_grok_diagram_chart(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes) {
  if (axes.y.empty() || !any_generalised(view)) return std::nullopt;
  double lo = INFINITY, hi = 0;
  for (const CellView& c : view.cells)
    if (std::isfinite(c.median_t_grok)) {
      lo = std::min(lo, std::max(c.median_t_grok, 1.0));
      hi = std::max(hi, c.median_t_grok);
    }
  const bool any_value = hi > 0;
  if (any_value && hi <= lo) lo /= 2, hi *= 2;  // one value: keep it mid-scale, not at an end
  const DiagramFrame f = diagram_frame(view, axes);
  const json xy = xy_encoding(sweep, view, axes, f.scatter);
  json layers = json::array();
  json enc = xy;
  enc["tooltip"] = tooltip(axes);
  json never_mark = cell_mark(f);
  if (f.scatter) never_mark["shape"] = "cross";  // a pale square would vanish among the grid lines
  enc["color"] = {{"value", f.scatter ? kNeverPoint : kNeverFill}};
  layers.push_back(layer(never_mark, enc, "datum.state == 'never'"));
  json empty_mark = cell_mark(f);
  empty_mark["stroke"] = "#999999";
  empty_mark["strokeDash"] = {3, 3};
  enc["color"] = {{"value", kNoDataFill}};
  layers.push_back(layer(empty_mark, enc, "datum.state == 'no data'"));
  if (any_value) {
    enc["color"] = {{"field", "median_t_grok"},
                    {"type", "quantitative"},
                    {"title", "median t_grok (steps, log)"},
                    {"scale", {{"type", "log"}, {"scheme", "viridis"}, {"reverse", true}, {"domain", {lo, hi}}}},
                    {"legend", {{"values", log_legend_values(lo, hi)}, {"format", ",.0f"}}}};
    layers.push_back(layer(cell_mark(f), enc, "datum.state == 'value'"));
  }
  const bool counts = several_seeds(view);
  add_labels(layers, f, xy, "label", counts ? "seeds" : "", "ink");
  const json subtitle = subtitle_lines(
      {"steps to 99% test accuracy, median over seeds", "(a seed that never got there counts as infinitely late)",
       counts ? "grey: the median is never; k/n gen.: seeds that generalised" : "grey: never"},
      f.panels);
  return Chart{"t-grok-diagram", panelled("Median t_grok over " + axes.x + " × " + axes.y, subtitle,
                                          diagram_rows(view, axes, lo, hi), layers, f.width, f.height, f.panels)};
}

std::optional<Chart> phase_diagram_chart(const Sweep& sweep, const SweepView& view, const DiagramAxes& axes) {
  if (axes.y.empty()) return std::nullopt;
  const DiagramFrame f = diagram_frame(view, axes);
  const json xy = xy_encoding(sweep, view, axes, f.scatter);
  json enc = xy;
  enc["tooltip"] = tooltip(axes);
  json domain = phase_domain(), range = phase_range();
  domain.push_back("no data");
  range.push_back(kNoDataFill);
  enc["color"] = {{"field", "phase"},
                  {"type", "nominal"},
                  {"title", "phase (Liu et al. 2022)"},
                  {"scale", {{"domain", domain}, {"range", range}}}};
  json mark = cell_mark(f);
  mark["stroke"] = "#999999";
  json layers = json::array({layer(mark, enc)});
  const bool counts = several_seeds(view);
  add_labels(layers, f, xy, f.words ? "phase" : "phase_short", counts ? "agree" : "", "phase_ink");
  const std::string gap = with_commas(view.rule.gap_steps);
  const json subtitle =
      subtitle_lines({fmt::format("first steps to {:g}% train and test accuracy:", 100 * view.rule.accuracy),
                      fmt::format("comprehension: both, gap < {} steps; grokking: both, gap ≥ {}", gap, gap),
                      "memorisation: train only; confusion: train never",
                      counts ? "a cell: the most common phase of its seeds (k/n seeds in it)" : "one seed per cell"},
                     f.panels);
  return Chart{"phase-diagram", panelled("Phases over " + axes.x + " × " + axes.y, subtitle,
                                         diagram_rows(view, axes, 1, 1), layers, f.width, f.height, f.panels)};
}

namespace {

// "3/3 never" at the step budget over each x value where seeds never generalised: stacked ▲ show as one.
void add_never_counts(json& rows, const SweepView& view, const std::string& axis, int64_t budget) {
  std::map<std::string, std::pair<int64_t, int64_t>> never_of;  // x (dumped) -> never, complete
  std::vector<json> xs;
  for (const CellView& c : view.cells) {
    const json x = datum(c.point.at(axis));
    auto [it, fresh] = never_of.try_emplace(x.dump());
    if (fresh) xs.push_back(x);
    it->second.first += c.n_complete - c.n_generalised;
    it->second.second += c.n_complete;
  }
  for (const json& x : xs) {
    const auto [never, complete] = never_of[x.dump()];
    if (never > 0)
      rows.push_back({{"x", x},
                      {"kind", "never-count"},
                      {"t_grok", budget},
                      {"label", fmt::format("{}/{} never", never, complete)}});
  }
}

}  // namespace

std::optional<Chart> seed_spread_chart(const Sweep& sweep, const SweepView& view, const std::string& axis,
                                       const RunSettings& run) {
  if (!any_generalised(view)) return std::nullopt;
  const bool random = view.random_search;
  const bool numeric = numeric_axis(view, axis) && (random || !crowded_list_axis(sweep, view, axis));
  const std::vector<std::string> groups = random ? std::vector<std::string>{""} : group_order(view, {axis});
  json rows = json::array();
  for (const CellView& c : view.cells) {
    if (c.n_complete == 0) continue;
    const std::string group = random ? "" : others(c, {axis});
    json cell = {{"x", datum(c.point.at(axis))}, {"group", group}, {"kind", "cell"}};
    if (std::isfinite(c.median_t_grok)) cell["median"] = c.median_t_grok;
    if (c.n_generalised > 0) {
      cell["lo"] = c.min_t_grok;
      cell["hi"] = c.max_t_grok;
    }
    rows.push_back(cell);
    for (size_t i : c.rows) {
      const RowView& r = view.rows[i];
      if (!r.phase) continue;
      const int64_t t = r.row.result.t_grok;
      rows.push_back({{"x", datum(c.point.at(axis))},
                      {"group", group},
                      {"kind", t >= 0 ? "seed" : "never"},
                      {"seed", r.row.point.value(kSeedAxis, json(nullptr))},
                      {"t_grok", std::max<double>(t >= 0 ? t : r.row.result.final_step, 1)}});
    }
  }
  add_never_counts(rows, view, axis, run.step_budget);
  json x = {{"field", "x"}, {"title", axis}};
  if (numeric) {
    x["type"] = "quantitative";
    x["scale"] = {{"type", log_axis(sweep, view, axis) ? "log" : "linear"},
                  {"zero", false},
                  {"nice", false},
                  {"padding", kEdgePadding}};
    value_ticks(x, view, axis);
  } else {
    x["type"] = "ordinal";
  }
  const json colour = group_colour(groups);
  // Up to the step budget, where the never-generalised seeds sit, with room above for their marks.
  double lowest = static_cast<double>(run.step_budget);
  for (const json& r : rows)
    if (r.contains("t_grok")) lowest = std::min(lowest, r["t_grok"].get<double>());
  const json log_y = {{"type", "log"},
                      {"domain", {std::max(lowest, 1.0), std::max<double>(run.step_budget, 1)}},
                      {"nice", false},
                      {"padding", kNeverRoom}};
  auto y = [&](const char* field, const char* title) {
    json e = {{"field", field}, {"type", "quantitative"}, {"scale", log_y}};
    if (title) e["title"] = title;
    return e;
  };
  json layers = json::array();
  layers.push_back(layer({{"type", "rule"}, {"strokeWidth", 2}, {"opacity", 0.6}},
                         {{"x", x}, {"y", y("lo", nullptr)}, {"y2", {{"field", "hi"}}}, {"color", colour}},
                         "datum.kind == 'cell' && isValid(datum.lo)"));
  if (!random)
    layers.push_back(layer({{"type", "line"}, {"point", true}},
                           {{"x", x},
                            {"y", y("median", "t_grok (steps to 99% test accuracy, log)")},
                            {"color", colour},
                            {"tooltip", json::array({{{"field", "x"}, {"title", axis}},
                                                     {{"field", "group"}},
                                                     {{"field", "median"}, {"title", "median t_grok"}}})}},
                           "datum.kind == 'cell' && isValid(datum.median)"));
  layers.push_back(layer(
      {{"type", "point"}, {"opacity", 0.55}, {"size", 28}},
      {{"x", x},
       {"y", y("t_grok", "t_grok (steps to 99% test accuracy, log)")},
       {"color", colour},
       {"tooltip",
        json::array(
            {{{"field", "x"}, {"title", axis}}, {{"field", "group"}}, {{"field", "seed"}}, {{"field", "t_grok"}}})}},
      "datum.kind == 'seed'"));
  layers.push_back(
      layer({{"type", "point"}, {"shape", "triangle-up"}, {"filled", true}, {"size", 80}},
            {{"x", x},
             {"y", y("t_grok", nullptr)},
             {"color", colour},
             {"tooltip", json::array({{{"field", "x"}, {"title", axis}},
                                      {{"field", "group"}},
                                      {{"field", "seed"}},
                                      {{"field", "t_grok"}, {"title", "never generalised; trained to"}}})}},
            "datum.kind == 'never'"));
  layers.push_back(layer({{"type", "text"}, {"dy", -13}, {"fontSize", 10}, {"color", kNeverInk}},
                         {{"x", x}, {"y", y("t_grok", nullptr)}, {"text", {{"field", "label"}}}},
                         "datum.kind == 'never-count'"));
  const json subtitle = {"● a seed's t_grok; ▲ a seed that never reached 99% test accuracy, at the steps it trained",
                         fmt::format("(k/n never: of the n seeds at that value; the y axis ends at the {}-step budget)",
                                     with_commas(run.step_budget)),
                         random ? "bar: min–max of the seeds that generalised"
                                : "line: median over seeds; bar: min–max of the seeds that generalised"};
  json spec = {{"$schema", vega::kSchema},
               {"title", {{"text", "t_grok against " + axis + ", every seed"}, {"subtitle", subtitle}}},
               {"width", vega::kWidth},
               {"height", vega::kHeight},
               {"data", {{"values", rows}}},
               {"layer", layers}};
  std::string id = "seeds-" + axis;
  std::replace(id.begin(), id.end(), '_', '-');
  return Chart{id, spec};
}

std::optional<std::string> model_size_axis(const SweepView& view) {
  for (const char* size : kModelSizeAxes)
    if (std::find(view.axes.begin(), view.axes.end(), size) != view.axes.end() && numeric_axis(view, size))
      return std::string(size);
  return std::nullopt;
}

namespace {

// One dash pattern per group (solid for one group): lines that coincide still show both.
json group_dash(const std::vector<std::string>& groups) {
  if (groups.size() <= 1) return {{"value", kDashes.front()}};
  json range = json::array();
  for (size_t i = 0; i < groups.size(); ++i) range.push_back(kDashes[i % kDashes.size()]);
  return {{"field", "group"},
          {"type", "nominal"},
          {"title", "other axes"},
          {"scale", {{"domain", groups}, {"range", range}}}};
}

// A dashed horizontal rule at `level` with `text` at its right end, over its own one-row data;
// `y` is the chart's y encoding (same title and scale, so the axis stays one).
json level_rule(double level, const std::string& text, json y) {
  const json data = {{"values", json::array({{{"level", level}, {"text", text}}})}};
  y["field"] = "level";
  return json::array(
      {{{"data", data},
        {"mark", {{"type", "rule"}, {"strokeDash", {4, 4}}, {"color", kNoDataInk}}},
        {"encoding", {{"y", y}}}},
       {{"data", data},
        {"mark",
         {{"type", "text"}, {"align", "right"}, {"dy", -7}, {"x", "width"}, {"color", kNoDataInk}, {"fontSize", 10}}},
        {"encoding", {{"y", y}, {"text", {{"field", "text"}}}}}}});
}

// Model-wise double descent of one final quantity: median line per group, seeds as points;
// `chance` > 0 adds a rule at that level.
Chart size_chart(const SweepView& view, const std::string& size, const std::string& id, const std::string& title,
                 const std::string& y_title, bool log_y, double (*of_acc_loss)(double acc, double loss),
                 double chance = 0) {
  const std::vector<std::string> groups = group_order(view, {size});
  json rows = json::array();
  for (const CellView& c : view.cells) {
    if (c.n_complete == 0) continue;
    const std::string group = others(c, {size});
    const double median = of_acc_loss(c.median_final_test_acc, c.median_final_test_loss);
    if (std::isfinite(median) && (!log_y || median > 0))
      rows.push_back({{"size", c.point.at(size)}, {"group", group}, {"kind", "median"}, {"value", median}});
    for (size_t i : c.rows) {
      const RowView& r = view.rows[i];
      const double v = of_acc_loss(r.row.result.final_test_acc, r.row.result.final_test_loss);
      if (r.phase && std::isfinite(v) && (!log_y || v > 0))
        rows.push_back({{"size", c.point.at(size)},
                        {"group", group},
                        {"kind", "seed"},
                        {"seed", r.row.point.value(kSeedAxis, json(nullptr))},
                        {"value", v}});
    }
  }
  const json colour = group_colour(groups);
  json x = {{"field", "size"},
            {"type", "quantitative"},
            {"title", size + " (log)"},
            {"scale", {{"type", "log"}, {"nice", false}, {"padding", kEdgePadding}}}};
  value_ticks(x, view, size);
  // Fitted to the data (a nice log domain would stretch 0.02–0.9 to 0.01–1 and flatten the curve).
  const json y = {
      {"field", "value"},
      {"type", "quantitative"},
      {"title", y_title},
      {"scale", {{"type", log_y ? "log" : "linear"}, {"zero", false}, {"nice", false}, {"padding", kEdgePadding}}}};
  const json tip = json::array({{{"field", "size"}}, {{"field", "group"}}, {{"field", "seed"}}, {{"field", "value"}}});
  json layers =
      json::array({layer({{"type", "line"}, {"point", true}},
                         {{"x", x}, {"y", y}, {"color", colour}, {"strokeDash", group_dash(groups)}, {"tooltip", tip}},
                         "datum.kind == 'median'"),
                   layer({{"type", "point"}, {"opacity", 0.5}, {"size", 24}},
                         {{"x", x}, {"y", y}, {"color", colour}, {"tooltip", tip}}, "datum.kind == 'seed'")});
  if (chance > 0)
    for (const json& l : level_rule(chance, fmt::format("chance, 1 − 1/p = {}", display_number(chance)), y))
      layers.push_back(l);
  json spec = {
      {"$schema", vega::kSchema},
      {"title", {{"text", title}, {"subtitle", "line: median over seeds at the final step; points: each seed"}}},
      {"width", vega::kWidth},
      {"height", vega::kHeight},
      {"data", {{"values", rows}}},
      {"layer", layers}};
  return {id, spec};
}

double final_loss(double, double loss) { return loss; }
double final_error(double acc, double) { return 1 - acc; }

// The median over `curves` at each step all of them have; about kCurvePoints log-spaced steps kept.
StepCurve median_curve(const std::vector<const StepCurve*>& curves) {
  std::map<int64_t, std::vector<double>> at;
  for (const StepCurve* c : curves)
    for (size_t i = 0; i < c->steps.size() && i < c->test_loss.size(); ++i) at[c->steps[i]].push_back(c->test_loss[i]);
  StepCurve out;
  if (at.empty()) return out;
  const double span = std::log1p(static_cast<double>(at.rbegin()->first));
  int64_t last_bucket = -1;
  for (const auto& [step, values] : at) {
    if (values.size() != curves.size()) continue;
    const auto bucket = static_cast<int64_t>(std::floor(kCurvePoints * std::log1p(static_cast<double>(step)) / span));
    if (bucket == last_bucket && step != at.rbegin()->first) continue;
    last_bucket = bucket;
    out.steps.push_back(step);
    out.test_loss.push_back(median_of(values));
  }
  return out;
}

}  // namespace

Chart size_test_loss_chart(const SweepView& view, const std::string& size_axis, const RunSettings& run) {
  return size_chart(view, size_axis, "size-test-loss", "Model-wise: final test loss against " + size_axis,
                    "final test loss (" + loss_units(run) + ", log)", true, final_loss);
}

Chart size_test_error_chart(const SweepView& view, const std::string& size_axis, const RunSettings& run) {
  const double chance = run.p > 1 ? 1 - 1.0 / static_cast<double>(run.p) : 0;  // guessing one of p classes
  return size_chart(view, size_axis, "size-test-error", "Model-wise: final test error against " + size_axis,
                    "final test error (1 − accuracy)", false, final_error, chance);
}

std::optional<Chart> epochwise_chart(const SweepView& view, const std::string& size_axis,
                                     const std::vector<StepCurve>& curves, const RunSettings& run) {
  const bool any_course =
      std::any_of(curves.begin(), curves.end(), [](const StepCurve& c) { return c.steps.size() >= kMinCurveSteps; });
  if (!any_course) return std::nullopt;
  const std::vector<std::string> panels = group_order(view, {size_axis});
  json rows = json::array();
  for (const CellView& c : view.cells) {
    std::vector<const StepCurve*> seeds;
    for (size_t i : c.rows)
      if (view.rows[i].phase && i < curves.size() && !curves[i].steps.empty()) seeds.push_back(&curves[i]);
    if (seeds.empty()) continue;
    const StepCurve m = median_curve(seeds);
    for (size_t k = 0; k < m.steps.size(); ++k)
      if (std::isfinite(m.test_loss[k]) && m.test_loss[k] > 0)
        rows.push_back({{"step", std::max<int64_t>(m.steps[k], 1)},
                        {"test_loss", m.test_loss[k]},
                        {"size", c.point.at(size_axis)},
                        {"panel", others(c, {size_axis})}});
  }
  const json enc = {{"x",
                     {{"field", "step"},
                      {"type", "quantitative"},
                      {"title", "step (optimizer updates, log)"},
                      {"scale", {{"type", "log"}}}}},
                    {"y",
                     {{"field", "test_loss"},
                      {"type", "quantitative"},
                      {"title", "test loss (" + loss_units(run) + ", log)"},
                      {"scale", {{"type", "log"}}}}},
                    {"color",
                     {{"field", "size"},
                      {"type", "ordinal"},
                      {"title", size_axis},
                      {"scale", {{"scheme", {{"name", "viridis"}, {"extent", {0.0, 0.85}}}}}},
                      {"legend", {{"labelExpr", value_labels(numeric_values(view, size_axis))}}}}},
                    {"tooltip", json::array({{{"field", "size"}}, {{"field", "step"}}, {{"field", "test_loss"}}})}};
  const json layers = json::array({layer({{"type", "line"}, {"strokeWidth", 1.5}}, enc)});
  const int width = panels.size() > 1 ? vega::kWidth / 2 : vega::kWidth;
  return Chart{"epochwise", panelled("Epoch-wise: test loss over training for each " + size_axis,
                                     subtitle_lines({"median over seeds at each evaluated step"}, panels), rows, layers,
                                     width, vega::kHeight, panels)};
}

}  // namespace grok
