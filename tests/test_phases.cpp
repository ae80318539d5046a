// test_phases.cpp — accuracy milestones, and the three phases of grokking detected from
// planted progress-measure curves with hand-worked boundaries.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "grok/story/circuit_kind.h"
#include "grok/story/milestones.h"
#include "grok/story/story.h"

TEST_CASE("milestones are the first steps crossing each threshold", "[phases]") {
  std::vector<int64_t> steps{0, 10, 20, 30, 40, 50};
  std::vector<double> train{0.1, 0.995, 1.0, 1.0, 1.0, 1.0};
  std::vector<double> test{0.0, 0.05, 0.4, 0.6, 0.96, 0.991};
  grok::AccuracyMilestones m = grok::accuracy_milestones(steps, train, test);
  CHECK(m.t_mem == 10);
  CHECK(m.test_acc_at_mem == Approx(0.05));
  CHECK(m.t_50 == 30);
  CHECK(m.t_95 == 40);
  CHECK(m.t_grok == 50);
  CHECK_THAT(grok::describe_milestones(m), Catch::Contains("grokked 40 steps after memorising"));
}

TEST_CASE("milestones that never happen are empty", "[phases]") {
  grok::AccuracyMilestones m = grok::accuracy_milestones({0, 1}, {0.5, 1.0}, {0.0, 0.01});
  CHECK(m.t_mem == 1);
  CHECK_FALSE(m.t_grok.has_value());
  CHECK_THAT(grok::describe_milestones(m), Catch::Contains("did not generalise"));
}

TEST_CASE("thousands separators", "[phases]") {
  CHECK(grok::with_commas(0) == "0");
  CHECK(grok::with_commas(999) == "999");
  CHECK(grok::with_commas(1000) == "1,000");
  CHECK(grok::with_commas(1234567) == "1,234,567");
}

namespace {

const double kChance = std::log(113.0);  // p = 113: chance 4.7274

// Log-linear from a at step t0 to b at step t1 (straight on a log-loss plot).
double loglin(double t, double t0, double a, double t1, double b) { return a * std::pow(b / a, (t - t0) / (t1 - t0)); }
double lin(double t, double t0, double a, double t1, double b) { return a + (b - a) * (t - t0) / (t1 - t0); }

// A nanda2023-like run, p = 113, with the paper's boundaries planted: memorisation to 1,400,
// circuit formation to 9,400, cleanup to 13,000 (Nanda et al. 2023 §5). Metrics every 100
// steps, Fourier checkpoints every 200.
struct Planted {
  int64_t last = 20000;
  bool drifting_norm = false;  // norm drifts down 0.1% per 1k steps from step 0 instead of a circuit-formation decline
  bool plateau = false;        // test loss drops sharply 26 -> 12 at 3,000-3,300, then sits at 12 until 9,400

  // Train loss: chance -> 0.04 at 1,400 -> 0.01 at 2,000 (log-linear), then flat.
  double train_loss(double t) const {
    if (t <= 1400) return loglin(t, 0, kChance, 1400, 0.04);
    return t <= 2000 ? loglin(t, 1400, 0.04, 2000, 0.01) : 0.01;
  }
  double train_acc(double t) const { return std::min(1.0, t / 1000); }
  // Test accuracy flat at 1% until cleanup, then linear to 100% at 11,400.
  double test_acc(double t) const { return t <= 9400 ? 0.01 : std::min(1.0, lin(t, 9400, 0.01, 11400, 1.0)); }
  double test_loss(double t) const {
    if (t <= 1400) return loglin(t, 0, kChance, 1400, 27);
    if (plateau) {
      if (t <= 3000) return loglin(t, 1400, 27, 3000, 26);
      if (t <= 3300) return loglin(t, 3000, 26, 3300, 12);
      return t <= 9400 ? 12 : t <= 13000 ? loglin(t, 9400, 12, 13000, 0.01) : 0.01;
    }
    if (t <= 9400) return loglin(t, 1400, 27, 9400, 20);
    return t <= 13000 ? loglin(t, 9400, 20, 13000, 0.01) : 0.01;
  }
  // ||theta||: 40, down to 36 during circuit formation, 36 -> 23 in cleanup, then drifting
  // down 0.1% per 1k steps as weight decay goes on.
  double norm(double t) const {
    const double at9400 = drifting_norm ? 40 * (1 - 0.001 * 9.4) : 36;
    if (t <= 9400) return drifting_norm ? 40 * (1 - 0.001 * t / 1000) : t <= 1400 ? 40 : lin(t, 1400, 40, 9400, 36);
    if (t <= 13000) return lin(t, 9400, at9400, 13000, 23);
    return 23 * (1 - 0.001 * (t - 13000) / 1000);
  }
  // Null band: random frequency sets fall with memorisation (the diagonal term), 4.2 +- 0.1.
  double null_mean(double t) const { return t <= 1400 ? lin(t, 0, kChance, 1400, 4.2) : 4.2; }
  // Restricted: on the null mean until 2,000, then 4.2 -> 1.0 at 9,400, -> 0.02 at 13,000.
  double restricted(double t) const {
    if (t <= 2000) return null_mean(t);
    if (t <= 9400) return lin(t, 2000, 4.2, 9400, 1.0);
    return t <= 13000 ? loglin(t, 9400, 1.0, 13000, 0.02) : 0.02;
  }
  // Excluded: tracks train loss until 3,000, then rises 12 nats above it by 9,400.
  double excluded(double t) const {
    return train_loss(t) + (t <= 3000 ? 0 : t <= 9400 ? lin(t, 3000, 0, 9400, 12) : 12);
  }

  grok::PhaseInputs inputs() const {
    grok::PhaseInputs in;
    in.p = 113;
    in.key_frequencies = {14, 35, 41};
    for (int64_t s = 0; s <= last; s += 100) {
      const double t = static_cast<double>(s);
      in.steps.push_back(s);
      in.train_acc.push_back(train_acc(t));
      in.test_acc.push_back(test_acc(t));
      in.train_loss.push_back(train_loss(t));
      in.test_loss.push_back(test_loss(t));
      in.total_norm.push_back(norm(t));
    }
    for (int64_t s = 0; s <= last; s += 200) {
      const double t = static_cast<double>(s);
      in.checkpoint_steps.push_back(s);
      in.checkpoint_train_loss.push_back(train_loss(t));
      in.restricted_test.push_back(restricted(t));
      in.excluded_train.push_back(excluded(t));
      in.restricted_null_mean.push_back(null_mean(t));
      in.restricted_null_sd.push_back(0.1);
    }
    return in;
  }
};

void set_metric(grok::PhaseInputs& in, std::vector<double>& v, int64_t step, double value) {
  v[static_cast<size_t>(step / (in.steps[1] - in.steps[0]))] = value;
}

// The boundaries hand-worked for the planted run (see the comments in the first test).
void check_nanda_boundaries(const grok::Phases& ph) {
  CHECK(ph.acc.t_mem == 1000);
  CHECK(ph.acc.t_50 == 10400);
  CHECK(ph.acc.t_95 == 11300);
  CHECK(ph.acc.t_grok == 11400);
  CHECK(ph.memorisation.start == 0);
  CHECK(ph.memorisation.end == 1400);
  CHECK(ph.circuit_formation.start == 1400);
  CHECK(ph.circuit_formation.end == 9400);
  CHECK(ph.cleanup.start == 9400);
  CHECK(ph.cleanup.end == 12900);
  CHECK(ph.t_restricted_separates == 2800);
  CHECK(ph.t_excluded_rise == 3800);
  CHECK(ph.t_test_below_chance == 10100);
  CHECK(ph.t_test_peak == 1400);
}

}  // namespace

TEST_CASE("planted nanda-like run: the paper's three phases", "[phases]") {
  grok::PhaseInputs in = Planted{}.inputs();
  grok::Phases ph = grok::find_phases(in);
  // Hand-worked (chance ln 113 = 4.7274; tolerance: exact rows, and within 100 steps of the
  // paper's 1.4k / 9.4k / 13k, since a boundary is the first evaluated step satisfying it):
  // - memorisation_end: train loss < 1% of chance = 0.0473 first at t = 1400 ln(100)/ln(4.7274/0.04)
  //   = 1351, so row 1,400 (at 1,300 it is 0.0562).
  // - t_restricted_separates: 4.2 - 3.2 (t - 2000)/7400 < 4.2 - 3 x 0.1 needs t > 2694: checkpoint
  //   2,800 (3.854; 2,600 gives 3.941).
  // - t_excluded_rise: 12 (t - 3000)/6400 > 0.25 ln 113 = 1.182 needs t > 3630: checkpoint 3,800.
  // - t_test_below_chance: 20 exp(-(t - 9400) ln(2000)/3600) < 4.7274 needs t > 10083: row 10,100.
  //   Walking back, each row of the fall has d ln L / d ln t = -0.211/0.0106 = -20 <= -2; the
  //   plateau row 9,300 -> 9,400 has ln(20/27)/80 / ln(94/93) = -0.35: cleanup_start 9,400.
  // - cleanup_end: the norm is last to level off. At 12,900 (norm 36 - 13 x 35/36 = 23.361) the
  //   window to 14,190 moves it to 23 x (1 - 0.0011) = 22.975: 0.386 <= 5% x 12.639 = 0.632; at
  //   12,800 it moves 23.722 - 22.977 = 0.745 > 5% x 12.278 = 0.614. So 12,900.
  check_nanda_boundaries(ph);
  CHECK(std::abs(*ph.memorisation.end - 1400) <= 100);
  CHECK(std::abs(*ph.cleanup.start - 9400) <= 100);
  CHECK(std::abs(*ph.cleanup.end - 13000) <= 100);
  // (36 - 23.361) / 36 = 0.3511
  REQUIRE(ph.norm_drop_during_cleanup);
  CHECK(*ph.norm_drop_during_cleanup == Approx(0.3511).margin(0.0005));
  CHECK(ph.test_loss_peak == Approx(26.80).margin(0.01));  // 5-row median at the peak: the 1,600 value
  CHECK(ph.null_band_available);

  const std::string story = grok::tell_story(in, ph);
  CHECK_THAT(story, Catch::Contains("Memorised the training set by step 1,400"));
  CHECK_THAT(story, Catch::Contains("test loss peaked at 26.8 at step 1,400"));
  CHECK_THAT(story, Catch::Contains("Circuit formation (steps 1,400 to 9,400): from step 2,800 restricted loss on "
                                    "the key frequencies {14, 35, 41} (3.85) fell below its null band (random "
                                    "frequency sets: 4.20 ± 0.10) while test loss was 25.6"));
  CHECK_THAT(story, Catch::Contains("excluded loss rose above train loss from step 3,800"));
  CHECK_THAT(story, Catch::Contains("test accuracy stayed at or below 1%"));
  CHECK_THAT(story, Catch::Contains("Cleanup from step 9,400 to 12,900: test loss fell from 20.0"));
  CHECK_THAT(story, Catch::Contains("restricted loss with it, from 1.00"));
  CHECK_THAT(story, Catch::Contains("the weight norm fell 35%"));
  CHECK_THAT(story, Catch::Contains("Generalised (test accuracy >= 99%) at step 11,400"));

  nlohmann::ordered_json j = grok::phases_json(in, ph);
  CHECK(j["t_mem"] == 1000);
  CHECK(j["t_grok"] == 11400);
  CHECK(j["accuracy_milestones"]["t_50"] == 10400);
  CHECK(j["memorisation_end"] == 1400);
  CHECK(j["circuit_formation_start"] == 1400);
  CHECK(j["circuit_formation_end"] == 9400);
  CHECK(j["cleanup_start"] == 9400);
  CHECK(j["cleanup_end"] == 12900);
  CHECK(j["t_restricted_separates"] == 2800);
  CHECK(j["t_excluded_rise"] == 3800);
  CHECK(j["restricted_null_band"] == true);
  CHECK(j["key_frequencies"] == std::vector<int64_t>{14, 35, 41});
  CHECK_THAT(j["boundary_evidence"]["cleanup_end"].get<std::string>(), Catch::Contains("weight norm at step 12900"));
  CHECK_FALSE(j.contains("t_form"));
}

TEST_CASE("one spike moves no boundary", "[phases]") {
  grok::PhaseInputs in = Planted{}.inputs();
  SECTION("late test-loss spike after grokking, 5x the memorisation peak (a new global maximum)") {
    set_metric(in, in.test_loss, 16000, 5 * 27.0);
  }
  SECTION("train-loss spike after grokking") { set_metric(in, in.train_loss, 16000, 3.0); }
  SECTION("one row of test loss below chance in the plateau") { set_metric(in, in.test_loss, 5000, 1.0); }
  SECTION("one row of test loss 5x higher in the sharp fall") {
    // 9,900 holds 5 x 6.96; without the running median the walk back from the crossing would
    // stop at the spike and put cleanup_start at 9,900.
    set_metric(in, in.test_loss, 9900, 5 * 6.96);
  }
  SECTION("one checkpoint of restricted loss below its null band, one of excluded loss far above train loss") {
    in.restricted_test[5] = 3.0;    // step 1,000; the band there is 4.35 +- 0.1
    in.excluded_train[10] += 10.0;  // step 2,000
  }
  grok::Phases ph = grok::find_phases(in);
  check_nanda_boundaries(ph);
  CHECK(ph.test_loss_peak < 27);
}

TEST_CASE("a 3x longer flat tail moves no boundary", "[phases]") {
  Planted longer;
  longer.last = 80000;  // 60k more steps after the 20k run; the norm keeps drifting down 0.1% per 1k
  grok::Phases ph = grok::find_phases(longer.inputs());
  check_nanda_boundaries(ph);
  REQUIRE(ph.norm_drop_during_cleanup);
  CHECK(*ph.norm_drop_during_cleanup == Approx(0.3511).margin(0.0005));
}

TEST_CASE("a slowly drifting norm is not cleanup", "[phases]") {
  Planted drift;
  drift.drifting_norm = true;  // -0.1% per 1k steps from step 0 through circuit formation
  grok::Phases ph = grok::find_phases(drift.inputs());
  CHECK(ph.memorisation.end == 1400);
  CHECK(ph.cleanup.start == 9400);
  // Level-off as in the first test with the norm falling from 40 (1 - 0.0094) = 39.624: at 12,900 it
  // moves 23.462 - 22.975 = 0.487 <= 5% x 16.162; at 12,800, 0.947 > 5% x 15.70.
  CHECK(ph.cleanup.end == 12900);
  REQUIRE(ph.norm_drop_during_cleanup);
  CHECK(*ph.norm_drop_during_cleanup == Approx(16.162 / 39.624).margin(0.001));
}

TEST_CASE("a sharp drop onto a plateau is not cleanup", "[phases]") {
  Planted plateau;
  plateau.plateau = true;  // 26 -> 12 over 3,000-3,300 (d ln L / d ln t = -8), flat at 12 to 9,400
  grok::Phases ph = grok::find_phases(plateau.inputs());
  // 12 exp(-(t - 9400) ln(1200)/3600) < 4.7274 needs t > 9873: row 9,900; the walk back stops
  // at the flat plateau, 9,400.
  CHECK(ph.t_test_below_chance == 9900);
  CHECK(ph.cleanup.start == 9400);
  CHECK(ph.circuit_formation.end == 9400);
  CHECK(ph.memorisation.end == 1400);
}

TEST_CASE("a run that never generalises: no circuit, no cleanup, and the story says so", "[phases]") {
  grok::PhaseInputs in;
  in.p = 113;
  in.key_frequencies = {5, 17};
  Planted shape;
  for (int64_t s = 0; s <= 20000; s += 100) {
    const double t = static_cast<double>(s);
    const double wiggle = (s / 100) % 2 ? 1.02 : 0.98;
    in.steps.push_back(s);
    in.train_acc.push_back(shape.train_acc(t));
    in.train_loss.push_back(shape.train_loss(t));
    in.test_acc.push_back(0.01 * wiggle);
    in.test_loss.push_back((t <= 1400 ? loglin(t, 0, kChance, 1400, 27) : 27) * wiggle);
    in.total_norm.push_back(lin(t, 0, 40, 20000, 44));
    if (s % 200) continue;
    in.checkpoint_steps.push_back(s);
    in.checkpoint_train_loss.push_back(shape.train_loss(t));
    in.restricted_null_mean.push_back(shape.null_mean(t));
    in.restricted_null_sd.push_back(0.1);
    in.restricted_test.push_back(shape.null_mean(t) - 0.1 * wiggle);  // inside the band (1 sigma)
    in.excluded_train.push_back(shape.train_loss(t) + 0.3);           // tracks train loss
  }
  grok::Phases ph = grok::find_phases(in);
  CHECK(ph.memorisation.end == 1400);
  CHECK_FALSE(ph.t_test_below_chance);
  CHECK_FALSE(ph.cleanup.start);
  CHECK_FALSE(ph.cleanup.end);
  CHECK_FALSE(ph.circuit_formation.start);
  CHECK_FALSE(ph.t_restricted_separates);
  CHECK_FALSE(ph.t_excluded_rise);
  CHECK_FALSE(ph.acc.t_grok);
  CHECK_FALSE(ph.norm_drop_during_cleanup);
  const std::string story = grok::tell_story(in, ph);
  CHECK_THAT(story, Catch::Contains("No circuit formation was seen"));
  CHECK_THAT(story, Catch::Contains("stayed within its null band"));
  CHECK_THAT(story, Catch::Contains("excluded loss never rose away from train loss"));
  CHECK_THAT(story, Catch::Contains("No cleanup"));
  CHECK_THAT(story, Catch::Contains("did not generalise within 20,000 steps"));
  CHECK_THAT(story, !Catch::Contains("Generalised"));
  nlohmann::ordered_json j = grok::phases_json(in, ph);
  CHECK(j["cleanup_start"].is_null());
  CHECK(j["circuit_formation_start"].is_null());
  CHECK(j["t_grok"].is_null());
}

TEST_CASE("without Fourier curves: milestones and metric phases only, said honestly", "[phases]") {
  grok::PhaseInputs in = Planted{}.inputs();
  in.checkpoint_steps.clear();
  in.checkpoint_train_loss.clear();
  in.restricted_test.clear();
  in.excluded_train.clear();
  in.restricted_null_mean.clear();
  in.restricted_null_sd.clear();
  in.key_frequencies.clear();
  in.fourier_note = "the task mul is not linear in Fourier modes";

  SECTION("metric curves present: cleanup from test loss and norm, no circuit formation") {
    grok::Phases ph = grok::find_phases(in);
    CHECK(ph.acc.t_mem == 1000);
    CHECK(ph.acc.t_grok == 11400);
    CHECK(ph.memorisation.end == 1400);
    CHECK_FALSE(ph.circuit_formation.start);
    CHECK_FALSE(ph.t_restricted_separates);
    CHECK_FALSE(ph.t_restricted_below_chance);
    CHECK_FALSE(ph.t_excluded_rise);
    CHECK_FALSE(ph.null_band_available);
    CHECK(ph.cleanup.start == 9400);
    CHECK(ph.cleanup.end == 12900);
    const std::string story = grok::tell_story(in, ph);
    CHECK_THAT(story, Catch::Contains("Circuit formation cannot be seen without the restricted and excluded losses"));
    CHECK_THAT(story, Catch::Contains("No Fourier analysis: the task mul"));
    CHECK_THAT(story, !Catch::Contains("restricted loss on"));
  }
  SECTION("accuracy only: the milestones, memorisation at t_mem, nothing else claimed") {
    in.train_loss.clear();
    in.test_loss.clear();
    in.total_norm.clear();
    grok::Phases ph = grok::find_phases(in);
    CHECK(ph.acc.t_mem == 1000);
    CHECK(ph.acc.t_95 == 11300);
    CHECK(ph.memorisation.end == 1000);  // t_mem stands in without a train-loss curve
    CHECK_FALSE(ph.cleanup.start);
    CHECK_FALSE(ph.t_test_peak);
    const std::string story = grok::tell_story(in, ph);
    CHECK_THAT(story, Catch::Contains("Cleanup cannot be seen without the test-loss curve"));
    CHECK_THAT(story, !Catch::Contains("No cleanup"));
    CHECK_THAT(story, Catch::Contains("Generalised (test accuracy >= 99%) at step 11,400"));
  }
}

TEST_CASE("restricted loss inside its null band is no evidence of a circuit", "[phases]") {
  Planted shape;
  grok::PhaseInputs in = shape.inputs();
  SECTION("null band known: restricted stays on its mean") {
    for (size_t i = 0; i < in.restricted_test.size(); ++i) in.restricted_test[i] = in.restricted_null_mean[i];
    grok::Phases ph = grok::find_phases(in);
    CHECK_FALSE(ph.t_restricted_separates);
    CHECK(ph.t_excluded_rise == 3800);  // the circuit is still seen through the excluded loss
    CHECK(ph.circuit_formation.start == 1400);
    const std::string story = grok::tell_story(in, ph);
    CHECK_THAT(story, Catch::Contains("stayed within its null band"));
    CHECK_THAT(story, !Catch::Contains("fell below its null band"));
  }
  SECTION("no null band: compared with chance only") {
    in.restricted_null_mean.clear();
    in.restricted_null_sd.clear();
    grok::Phases ph = grok::find_phases(in);
    CHECK_FALSE(ph.null_band_available);
    CHECK_FALSE(ph.t_restricted_separates);
    CHECK(ph.t_restricted_below_chance == 1400);  // 4.2 < 4.727 from the end of memorisation on
    const std::string story = grok::tell_story(in, ph);
    CHECK_THAT(story, Catch::Contains("compared with chance only"));
    CHECK_THAT(story, !Catch::Contains("null band ("));
    nlohmann::ordered_json j = grok::phases_json(in, ph);
    CHECK(j["restricted_null_band"] == false);
    CHECK(j["t_restricted_separates"].is_null());
  }
}

TEST_CASE("Fourier curves without the metric losses: no claim about test loss", "[phases]") {
  grok::PhaseInputs in = Planted{}.inputs();
  in.test_loss.clear();
  in.train_loss.clear();
  in.total_norm.clear();
  grok::Phases ph = grok::find_phases(in);
  CHECK(ph.memorisation.end == 1000);  // t_mem stands in
  CHECK(ph.t_restricted_separates == 2800);
  CHECK(ph.circuit_formation.start == 1000);
  CHECK_FALSE(ph.circuit_formation.end);  // no cleanup can be seen: still under way as far as we know
  CHECK_FALSE(ph.cleanup.start);
  const std::string story = grok::tell_story(in, ph);
  CHECK_THAT(story, Catch::Contains("fell below its null band (random frequency sets: 4.20 ± 0.10)"));
  CHECK_THAT(story, !Catch::Contains("while test loss stayed"));
  CHECK_THAT(story, !Catch::Contains("still under way"));
  CHECK_THAT(story, Catch::Contains("Cleanup cannot be seen without the test-loss curve"));
}

TEST_CASE("weight decay holds train loss above the threshold: t_mem stands in, and the story says so", "[phases]") {
  Planted run;
  grok::PhaseInputs in = run.inputs();
  for (double& loss : in.train_loss) loss = std::max(loss, 0.1);  // never below 1% of chance (0.047)
  grok::Phases ph = grok::find_phases(in);
  CHECK(ph.acc.t_mem == 1000);
  CHECK(ph.t_train_fitted == 1000);  // the accuracy milestone, not "never memorised"
  CHECK_FALSE(ph.fitted_by_loss);
  CHECK(ph.memorisation.end == 1400);  // test loss still rose to its peak (26.8 at 1,400; 5% below at 1,400)
  CHECK_THAT(ph.evidence.front(), Catch::Contains("train loss never stayed below 0.047 (lowest 0.1)"));
  const std::string story = grok::tell_story(in, ph);
  CHECK_THAT(story, Catch::StartsWith("Memorised the training set by step 1,000 (the train-accuracy milestone"));
  CHECK_THAT(story, Catch::Contains("memorisation ended at step 1,400, when test loss stopped rising"));
  CHECK_THAT(story, !Catch::Contains("did not memorise"));
  CHECK(ph.cleanup.start == 9400);  // the later phases are still found
}

TEST_CASE("train set fitted early, test loss still rising: memorisation ends when test loss stops rising", "[phases]") {
  // As on the real nanda2023 run: train loss is near zero by step ~200 while test loss keeps
  // rising to its peak at 1,400 (Nanda et al.'s first boundary).
  Planted run;
  grok::PhaseInputs in = run.inputs();
  for (size_t r = 0; r < in.steps.size(); ++r) {
    const double t = static_cast<double>(in.steps[r]);
    in.train_loss[r] = t <= 200 ? loglin(t, 0, kChance, 200, 0.01) : 0.01;
  }
  grok::Phases ph = grok::find_phases(in);
  CHECK(ph.t_train_fitted == 200);
  CHECK(ph.fitted_by_loss);
  // Running-median test loss first within 5% of its peak (26.8): row 1,400 (1,300's median is 24.4).
  CHECK(ph.memorisation.end == 1400);
  CHECK(ph.circuit_formation.start == 1400);
  CHECK(ph.cleanup.start == 9400);  // unchanged
  CHECK_THAT(grok::tell_story(in, ph), Catch::Contains("Memorised the training set by step 200"));
}

TEST_CASE("clock or pizza: Zhong et al.'s two models and the cases between", "[phases][pizza]") {
  // Their reported values: clock q 0.85, s_g 0.33; pizza q 0.17, s_g 0.99.
  CHECK(grok::clock_or_pizza(0.85, 0.33).kind == "clock");
  CHECK(grok::clock_or_pizza(0.17, 0.99).kind == "pizza");
  // Additive operands: s_g = 1 by construction, so q alone decides between pizza and neither.
  CHECK(grok::clock_or_pizza(0.17, std::nullopt).kind == "pizza");
  CHECK(grok::clock_or_pizza(0.85, std::nullopt).kind == "neither");
  // One measure says clock, the other pizza.
  CHECK(grok::clock_or_pizza(0.85, 0.99).kind == "neither");
  CHECK(grok::clock_or_pizza(0.17, 0.33).kind == "neither");
  // The thresholds themselves: q = 0.5 is clock's side, s_g = 0.66 pizza's.
  CHECK(grok::clock_or_pizza(0.5, 0.1).kind == "clock");
  CHECK(grok::clock_or_pizza(0.49, 0.66).kind == "pizza");
  CHECK(grok::clock_or_pizza(0.17, std::nullopt).why.find("by construction") != std::string::npos);
}

TEST_CASE("a group task's story names its key irreps, not frequencies", "[phases]") {
  // The curves of the planted run, read from the irrep analysis (no null band: the story can
  // only compare restricted loss with chance).
  grok::PhaseInputs in = Planted{}.inputs();
  in.key_frequencies.clear();
  in.restricted_null_mean.clear();
  in.restricted_null_sd.clear();
  in.by_irreps = true;
  in.key_irreps = {"sign", "standard"};
  grok::Phases ph = grok::find_phases(in);
  const std::string story = grok::tell_story(in, ph);
  CHECK_THAT(story, Catch::Contains("restricted loss on the key irreps {sign, standard} fell below chance"));
  CHECK_THAT(story, Catch::Contains("at step 11,400 using irreps {sign, standard}"));
  CHECK_THAT(story, !Catch::Contains("frequenc"));
  nlohmann::ordered_json j = grok::phases_json(in, ph);
  CHECK(j["key_irreps"] == std::vector<std::string>{"sign", "standard"});
  CHECK(j["key_frequencies"].empty());

  in.key_irreps.clear();  // none above the threshold
  in.test_acc.assign(in.test_acc.size(), 0.01);
  CHECK_THAT(grok::tell_story(in, grok::find_phases(in)), Catch::Contains("No key irreps emerged"));
  // A run without the irrep curves keeps the key_irreps key out of its JSON (golden files unchanged).
  CHECK_FALSE(grok::phases_json(Planted{}.inputs(), ph).contains("key_irreps"));
}
