// test_sweep_view.cpp — Liu et al.'s phase rule, the cells' phases and medians over seeds, and
// which sweep charts apply and what they draw, on sweeps planted in memory with chosen steps and
// written-out expected answers.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "grok/core/error.h"
#include "grok/report/sweep_charts.h"
#include "grok/sweep/sweep_view.h"

namespace {

using grok::kNever;
using grok::LiuPhase;

// What a planted seed did: steps to 90% train / test accuracy and to 99% test accuracy (-1 never).
struct Planted {
  int64_t t_train90, t_test90, t_grok;
  std::string status = "complete";
};

grok::SweepAxis axis(const std::string& name, std::vector<nlohmann::json> values) {
  grok::SweepAxis a;
  a.name = name;
  a.values = std::move(values);
  return a;
}

// A grid sweep over weight_decay and `second` (default frac_train); `seeds[cell]` are the seeds
// of each cell, cells in grid order (weight_decay slowest): (0, a), (0, b), (1, a), (1, b) for
// `second`'s values {a, b}. With an empty `second`, weight_decay alone: cells (0), (1).
grok::Sweep planted_sweep(const std::vector<std::vector<Planted>>& seeds, const std::string& second = "frac_train",
                          const std::vector<nlohmann::json>& values = {0.3, 0.5}) {
  grok::Sweep sweep;
  sweep.spec.preset = "demo";
  const size_t n_seeds = seeds.front().size();
  std::vector<nlohmann::json> seed_values;
  for (size_t s = 0; s < n_seeds; ++s) seed_values.push_back(static_cast<int64_t>(s));
  sweep.spec.axes = {axis("weight_decay", {0.0, 1.0})};
  if (!second.empty()) sweep.spec.axes.push_back(axis(second, values));
  sweep.spec.axes.push_back(axis("seed", seed_values));
  const size_t per_wd = second.empty() ? 1 : values.size();
  for (size_t cell = 0; cell < seeds.size(); ++cell)
    for (size_t s = 0; s < seeds[cell].size(); ++s) {
      const Planted& p = seeds[cell][s];
      grok::SweepRow row;
      row.id = static_cast<int64_t>(sweep.rows.size());
      row.point = grok::SweepPoint::object();
      row.point["weight_decay"] = cell / per_wd == 0 ? 0.0 : 1.0;
      if (!second.empty()) row.point[second] = values[cell % per_wd];
      row.point["seed"] = static_cast<int64_t>(s);
      row.run_file = grok::run_file_name(row.id);
      row.status = p.status;
      row.result.final_step = 10000;
      row.result.t_train90 = p.t_train90;
      row.result.t_test90 = p.t_test90;
      row.result.t_grok = p.t_grok;
      row.result.final_test_acc = p.t_grok >= 0 ? 1.0 : 0.1;
      row.result.final_test_loss = p.t_grok >= 0 ? 0.01 : 3.0;
      sweep.rows.push_back(std::move(row));
    }
  return sweep;
}

grok::SweepView view_of(const grok::Sweep& sweep, grok::PhaseRule rule = {}) {
  return grok::view_sweep(sweep, grok::recorded_phase_steps(sweep), rule);
}

}  // namespace

TEST_CASE("Liu et al.'s phase of one run from its steps to 90% train and test accuracy", "[sweep]") {
  const int64_t gap = grok::kComprehensionGapSteps;                     // 1000
  CHECK(grok::liu_phase({100, 900}, gap) == LiuPhase::Comprehension);   // gap 800
  CHECK(grok::liu_phase({200, 1199}, gap) == LiuPhase::Comprehension);  // gap 999
  CHECK(grok::liu_phase({100, 1100}, gap) == LiuPhase::Grokking);       // gap exactly 1000
  CHECK(grok::liu_phase({100, 9000}, gap) == LiuPhase::Grokking);
  CHECK(grok::liu_phase({100, -1}, gap) == LiuPhase::Memorisation);
  CHECK(grok::liu_phase({-1, -1}, gap) == LiuPhase::Confusion);
  CHECK(grok::liu_phase({-1, 500}, gap) == LiuPhase::Confusion);  // test without train: train never got there
  CHECK(grok::liu_phase({100, 900}, 500) == LiuPhase::Grokking);  // --gap 500
  CHECK(std::string(grok::phase_name(LiuPhase::Memorisation)) == "memorisation");
}

TEST_CASE("median over seeds: never counts as +infinity, an even count takes the mean of the middle two", "[sweep]") {
  CHECK(std::isnan(grok::median_of({})));
  CHECK(grok::median_of({5, 1, 3}) == 3);
  CHECK(grok::median_of({300, 100}) == 200);
  CHECK(grok::median_of({400, 100, 200, kNever}) == 300);  // 100 200 | 400 inf -> (200 + 400) / 2
  CHECK(grok::median_of({100, 200, 300, 400, kNever}) == 300);
  CHECK(grok::median_of({100, kNever}) == kNever);               // half never: never
  CHECK(grok::median_of({100, 200, kNever, kNever}) == kNever);  // upper middle never
  CHECK(grok::median_of({100, kNever, kNever}) == kNever);       // most never
  CHECK(grok::median_of({kNever}) == kNever);
}

TEST_CASE("each cell's phase is the majority of its seeds, and its median t_grok is over seeds", "[sweep]") {
  const grok::Sweep sweep = planted_sweep({
      // (0, 0.3): memorisation, memorisation, grokking
      {{100, -1, -1}, {100, -1, -1}, {100, 5000, 5200}},
      // (0, 0.5): comprehension (gap 800), grokking (gap 1000), comprehension (gap 999)
      {{100, 900, 950}, {100, 1100, 1300}, {200, 1199, 1250}},
      // (1, 0.3): confusion, confusion (test reached, train not), memorisation
      {{-1, -1, -1}, {-1, 500, 600}, {300, -1, -1}},
      // (1, 0.5): grokking, grokking, comprehension
      {{100, 2000, 2100}, {100, 3000, 3100}, {100, 500, 550}},
  });
  const grok::SweepView v = view_of(sweep);
  REQUIRE(v.cells.size() == 4);
  CHECK(v.axes == std::vector<std::string>{"weight_decay", "frac_train"});
  CHECK(v.has_seeds);

  const grok::CellView& a = v.cells[0];
  CHECK(a.point.dump() == R"({"weight_decay":0.0,"frac_train":0.3})");
  CHECK(a.phase == LiuPhase::Memorisation);
  CHECK(a.phase_counts == std::array<int64_t, 4>{0, 2, 1, 0});  // confusion, memorisation, grokking, comprehension
  CHECK(a.median_t_grok == kNever);                             // 5200, inf, inf
  CHECK(a.n_generalised == 1);
  CHECK(a.min_t_grok == 5200);
  CHECK(a.max_t_grok == 5200);
  CHECK(grok::median_text(a) == "never");

  const grok::CellView& b = v.cells[1];
  CHECK(b.phase == LiuPhase::Comprehension);
  CHECK(b.phase_counts == std::array<int64_t, 4>{0, 0, 1, 2});
  CHECK(b.median_t_grok == 1250);  // 950, 1250, 1300
  CHECK(b.n_generalised == 3);
  CHECK(b.min_t_grok == 950);
  CHECK(b.max_t_grok == 1300);
  CHECK(grok::median_text(b) == "1,250");
  CHECK(grok::phase_counts_text(b) == "2 comprehension, 1 grokking");

  const grok::CellView& c = v.cells[2];
  CHECK(c.phase == LiuPhase::Confusion);
  CHECK(c.phase_counts == std::array<int64_t, 4>{2, 1, 0, 0});
  CHECK(c.median_t_grok == kNever);  // 600, inf, inf

  const grok::CellView& d = v.cells[3];
  CHECK(d.phase == LiuPhase::Grokking);
  CHECK(d.median_t_grok == 2100);  // 550, 2100, 3100
  CHECK(d.median_final_test_acc == 1.0);

  // Row phases, in sweep order.
  CHECK(v.rows[3].phase == LiuPhase::Comprehension);
  CHECK(v.rows[4].phase == LiuPhase::Grokking);
  CHECK(v.rows[7].phase == LiuPhase::Confusion);
}

TEST_CASE("a tie between phases goes to the phase that learned less", "[sweep]") {
  const grok::Sweep sweep = planted_sweep({
      {{100, 500, 600}, {100, 5000, 5100}},  // comprehension vs grokking -> grokking
      {{100, 500, 600}, {100, -1, -1}},      // comprehension vs memorisation -> memorisation
      {{100, -1, -1}, {-1, -1, -1}},         // memorisation vs confusion -> confusion
      {{100, 5000, 5100}, {100, 500, 600}},  // order of the seeds does not matter -> grokking
  });
  const grok::SweepView v = view_of(sweep);
  CHECK(v.cells[0].phase == LiuPhase::Grokking);
  CHECK(v.cells[1].phase == LiuPhase::Memorisation);
  CHECK(v.cells[2].phase == LiuPhase::Confusion);
  CHECK(v.cells[3].phase == LiuPhase::Grokking);
  // Even counts: the mean of the middle two, never as soon as one of two never generalised.
  CHECK(v.cells[0].median_t_grok == 2850);  // (600 + 5100) / 2
  CHECK(v.cells[1].median_t_grok == kNever);
  CHECK(grok::median_text(v.cells[0]) == "2,850");
}

TEST_CASE("an even number of seeds with non-generalising ones", "[sweep]") {
  const grok::Sweep sweep = planted_sweep({
      {{100, 300, 400}, {100, 100, 100}, {100, -1, -1}, {100, 190, 200}},    // 100 200 | 400 inf -> 300
      {{100, 300, 400}, {100, -1, -1}, {100, -1, -1}, {100, 190, 201}},      // 201 400 | inf inf -> never
      {{100, 300, 400}, {100, 101, 101}, {100, 190, 200}, {100, 250, 250}},  // 101 200 | 250 400 -> 225
      {{-1, -1, -1}, {-1, -1, -1}, {-1, -1, -1}, {-1, -1, -1}},              // all never
  });
  const grok::SweepView v = view_of(sweep);
  CHECK(v.cells[0].median_t_grok == 300);
  CHECK(v.cells[0].n_generalised == 3);
  CHECK(v.cells[1].median_t_grok == kNever);
  CHECK(v.cells[1].n_generalised == 2);
  CHECK(v.cells[2].median_t_grok == 225);
  CHECK(v.cells[3].median_t_grok == kNever);
  CHECK(v.cells[3].n_generalised == 0);
  CHECK(v.cells[3].min_t_grok == -1);
  // 2 memorisation vs 2 comprehension: memorisation.
  CHECK(v.cells[1].phase == LiuPhase::Memorisation);
}

TEST_CASE("rows that did not complete are left out of their cell", "[sweep]") {
  grok::Sweep sweep = planted_sweep({
      {{100, 500, 600}, {100, 500, 700, "failed"}, {100, 600, 800}},
      {{100, -1, -1, "running"}, {100, -1, -1, "interrupted"}, {100, 5000, 5100}},
      {{-1, -1, -1, "pending"}, {-1, -1, -1, "failed"}, {-1, -1, -1, "pending"}},
      {{100, 500, 600}, {100, 500, 600}, {100, 500, 600}},
  });
  const grok::SweepView v = view_of(sweep);
  CHECK(v.cells[0].n_complete == 2);
  CHECK(v.cells[0].rows.size() == 3);
  CHECK(v.cells[0].median_t_grok == 700);  // (600 + 800) / 2: the failed row's 700 is not a seed here
  CHECK_FALSE(v.rows[1].phase.has_value());
  CHECK(v.cells[1].phase == LiuPhase::Grokking);  // the one complete seed
  CHECK(v.cells[1].median_t_grok == 5100);
  CHECK(v.cells[2].n_complete == 0);
  CHECK_FALSE(v.cells[2].phase.has_value());
  CHECK(std::isnan(v.cells[2].median_t_grok));
  CHECK(grok::median_text(v.cells[2]) == "—");
  CHECK(grok::incomplete_table(v).rows.size() == 6);

  const nlohmann::ordered_json j = grok::sweep_view_json(sweep, v, grok::diagram_axes(v, "", ""));
  CHECK(j["cells"][2]["phase"].is_null());
  CHECK(j["cells"][2]["median_t_grok"].is_null());
  CHECK(j["cells"][2]["n_complete"] == 0);
  CHECK(j["cells"][1]["median_t_grok"] == 5100.0);
  CHECK(j["rows"][1]["phase"].is_null());
  CHECK(j["rows"][3]["t_test90"].is_null());  // -1 in sweep.h5: never
  CHECK(j["rows"][5]["phase"] == "grokking");
}

TEST_CASE("a wider or narrower gap (grok-probe sweep --gap) moves the line between comprehension and grokking",
          "[sweep]") {
  const grok::Sweep sweep = planted_sweep({{{100, 900, 950}}, {{100, 400, 450}}, {{100, -1, -1}}, {{-1, -1, -1}}});
  grok::PhaseRule rule;
  rule.gap_steps = 500;
  const grok::SweepView v = view_of(sweep, rule);
  CHECK(v.cells[0].phase == LiuPhase::Grokking);                    // gap 800 >= 500
  CHECK(v.cells[1].phase == LiuPhase::Comprehension);               // gap 300
  CHECK(view_of(sweep).cells[0].phase == LiuPhase::Comprehension);  // default gap 1000
}

TEST_CASE("the phase diagram's axes and its grid in words", "[sweep]") {
  const grok::Sweep sweep = planted_sweep({{{100, 900, 950}}, {{100, 4000, 4100}}, {{100, -1, -1}}, {{-1, -1, -1}}});
  const grok::SweepView v = view_of(sweep);
  const grok::DiagramAxes d = grok::diagram_axes(v, "", "");
  CHECK(d.x == "weight_decay");
  CHECK(d.y == "frac_train");
  const grok::DiagramAxes swapped = grok::diagram_axes(v, "frac_train", "");
  CHECK(swapped.x == "frac_train");
  CHECK(swapped.y == "weight_decay");
  CHECK(grok::diagram_axes(v, "", "weight_decay").x == "frac_train");
  CHECK_THROWS_AS(grok::diagram_axes(v, "seed", ""), grok::InputError);
  CHECK_THROWS_AS(grok::diagram_axes(v, "lr", ""), grok::InputError);
  CHECK_THROWS_AS(grok::diagram_axes(v, "frac_train", "frac_train"), grok::InputError);

  const auto grids = grok::phase_grids(v, d);
  REQUIRE(grids.size() == 1);
  CHECK(grids[0].first.empty());
  const grok::TextTable& t = grids[0].second;
  CHECK(t.header == std::vector<std::string>{"frac_train \\ weight_decay", "0", "1"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0] == std::vector<std::string>{"0.5", "grokking 4,100", "confusion never"});  // largest y first
  CHECK(t.rows[1] == std::vector<std::string>{"0.3", "comprehension 950", "memorisation never"});

  // A random search's points share no grid: no text grid (the cells table lists them).
  grok::Sweep drawn = sweep;
  drawn.spec.random = 4;
  const grok::SweepView r = view_of(drawn);
  CHECK(r.random_search);
  CHECK(grok::phase_grids(r, d).empty());
}

TEST_CASE("charts that do not apply are left out", "[sweep]") {
  // One axis: no phase diagram, but the t_grok curve over it.
  const grok::Sweep one = planted_sweep({{{100, 900, 950}}, {{100, -1, -1}}}, "");
  const grok::SweepView v1 = view_of(one);
  const grok::DiagramAxes d1 = grok::diagram_axes(v1, "", "");
  CHECK(d1.x == "weight_decay");
  CHECK(d1.y.empty());
  CHECK_FALSE(grok::t_grok_diagram_chart(one, v1, d1).has_value());
  CHECK_FALSE(grok::phase_diagram_chart(one, v1, d1).has_value());
  CHECK(grok::phase_grids(v1, d1).empty());
  const grok::RunSettings run = grok::run_settings(one);
  CHECK(run.loss == "ce");
  CHECK(grok::loss_units(run) == "cross-entropy, nats");
  CHECK(grok::loss_units({"mse", 1, 113}) == "MSE on one-hot labels");
  const std::optional<grok::Chart> spread = grok::seed_spread_chart(one, v1, "weight_decay", run);
  REQUIRE(spread.has_value());
  CHECK(spread->id == "seeds-weight-decay");
  // The seed that never generalised is counted over its value, at the step budget the axis ends at.
  const auto& spread_rows = spread->spec["data"]["values"];
  const auto count =
      std::find_if(spread_rows.begin(), spread_rows.end(), [](const auto& r) { return r["kind"] == "never-count"; });
  REQUIRE(count != spread_rows.end());
  CHECK((*count)["label"] == "1/1 never");
  CHECK((*count)["t_grok"] == run.step_budget);
  CHECK(spread->spec["layer"][0]["encoding"]["y"]["scale"]["domain"][1] == static_cast<double>(run.step_budget));
  // No model-size axis: no double descent.
  CHECK_FALSE(grok::model_size_axis(v1).has_value());
  const grok::Sweep two = planted_sweep({{{100, 900, 950}}, {{100, -1, -1}}, {{-1, -1, -1}}, {{100, 900, 950}}});
  CHECK_FALSE(grok::model_size_axis(view_of(two)).has_value());
  // A d_mlp axis: double descent over it.
  const grok::Sweep sized = planted_sweep({{{100, 900, 950}}, {{100, -1, -1}}, {{-1, -1, -1}}, {{100, 900, 950}}},
                                          "d_mlp", {int64_t{32}, int64_t{128}});
  CHECK(grok::model_size_axis(view_of(sized)) == std::string("d_mlp"));
}

TEST_CASE("without a seed that generalised there are no t_grok charts", "[sweep]") {
  const grok::Sweep none = planted_sweep({{{100, -1, -1}}, {{100, -1, -1}}, {{-1, -1, -1}}, {{100, 900, -1}}});
  const grok::SweepView v = view_of(none);
  const grok::DiagramAxes d = grok::diagram_axes(v, "", "");
  CHECK_FALSE(grok::any_generalised(v));
  CHECK_FALSE(grok::t_grok_diagram_chart(none, v, d).has_value());
  CHECK_FALSE(grok::seed_spread_chart(none, v, "weight_decay", grok::run_settings(none)).has_value());
  CHECK(grok::phase_diagram_chart(none, v, d).has_value());  // the phases still differ
}

TEST_CASE("with one seed per cell the diagrams give no k/n counts", "[sweep]") {
  const grok::Sweep one_seed = planted_sweep({{{100, 900, 950}}, {{100, -1, -1}}, {{-1, -1, -1}}, {{100, 900, 950}}});
  const grok::SweepView v = view_of(one_seed);
  const grok::DiagramAxes d = grok::diagram_axes(v, "", "");
  // The charts by name first: a range-for over a member of a temporary reads freed memory.
  const std::optional<grok::Chart> t_grok = grok::t_grok_diagram_chart(one_seed, v, d),
                                   phases = grok::phase_diagram_chart(one_seed, v, d);
  for (const auto& r : t_grok->spec["data"]["values"]) CHECK(r["seeds"] == "");
  for (const auto& r : phases->spec["data"]["values"]) CHECK(r["agree"] == "");
}

TEST_CASE("the t_grok diagram marks cells that never generalised and the phase diagram names each cell's phase",
          "[sweep]") {
  const grok::Sweep sweep = planted_sweep({
      {{100, 500, 600}, {100, 700, 800}},                    // median 700
      {{100, -1, -1}, {100, -1, -1}},                        // never
      {{100, 500, 600, "failed"}, {-1, -1, -1, "pending"}},  // no data
      {{100, 3000, 3100}, {100, 200, 300}},                  // median 1700, a tie: grokking
  });
  const grok::SweepView v = view_of(sweep);
  const grok::DiagramAxes d = grok::diagram_axes(v, "", "");
  const std::optional<grok::Chart> t = grok::t_grok_diagram_chart(sweep, v, d);
  REQUIRE(t.has_value());
  const nlohmann::ordered_json& rows = t->spec["data"]["values"];
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["state"] == "value");
  CHECK(rows[0]["median_t_grok"] == 700.0);
  CHECK(rows[0]["label"] == "700");
  CHECK(rows[1]["state"] == "never");
  CHECK(rows[1]["label"] == "never");
  CHECK_FALSE(rows[1].contains("median_t_grok"));  // never coloured on the t_grok scale
  CHECK(rows[2]["state"] == "no data");
  CHECK(rows[3]["label"] == "1,700");
  CHECK(rows[3]["seeds"] == "2/2 gen.");
  const std::optional<grok::Chart> p = grok::phase_diagram_chart(sweep, v, d);
  REQUIRE(p.has_value());
  const nlohmann::ordered_json& phases = p->spec["data"]["values"];
  CHECK(phases[0]["phase"] == "comprehension");
  CHECK(phases[1]["phase"] == "memorisation");
  CHECK(phases[2]["phase"] == "no data");
  CHECK(phases[3]["phase"] == "grokking");
  CHECK(phases[3]["agree"] == "1/2");
}

TEST_CASE("the epoch-wise curve is the median over seeds at the steps they share", "[sweep]") {
  const grok::Sweep sweep = planted_sweep({{{100, 900, 950}, {100, 900, 950}},
                                           {{100, 900, 950}, {100, 900, 950}},
                                           {{100, 900, 950}, {100, 900, 950, "failed"}},
                                           {{100, 900, 950}, {100, 900, 950}}},
                                          "d_mlp", {int64_t{32}, int64_t{128}});
  const grok::SweepView v = view_of(sweep);
  std::vector<grok::StepCurve> curves(v.rows.size());
  curves[0] = {{0, 10, 20}, {4.0, 1.0, 0.5}};
  curves[1] = {{0, 10, 20, 30}, {4.0, 3.0, 0.25, 0.1}};  // step 30: only this seed has it
  curves[4] = {{0, 10}, {4.0, 2.0}};
  curves[5] = {{0, 10}, {9.0, 9.0}};  // a failed row: not a seed of its cell
  const grok::RunSettings run = grok::run_settings(sweep);
  const grok::Chart c = grok::epochwise_chart(v, "d_mlp", curves, run).value();
  CHECK(c.id == "epochwise");
  std::vector<std::string> got;
  for (const auto& r : c.spec["data"]["values"])
    got.push_back(fmt::format("{} {} {:g} {:g}", r["panel"].get<std::string>(), r["size"].get<int64_t>(),
                              r["step"].get<double>(), r["test_loss"].get<double>()));
  // Cell (weight_decay 0, d_mlp 32): medians of seeds 0 and 1 at steps 0, 10, 20 (step 0 drawn at 1);
  // cell (1, 32): its one complete seed; cells without curves draw nothing.
  CHECK(got == std::vector<std::string>{"weight_decay=0 32 1 4", "weight_decay=0 32 10 2", "weight_decay=0 32 20 0.375",
                                        "weight_decay=1 32 1 4", "weight_decay=1 32 10 2"});
  // Curves of at most two evaluated steps (a min_norm solve) show no course of training: no chart.
  for (grok::StepCurve& curve : curves) curve.steps.resize(std::min<size_t>(curve.steps.size(), 2));
  CHECK_FALSE(grok::epochwise_chart(v, "d_mlp", curves, run).has_value());
}
