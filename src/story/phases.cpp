// phases.cpp — the three phases of grokking, detected from the progress measures.
// Definitions: docs/probe-file.md, "Phases"; thresholds: grok/story/thresholds.h.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "curves.h"
#include "grok/story/story.h"
#include "grok/story/thresholds.h"

namespace grok {
namespace {

using curves::first_persistent;
using curves::row_at;
using curves::row_from;

// The curves read for levels, through a running median so that one spiking row is ignored.
struct Smoothed {
  std::vector<double> test_loss, norm, restricted;
};

void add_evidence(Phases& ph, std::string& slot, std::string line) {
  slot = line;
  ph.evidence.push_back(std::move(line));
}

// Memorisation ends when the train loss is near zero (below kMemorisedTrainLossFraction
// of chance, persistently): Nanda et al.'s first boundary is where memorisation completes.
void find_memorisation(const PhaseInputs& in, Phases& ph) {
  const double chance = in.chance_loss(), threshold = kMemorisedTrainLossFraction * chance;
  if (in.steps.empty()) return;
  auto i = in.train_loss.empty() ? std::nullopt
                                 : first_persistent(0, in.train_loss.size(), kPersistRows,
                                                    [&](size_t r) { return in.train_loss[r] < threshold; });
  if (i) {
    ph.memorisation.end = ph.t_train_fitted = in.steps[*i];
    ph.fitted_by_loss = true;
    add_evidence(ph, ph.memorisation.end_evidence,
                 fmt::format("memorisation_end {}: train loss fell below {:.3f} ({} of chance ln {} = {:.3f}) and "
                             "stayed below for {} evaluated steps (it was {:.3g})",
                             *ph.memorisation.end, threshold, percent(kMemorisedTrainLossFraction), in.p, chance,
                             kPersistRows, in.train_loss[*i]));
  } else if (ph.acc.t_mem) {
    // No train-loss curve, or one that weight decay holds above the threshold although
    // every train pair is classified: the accuracy milestone stands in.
    ph.memorisation.end = ph.t_train_fitted = ph.acc.t_mem;
    const std::string why = in.train_loss.empty()
                                ? std::string("no train-loss curve")
                                : fmt::format("train loss never stayed below {:.3f} (lowest {:.3g})", threshold,
                                              *std::min_element(in.train_loss.begin(), in.train_loss.end()));
    add_evidence(ph, ph.memorisation.end_evidence,
                 fmt::format("memorisation_end {}: {}, so the train-accuracy milestone t_mem (train accuracy >= {}) "
                             "stands in",
                             *ph.acc.t_mem, why, percent(kMemorisedAccuracy)));
  } else {
    return;
  }
  ph.memorisation.start = in.steps.front();
  ph.memorisation.start_evidence = fmt::format("memorisation_start {}: the first evaluated step", in.steps.front());
}

// The test loss crossing below chance after memorisation, through the running median and
// persistently: the fall that cleanup is made of (a dip of one row does not count).
void find_test_below_chance(const PhaseInputs& in, const Smoothed& s, Phases& ph) {
  const double chance = in.chance_loss();
  auto i = first_persistent(row_from(in.steps, *ph.memorisation.end), s.test_loss.size(), kPersistRows,
                            [&](size_t r) { return s.test_loss[r] < chance; });
  if (!i) return;
  ph.t_test_below_chance = in.steps[*i];
  ph.evidence.push_back(
      fmt::format("t_test_below_chance {}: test loss (running median of {} rows) fell below "
                  "chance {:.3f} and stayed below for {} evaluated steps",
                  in.steps[*i], kMedianRows, chance, kPersistRows));
}

// Walking back from row `below`, the earliest row of the sharp fall that leads to it: row
// pairs falling faster than step^-kSharpFallRate. It may step over up to kMedianRows / 2
// slower pairs when a sharp one lies just before them, because one spiking row shifts the
// running median by up to that many rows and can flatten a pair inside the fall.
size_t start_of_sharp_fall(const std::vector<int64_t>& steps, const std::vector<double>& v, size_t from, size_t below) {
  auto sharp = [&](size_t a) { return steps[a] > 0 && curves::log_log_slope(steps, v, a, a + 1) <= -kSharpFallRate; };
  const size_t reach = kMedianRows / 2 + 1;
  size_t i = below;
  for (;;) {
    size_t k = 1;
    while (k <= reach && i >= from + k && !sharp(i - k)) ++k;
    if (k > reach || i < from + k) return i;
    i -= k;
  }
}

// Cleanup starts where the sharp fall that carries the test loss through chance begins:
// walking back from the crossing, the earliest row from which every step of the running
// median falls faster than step^-kSharpFallRate. Anchoring on the crossing keeps an
// earlier dip onto a plateau, a slowly drifting plateau or a later spike out of it.
void find_cleanup_start(const PhaseInputs& in, const Smoothed& s, Phases& ph) {
  if (!ph.t_test_below_chance) return;
  const size_t from = row_from(in.steps, *ph.memorisation.end), below = row_at(in.steps, *ph.t_test_below_chance);
  const size_t i = start_of_sharp_fall(in.steps, s.test_loss, from, below);
  ph.cleanup.start = in.steps[i];
  add_evidence(ph, ph.cleanup.start_evidence,
               fmt::format("cleanup_start {}: test loss (running median) begins its sharp fall here, from {:.3g} "
                           "down through chance at step {} ({:.3g}), falling faster than step^-{} (running "
                           "median, evaluated step by step)",
                           in.steps[i], s.test_loss[i], in.steps[below], s.test_loss[below], kSharpFallRate));
}

// The memorisation peak of the test loss: the largest running-median value before cleanup.
void find_test_peak(const PhaseInputs& in, const Smoothed& s, Phases& ph) {
  if (s.test_loss.empty()) return;
  const size_t end = ph.cleanup.start ? row_at(in.steps, *ph.cleanup.start) + 1 : s.test_loss.size();
  auto peak = std::max_element(s.test_loss.begin(), s.test_loss.begin() + static_cast<std::ptrdiff_t>(end));
  const size_t i = static_cast<size_t>(peak - s.test_loss.begin());
  ph.t_test_peak = in.steps[i];
  ph.test_loss_peak = *peak;
  ph.evidence.push_back(fmt::format("t_test_loss_peak {}: test loss (running median) peaked at {:.3g}{}", in.steps[i],
                                    *peak, ph.cleanup.start ? " (largest before cleanup)" : ""));
}

// Restricted test loss against its null band (random non-key frequency sets), or, without
// one, against chance only, counted from the end of memorisation (everything starts at chance).
void find_restricted_events(const PhaseInputs& in, Phases& ph) {
  const auto& r = in.restricted_test;
  if (r.empty()) return;
  const auto& mean = in.restricted_null_mean;
  const auto& sd = in.restricted_null_sd;
  ph.null_band_available = mean.size() == r.size() && sd.size() == r.size();
  if (ph.null_band_available) {
    auto i =
        first_persistent(0, r.size(), kPersistRows, [&](size_t k) { return r[k] < mean[k] - kNullBandSigmas * sd[k]; });
    if (i) {
      ph.t_restricted_separates = in.checkpoint_steps[*i];
      ph.evidence.push_back(
          fmt::format("t_restricted_separates {}: restricted test loss {:.3g} fell below its null "
                      "band {:.3g} - {} x {:.3g} (random non-key frequency sets) and stayed below "
                      "for {} checkpoints",
                      in.checkpoint_steps[*i], r[*i], mean[*i], kNullBandSigmas, sd[*i], kPersistRows));
    }
  }
  const double chance = in.chance_loss();
  const size_t from = ph.memorisation.end ? row_from(in.checkpoint_steps, *ph.memorisation.end) : 0;
  auto j = first_persistent(from, r.size(), kPersistRows, [&](size_t k) { return r[k] < chance; });
  if (j) ph.t_restricted_below_chance = in.checkpoint_steps[*j];
}

// Excluded train loss rising away from the train loss (it tracks it during memorisation).
void find_excluded_rise(const PhaseInputs& in, Phases& ph) {
  const auto& e = in.excluded_train;
  const auto& train = in.checkpoint_train_loss;
  if (e.empty() || train.size() != e.size()) return;
  const double margin = kExcludedRiseFraction * in.chance_loss();
  auto i = first_persistent(0, e.size(), kPersistRows, [&](size_t k) { return e[k] - train[k] > margin; });
  if (!i) return;
  ph.t_excluded_rise = in.checkpoint_steps[*i];
  ph.evidence.push_back(
      fmt::format("t_excluded_rise {}: excluded train loss {:.3g} exceeded train loss {:.3g} by more "
                  "than {:.3f} ({} x ln p) and stayed above for {} checkpoints",
                  in.checkpoint_steps[*i], e[*i], train[*i], margin, kExcludedRiseFraction, kPersistRows));
}

bool before_cleanup(const Phases& ph, const std::optional<int64_t>& t) {
  return t && (!ph.cleanup.start || *t < *ph.cleanup.start);
}

// Circuit formation runs from the end of memorisation to the start of cleanup, and is
// claimed only where a Fourier measure shows a circuit forming before cleanup.
void find_circuit_formation(Phases& ph) {
  const bool separated = before_cleanup(ph, ph.t_restricted_separates);
  const bool excluded = before_cleanup(ph, ph.t_excluded_rise);
  if (!ph.memorisation.end || !(separated || excluded)) return;
  auto& cf = ph.circuit_formation;
  cf.start = ph.memorisation.end;
  std::string why;
  if (separated) why += fmt::format("restricted loss below its null band from step {}", *ph.t_restricted_separates);
  if (excluded)
    why += fmt::format("{}excluded loss above train loss from step {}", why.empty() ? "" : "; ", *ph.t_excluded_rise);
  add_evidence(ph, cf.start_evidence,
               fmt::format("circuit_formation_start {}: memorisation complete, and before cleanup {}", *cf.start, why));
  if (ph.cleanup.start) {
    cf.end = ph.cleanup.start;
    cf.end_evidence = fmt::format("circuit_formation_end {}: cleanup starts", *cf.end);
  }
}

// The last row [t, ...] of the level-off window after row t, or nullopt when the run
// ends before the window does (then it cannot be told whether the curve levelled off).
std::optional<size_t> window_end(const std::vector<int64_t>& steps, size_t t) {
  const double until = static_cast<double>(steps[t]) * (1 + kLevelWindowFraction);
  if (static_cast<double>(steps.back()) < until || t + kLevelMinRows >= steps.size()) return std::nullopt;
  size_t u = t + kLevelMinRows;
  while (u + 1 < steps.size() && static_cast<double>(steps[u + 1]) <= until) ++u;
  return u;
}

// First row t >= from at which the curve has levelled off: over the window after t it moves
// by at most kLevelFraction of what it moved from row `start` to t. Relative to the change
// during the phase, not to the run's last value, so a longer run gives the same row.
std::optional<size_t> level_off(const std::vector<int64_t>& steps, const std::vector<double>& v, size_t start,
                                size_t from) {
  for (size_t t = from; t < v.size(); ++t) {
    auto w = window_end(steps, t);
    if (!w) return std::nullopt;
    double wiggle = 0;
    for (size_t u = t + 1; u <= *w; ++u) wiggle = std::max(wiggle, std::abs(v[u] - v[t]));
    if (wiggle <= kLevelFraction * std::abs(v[t] - v[start])) return t;
  }
  return std::nullopt;
}

struct LevelledCurve {
  std::string name;
  std::optional<int64_t> step;
};

LevelledCurve levelled(const std::string& name, const std::vector<int64_t>& steps, const std::vector<double>& v,
                       const Phases& ph) {
  auto t = level_off(steps, v, row_at(steps, *ph.cleanup.start), row_from(steps, *ph.t_test_below_chance));
  return {name, t ? std::optional<int64_t>(steps[*t]) : std::nullopt};
}

// Cleanup ends when test loss, weight norm and restricted loss (those available) have all
// levelled off, searched from the test loss's crossing of chance on.
void find_cleanup_end(const PhaseInputs& in, const Smoothed& s, Phases& ph) {
  if (!ph.cleanup.start) return;
  std::vector<LevelledCurve> lv{levelled("test loss", in.steps, s.test_loss, ph)};
  if (!s.norm.empty()) lv.push_back(levelled("weight norm", in.steps, s.norm, ph));
  if (!s.restricted.empty()) lv.push_back(levelled("restricted loss", in.checkpoint_steps, s.restricted, ph));
  std::string which, missing;
  int64_t end = *ph.cleanup.start;
  for (const auto& c : lv) {
    if (c.step)
      which += fmt::format("{}{} at step {}", which.empty() ? "" : ", ", c.name, *c.step);
    else
      missing += (missing.empty() ? "" : ", ") + c.name;
    end = std::max(end, c.step.value_or(end));
  }
  const std::string rule = fmt::format(
      "moving by at most {} of its change since cleanup began over the next {} of "
      "steps",
      percent(kLevelFraction), percent(kLevelWindowFraction));
  if (!missing.empty()) {
    ph.cleanup.end_evidence = fmt::format("cleanup_end absent: {} had not levelled off ({}) when the run ended{}",
                                          missing, rule, which.empty() ? "" : " (levelled: " + which + ")");
    ph.evidence.push_back(ph.cleanup.end_evidence);
    return;
  }
  ph.cleanup.end = end;
  add_evidence(ph, ph.cleanup.end_evidence,
               fmt::format("cleanup_end {}: the last of the curves to level off ({}): {}", end, rule, which));
}

void find_norm_drop(const PhaseInputs& in, const Smoothed& s, Phases& ph) {
  if (!ph.cleanup.end || s.norm.empty()) return;
  const double before = curves::value_at(in.steps, s.norm, *ph.cleanup.start);
  const double after = curves::value_at(in.steps, s.norm, *ph.cleanup.end);
  if (before <= 0) return;
  ph.norm_drop_during_cleanup = (before - after) / before;
  ph.evidence.push_back(
      fmt::format("norm_drop_during_cleanup {:.3f}: ||theta|| (running median) {:.4g} at step {} -> "
                  "{:.4g} at step {}",
                  *ph.norm_drop_during_cleanup, before, *ph.cleanup.start, after, *ph.cleanup.end));
}

// The paper's first boundary: memorisation is over once the train set is fitted AND the test
// loss has stopped rising (Nanda et al. 2023: train loss falls while test loss rises, to its
// peak at ≈ 1.4k on their run). Memorisation ends at the first row, from the fit on, where the
// running-median test loss comes within kLevelFraction of its peak before cleanup (t_test_peak):
// the peak itself when the loss then falls, and the start of a plateau when it stays up, so a
// plateau's wiggles and the run's length do not move it (the running median drops spikes).
void extend_memorisation_while_test_loss_rises(const PhaseInputs& in, const Smoothed& s, Phases& ph) {
  auto& end = ph.memorisation.end;
  if (!end || s.test_loss.empty() || !ph.t_test_peak || *ph.t_test_peak <= *end) return;
  const double level = ph.test_loss_peak * (1 - kLevelFraction);
  size_t r = row_from(in.steps, *end);
  while (s.test_loss[r] < level) ++r;  // ends at the peak at the latest
  if (in.steps[r] == *end) return;     // the test loss had already risen when the train set was fitted
  end = in.steps[r];
  add_evidence(ph, ph.memorisation.end_evidence,
               fmt::format("memorisation_end {}: the train set was fitted by step {}, and test loss (running median) "
                           "kept rising until {:.3g} here, within {} of its peak {:.3g} at step {}",
                           *end, *ph.t_train_fitted, s.test_loss[r], percent(kLevelFraction), ph.test_loss_peak,
                           *ph.t_test_peak));
}

void add_milestone_evidence(Phases& ph) {
  if (ph.acc.t_mem)
    ph.evidence.push_back(
        fmt::format("t_mem {}: train accuracy reached {}", *ph.acc.t_mem, percent(kMemorisedAccuracy)));
  if (ph.acc.t_grok)
    ph.evidence.push_back(fmt::format("t_grok {}: test accuracy reached {}", *ph.acc.t_grok, percent(kGrokAccuracy)));
}

}  // namespace

Phases find_phases(const PhaseInputs& in) {
  Phases ph;
  ph.acc = accuracy_milestones(in.steps, in.train_acc, in.test_acc);
  const Smoothed s{curves::running_median(in.test_loss, kMedianRows),
                   curves::running_median(in.total_norm, kMedianRows),
                   curves::running_median(in.restricted_test, kMedianRows)};
  find_memorisation(in, ph);
  if (ph.memorisation.end && !s.test_loss.empty()) {
    find_test_below_chance(in, s, ph);
    find_cleanup_start(in, s, ph);
  }
  find_test_peak(in, s, ph);
  find_restricted_events(in, ph);
  find_excluded_rise(in, ph);
  extend_memorisation_while_test_loss_rises(in, s, ph);
  find_circuit_formation(ph);
  find_cleanup_end(in, s, ph);
  find_norm_drop(in, s, ph);
  add_milestone_evidence(ph);
  return ph;
}

}  // namespace grok
