// story.cpp — phase boundaries from the curves, and the story told with their numbers.
#include "grok/story/story.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace grok {
namespace {

// First index i from which on every value stays within `tol` of the last value.
std::optional<size_t> settled_from(const std::vector<double>& v, double tol) {
  if (v.empty()) return std::nullopt;
  size_t i = v.size();
  while (i > 0 && std::abs(v[i - 1] - v.back()) <= tol) --i;
  return i;
}

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "{" + s + "}";
}

nlohmann::ordered_json opt(const std::optional<int64_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// Value of a metric curve at the row whose step is the last one <= step.
double at_step(const std::vector<int64_t>& steps, const std::vector<double>& v, int64_t step) {
  size_t i = 0;
  while (i + 1 < steps.size() && steps[i + 1] <= step) ++i;
  return v[i];
}

}  // namespace

Phases find_phases(const PhaseInputs& in) {
  Phases ph;
  ph.acc = accuracy_milestones(in.steps, in.train_acc, in.test_acc);
  const double chance = std::log(static_cast<double>(in.p));
  if (ph.acc.t_mem) ph.evidence.push_back(fmt::format("t_mem: train accuracy reached 99% at step {}", *ph.acc.t_mem));
  if (!in.test_loss.empty()) {
    size_t peak = static_cast<size_t>(std::max_element(in.test_loss.begin(), in.test_loss.end()) - in.test_loss.begin());
    ph.t_test_peak = in.steps[peak];
    ph.test_loss_peak = in.test_loss[peak];
    for (size_t i = peak + 1; i < in.steps.size(); ++i)
      if (in.test_loss[i] < chance) {
        ph.t_form = in.steps[i];
        ph.evidence.push_back(fmt::format("t_form: test loss fell below chance ln({}) = {:.3f} at step {} "
                                          "(after its peak of {:.2f} at step {})",
                                          in.p, chance, in.steps[i], ph.test_loss_peak, *ph.t_test_peak));
        break;
      }
  }
  if (ph.acc.t_grok) ph.evidence.push_back(fmt::format("t_grok: test accuracy reached 99% at step {}", *ph.acc.t_grok));
  // At initialisation every loss sits at chance; the event is the restricted
  // loss dropping below it once the model has memorised.
  const int64_t after = ph.acc.t_mem.value_or(0);
  for (size_t i = 0; i < in.restricted_test.size(); ++i)
    if (in.checkpoint_steps[i] >= after && in.restricted_test[i] < chance) {
      ph.t_restricted_below_chance = in.checkpoint_steps[i];
      break;
    }
  // Excluded loss "rises" once it exceeds chance while the model fits its train set.
  for (size_t i = 0; i < in.excluded_train.size(); ++i)
    if (in.excluded_train[i] > chance && in.checkpoint_train_loss[i] < 0.5 * chance) {
      ph.t_excluded_rise = in.checkpoint_steps[i];
      break;
    }
  // Cleanup ends when the weight norm and the restricted-minus-test gap stop moving.
  if (ph.t_form && !in.total_norm.empty()) {
    auto norm_from = settled_from(in.total_norm, 0.01 * std::abs(in.total_norm.back()));
    int64_t t_norm = in.steps[std::min(*norm_from, in.steps.size() - 1)];
    int64_t t_gap = 0;
    if (!in.restricted_test.empty()) {
      std::vector<double> gap;
      for (size_t i = 0; i < in.restricted_test.size(); ++i) gap.push_back(in.restricted_test[i] - in.checkpoint_test_loss[i]);
      auto [lo, hi] = std::minmax_element(gap.begin(), gap.end());
      auto gap_from = settled_from(gap, 0.01 * (*hi - *lo));
      t_gap = in.checkpoint_steps[std::min(*gap_from, gap.size() - 1)];
    }
    ph.t_clean = std::max({t_norm, t_gap, *ph.t_form});
    ph.evidence.push_back(fmt::format("t_clean: from step {} on, ||theta|| stays within 1% of its final {:.2f} "
                                      "(from step {}) and restricted-minus-test loss within 1% of its range "
                                      "(from step {})",
                                      *ph.t_clean, in.total_norm.back(), t_norm, t_gap));
    double before = at_step(in.steps, in.total_norm, *ph.t_form), at_clean = at_step(in.steps, in.total_norm, *ph.t_clean);
    if (before > 0) ph.norm_drop_during_cleanup = (before - at_clean) / before;
  }
  return ph;
}

std::string tell_story(const PhaseInputs& in, const Phases& ph) {
  const double chance = std::log(static_cast<double>(in.p));
  const auto& a = ph.acc;
  const std::string note = in.fourier_note.empty() ? "" : " (No Fourier analysis: " + in.fourier_note + ".)";
  if (!a.t_mem) {
    return fmt::format("The model did not memorise its training set in {} steps (train accuracy never reached 99%).",
                       with_commas(in.steps.empty() ? 0 : in.steps.back())) +
           note;
  }
  std::string s = fmt::format("Memorised the training set by step {} (train accuracy >= 99%, test accuracy {:.0f}%)",
                              with_commas(*a.t_mem), 100 * a.test_acc_at_mem.value_or(0));
  if (ph.t_test_peak && ph.test_loss_peak > chance)
    s += fmt::format("; test loss peaked at {:.1f} at step {}, far above chance ({:.2f}).", ph.test_loss_peak,
                     with_commas(*ph.t_test_peak), chance);
  else
    s += ".";
  if (!in.key_frequencies.empty() && ph.t_restricted_below_chance) {
    double test_then = at_step(in.steps, in.test_loss, *ph.t_restricted_below_chance);
    s += fmt::format(" Restricted loss on the key frequencies {} fell below chance at step {} while test loss was "
                     "still {:.1f}",
                     join(in.key_frequencies), with_commas(*ph.t_restricted_below_chance), test_then);
    s += ph.t_excluded_rise ? fmt::format(", and excluded loss rose above chance at step {} while train loss stayed "
                                          "low: the memorising solution was being replaced.",
                                          with_commas(*ph.t_excluded_rise))
                            : ".";
  }
  if (a.t_grok) {
    s += fmt::format(" Generalised (test accuracy >= 99%) at step {}", with_commas(*a.t_grok));
    if (!in.key_frequencies.empty()) s += fmt::format(" using frequencies {}", join(in.key_frequencies));
    s += fmt::format(", {} steps after memorising.", with_commas(*a.t_grok - *a.t_mem));
  } else {
    double best = in.test_acc.empty() ? 0 : *std::max_element(in.test_acc.begin(), in.test_acc.end());
    s += fmt::format(" It did not generalise within {} steps (test accuracy peaked at {:.0f}%).",
                     with_commas(in.steps.back()), 100 * best);
    if (in.key_frequencies.empty() && in.fourier_note.empty()) s += " No key frequencies emerged.";
  }
  if (ph.t_form && ph.t_clean && ph.norm_drop_during_cleanup)
    s += fmt::format(" During cleanup (steps {} to {}) the total weight norm {} {:.0f}%.", with_commas(*ph.t_form),
                     with_commas(*ph.t_clean), *ph.norm_drop_during_cleanup >= 0 ? "fell" : "rose",
                     100 * std::abs(*ph.norm_drop_during_cleanup));
  return s + note;
}

nlohmann::ordered_json phases_json(const PhaseInputs& in, const Phases& ph) {
  nlohmann::ordered_json j;
  j["t_mem"] = opt(ph.acc.t_mem);
  j["t_form"] = opt(ph.t_form);
  j["t_clean"] = opt(ph.t_clean);
  j["t_grok"] = opt(ph.acc.t_grok);
  j["t_50"] = opt(ph.acc.t_50);
  j["t_95"] = opt(ph.acc.t_95);
  j["t_test_loss_peak"] = opt(ph.t_test_peak);
  j["t_restricted_below_chance"] = opt(ph.t_restricted_below_chance);
  j["t_excluded_rise"] = opt(ph.t_excluded_rise);
  j["key_frequencies"] = in.key_frequencies;
  j["norm_drop_during_cleanup"] =
      ph.norm_drop_during_cleanup ? nlohmann::ordered_json(*ph.norm_drop_during_cleanup) : nlohmann::ordered_json(nullptr);
  j["evidence"] = ph.evidence;
  j["story"] = tell_story(in, ph);
  return j;
}

}  // namespace grok
