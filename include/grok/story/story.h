// story.h — the phases of grokking and the plain-words account of a run.
//
// Operational definitions (shared/spec/metrics.md, "Phases of grokking"), with
// the refinements we chose, documented in docs/probe-file.md:
//   t_mem   first evaluated step with train accuracy >= 99%
//   t_grok  first evaluated step with test accuracy >= 99% (t_50, t_95 likewise)
//   t_form  first evaluated step after the test-loss peak with test loss < ln(p)
//   t_clean first checkpoint step from which on both the total weight norm stays
//           within 1% of its final value and the restricted-minus-test loss gap
//           stays within 1% of its range (max - min) of its final value
//           (1% of a gap that ends near 0 would be unattainable noise)
//   t_restricted_below_chance  first checkpoint at or after t_mem with
//           restricted test loss < ln(p) (at initialisation all losses sit at chance)
//   t_excluded_rise  first checkpoint with excluded train loss > ln(p) while
//           the train loss is below ln(p)/2
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grok/story/milestones.h"

namespace grok {

// The curves the phases are read from.
struct PhaseInputs {
  int64_t p = 0;
  // metrics rows (every evaluated step)
  std::vector<int64_t> steps;
  std::vector<double> train_acc, test_acc, test_loss, total_norm;  // total_norm = ||theta||
  // checkpoint rows (from the Fourier analysis; empty when it does not apply)
  std::vector<int64_t> checkpoint_steps;
  std::vector<double> restricted_test, excluded_train, checkpoint_test_loss, checkpoint_train_loss;
  std::vector<int64_t> key_frequencies;
  std::string fourier_note;  // why the Fourier analysis did not apply, if it did not
};

struct Phases {
  AccuracyMilestones acc;
  std::optional<int64_t> t_form, t_clean, t_test_peak, t_restricted_below_chance, t_excluded_rise;
  double test_loss_peak = 0;
  std::optional<double> norm_drop_during_cleanup;  // fraction of ||theta|| lost between t_form and t_clean
  std::vector<std::string> evidence;                // one line per boundary: which curve crossed what
};

Phases find_phases(const PhaseInputs& in);
std::string tell_story(const PhaseInputs& in, const Phases& ph);
// {"t_mem", "t_form", "t_clean", "t_grok", "t_50", "t_95", "key_frequencies", "story", ...}; null where absent.
nlohmann::ordered_json phases_json(const PhaseInputs& in, const Phases& ph);

}  // namespace grok
