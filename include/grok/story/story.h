// story.h — the three phases of grokking, read from the progress measures, and the
// plain-words account of a run.
//
// Nanda et al. 2023 §5 (docs/probe-file.md, "Phases"): memorisation
// (train loss falls, test loss rises), circuit formation (excluded loss rises away from
// train loss, restricted loss falls below its null baseline, test accuracy flat) and
// cleanup (test and restricted loss fall sharply together, the weight norm drops, until
// they level off). Every boundary is defined in docs/probe-file.md ("Phases") with its
// thresholds, all in grok/story/thresholds.h. The accuracy milestones (t_mem, t_50,
// t_95, t_grok) are a separate table (grok/story/milestones.h).
//
// Robustness, by construction: curves are read through a running median and threshold
// crossings must persist over several rows, so one spiking row moves no boundary; every
// boundary depends only on the curves up to a bounded window after it, never on the
// run's last value, so training longer moves no boundary.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grok/story/milestones.h"

namespace grok {

// The curves the phases are read from. An empty vector means "not available" (the
// Fourier analysis does not apply, the run file lacks the curve, ...): the phases that
// need it are then absent and the story says so.
struct PhaseInputs {
  int64_t p = 0;
  double chance_loss() const { return std::log(static_cast<double>(p)); }  // ln p: uniform logits
  // metrics rows (every evaluated step)
  std::vector<int64_t> steps;
  std::vector<double> train_acc, test_acc, test_loss;
  std::vector<double> total_norm;  // ||theta||
  std::vector<double> train_loss;  // the run's /metrics train_loss; empty: memorisation ends at t_mem instead
  // checkpoint rows (from the Fourier analysis; empty when it does not apply)
  std::vector<int64_t> checkpoint_steps;
  std::vector<double> restricted_test;        // test CE of the logits restricted to the key frequencies K
  std::vector<double> excluded_train;         // train CE of the logits with K removed
  std::vector<double> checkpoint_train_loss;  // the train loss at those checkpoints (excluded loss is read against it)
  // Null baseline of restricted_test: the same loss with |K| random non-key frequencies,
  // mean and standard deviation over the draws (>= 20), per checkpoint. Empty: unknown,
  // and restricted loss can only be compared with chance.
  std::vector<double> restricted_null_mean, restricted_null_sd;
  std::vector<int64_t> key_frequencies;
  std::string fourier_note;  // why the Fourier analysis did not apply, if it did not
  std::string loss_note;     // why train_loss and test_loss are empty, if they are left out
  // Group tasks (sN, dN): the checkpoint curves come from the irrep analysis instead
  // (by_irreps), and the key set is key_irreps (Chughtai et al. 2023), not key_frequencies.
  bool by_irreps = false;
  std::vector<std::string> key_irreps;
};

// One phase: its first and last step, and for each boundary the line of evidence that
// placed it (which curve did what, at which step, with numbers). Absent: std::nullopt
// (end absent with start present: still under way when the run ended).
struct PhaseSpan {
  std::optional<int64_t> start, end;
  std::string start_evidence, end_evidence;
};

struct Phases {
  AccuracyMilestones acc;  // the accuracy milestones, their own table
  PhaseSpan memorisation, circuit_formation, cleanup;
  // Events read from the curves (boundaries are built from them).
  std::optional<int64_t> t_train_fitted;             // train loss below kMemorisedTrainLossFraction ln p (or t_mem)
  bool fitted_by_loss = false;                       // t_train_fitted from the train loss (else the accuracy milestone)
  std::optional<int64_t> t_test_peak;                // largest running-median test loss before cleanup
  double test_loss_peak = 0;                         // its value
  std::optional<int64_t> t_test_below_chance;        // running-median test loss < ln p (persistent), after memorisation
  std::optional<int64_t> t_restricted_separates;     // restricted test loss below its null band (persistent)
  std::optional<int64_t> t_restricted_below_chance;  // restricted test loss < ln p (persistent) from memorisation on
  std::optional<int64_t> t_excluded_rise;  // excluded train loss above train loss by kExcludedRiseFraction ln p
  bool null_band_available = false;
  std::optional<double> norm_drop_during_cleanup;  // fraction of ||theta|| lost from cleanup start to end
  std::vector<std::string> evidence;               // every evidence line, in order
};

Phases find_phases(const PhaseInputs& in);
std::string tell_story(const PhaseInputs& in, const Phases& ph);
// Keys (docs/probe-file.md): t_mem, t_50, t_95, t_grok, accuracy_milestones, memorisation_start,
// memorisation_end, circuit_formation_start, circuit_formation_end, cleanup_start, cleanup_end,
// boundary_evidence, t_test_loss_peak, test_loss_peak, t_test_below_chance, t_restricted_separates,
// restricted_null_band, t_restricted_below_chance, t_excluded_rise, norm_drop_during_cleanup,
// key_frequencies, key_irreps (group tasks only), evidence, story; null where absent.
nlohmann::ordered_json phases_json(const PhaseInputs& in, const Phases& ph);

}  // namespace grok
