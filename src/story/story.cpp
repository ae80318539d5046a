// story.cpp — the story of a run told from its phases, with their numbers, and the
// phases as JSON. Claims only what the curves support.
#include "grok/story/story.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "curves.h"
#include "grok/story/thresholds.h"

namespace grok {
namespace {

using curves::join;
using curves::value_at;

nlohmann::ordered_json opt(const std::optional<int64_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}
nlohmann::ordered_json opt(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string memorisation_sentence(const PhaseInputs& in, const Phases& ph) {
  const double chance = in.chance_loss();
  const int64_t fitted = ph.t_train_fitted.value_or(*ph.memorisation.end);
  std::string s = fmt::format("Memorised the training set by step {}", with_commas(fitted));
  if (ph.fitted_by_loss)
    s += fmt::format(" (train loss below {:.3f}, {} of chance", kMemorisedTrainLossFraction * chance,
                     percent(kMemorisedTrainLossFraction));
  else
    s += " (the train-accuracy milestone";
  if (ph.acc.t_mem)
    s += fmt::format("; train accuracy >= {} from step {}, test accuracy then {:.0f}%)", percent(kMemorisedAccuracy),
                     with_commas(*ph.acc.t_mem), 100 * ph.acc.test_acc_at_mem.value_or(0));
  else
    s += ")";
  if (ph.t_test_peak && ph.test_loss_peak > chance)
    s += fmt::format("; test loss peaked at {:.1f} at step {}, {}above chance ({:.2f})", ph.test_loss_peak,
                     with_commas(*ph.t_test_peak), ph.test_loss_peak > 2 * chance ? "far " : "", chance);
  if (*ph.memorisation.end > fitted)
    s += fmt::format("; memorisation ended at step {}, when test loss stopped rising",
                     with_commas(*ph.memorisation.end));
  return s + ".";
}

// "frequencies {9, 10, 15}" or, for a group task, "irreps {sign, standard}".
std::string key_set(const PhaseInputs& in) {
  if (!in.by_irreps) return "frequencies " + join(in.key_frequencies);
  std::string s;
  for (const std::string& name : in.key_irreps) s += (s.empty() ? "" : ", ") + name;
  return "irreps {" + s + "}";
}

// What the restricted loss shows, against its null band or (weaker) against chance only.
std::string restricted_clause(const PhaseInputs& in, const Phases& ph) {
  const std::string keys = key_set(in);
  if (ph.null_band_available && ph.t_restricted_separates) {
    const int64_t t = *ph.t_restricted_separates;
    std::string s = fmt::format(
        "from step {} restricted loss on the key {} ({:.2f}) fell below its "
        "null band (random frequency sets: {:.2f} ± {:.2f})",
        with_commas(t), keys, value_at(in.checkpoint_steps, in.restricted_test, t),
        value_at(in.checkpoint_steps, in.restricted_null_mean, t),
        value_at(in.checkpoint_steps, in.restricted_null_sd, t));
    if (!in.test_loss.empty()) s += fmt::format(" while test loss was {:.1f}", value_at(in.steps, in.test_loss, t));
    if (ph.memorisation.end && t < *ph.memorisation.end) s += " (already during memorisation)";
    return s;
  }
  if (ph.null_band_available)
    return fmt::format(
        "restricted loss on the key {} stayed within its null band (random frequency "
        "sets), so it shows no circuit",
        keys);
  if (ph.t_restricted_below_chance)
    return fmt::format(
        "restricted loss on the key {} fell below chance at step {} (compared with chance "
        "only: no null band was computed, and memorisation alone pushes it below chance)",
        keys, with_commas(*ph.t_restricted_below_chance));
  return "";
}

std::string excluded_clause(const PhaseInputs& in, const Phases& ph) {
  if (in.excluded_train.empty()) return "";
  if (!ph.t_excluded_rise) return "excluded loss never rose away from train loss";
  std::string s = fmt::format("excluded loss rose above train loss from step {}", with_commas(*ph.t_excluded_rise));
  if (ph.cleanup.start && *ph.t_excluded_rise >= *ph.cleanup.start) s += " (as cleanup began)";
  return s;
}

// Test accuracy is flat during circuit formation: say how high it got.
std::string test_accuracy_clause(const PhaseInputs& in, int64_t from, int64_t to) {
  if (in.test_acc.empty()) return "";
  double best = 0;
  for (size_t i = curves::row_from(in.steps, from); i < in.steps.size() && in.steps[i] < to; ++i)
    best = std::max(best, in.test_acc[i]);
  return fmt::format("; test accuracy stayed at or below {:.0f}%", 100 * best);
}

std::string circuit_sentence(const PhaseInputs& in, const Phases& ph) {
  if (in.restricted_test.empty() && in.excluded_train.empty()) {
    std::string why = in.fourier_note.empty() ? "" : " (" + in.fourier_note + ")";
    return fmt::format(" Circuit formation cannot be seen without the restricted and excluded losses{}.", why);
  }
  std::vector<std::string> parts;
  for (std::string c : {restricted_clause(in, ph), excluded_clause(in, ph)})
    if (!c.empty()) parts.push_back(c);
  std::string body = parts.empty() ? "" : parts[0];
  if (parts.size() > 1) body += "; " + parts[1];
  const auto& cf = ph.circuit_formation;
  if (!cf.start) return body.empty() ? "" : " No circuit formation was seen: " + body + ".";
  body += test_accuracy_clause(in, *cf.start, cf.end.value_or(in.steps.back()));
  const std::string open_end = in.test_loss.empty() ? "its end cannot be seen without the test-loss curve"
                                                    : "still under way when the run ended";
  const std::string span = cf.end ? fmt::format(" (steps {} to {})", with_commas(*cf.start), with_commas(*cf.end))
                                  : fmt::format(" (from step {}, {})", with_commas(*cf.start), open_end);
  return " Circuit formation" + span + ": " + body + ".";
}

std::string cleanup_sentence(const PhaseInputs& in, const Phases& ph) {
  const auto& c = ph.cleanup;
  if (in.test_loss.empty()) return " Cleanup cannot be seen without the test-loss curve.";
  if (!c.start)
    return fmt::format(" No cleanup: the test loss never fell below chance ({:.2f}) after memorising.",
                       in.chance_loss());
  const int64_t until = c.end.value_or(in.steps.back());
  std::string s =
      c.end ? fmt::format(" Cleanup from step {} to {}: ", with_commas(*c.start), with_commas(*c.end))
            : fmt::format(" Cleanup from step {}, not finished when the run ended at step {}: ", with_commas(*c.start),
                          with_commas(until));
  s += fmt::format("test loss fell from {:.1f} to {:.3g}", value_at(in.steps, in.test_loss, *c.start),
                   value_at(in.steps, in.test_loss, until));
  if (!in.restricted_test.empty()) {
    double r0 = value_at(in.checkpoint_steps, in.restricted_test, *c.start);
    double r1 = value_at(in.checkpoint_steps, in.restricted_test, until);
    if (r1 < r0) s += fmt::format(" and restricted loss with it, from {:.2f} to {:.3g}", r0, r1);
  }
  if (ph.norm_drop_during_cleanup)
    s += fmt::format(", and the weight norm {} {:.0f}%", *ph.norm_drop_during_cleanup >= 0 ? "fell" : "rose",
                     100 * std::abs(*ph.norm_drop_during_cleanup));
  return s + ".";
}

std::string generalisation_sentence(const PhaseInputs& in, const Phases& ph) {
  const auto& a = ph.acc;
  if (a.t_grok) {
    std::string s =
        fmt::format(" Generalised (test accuracy >= {}) at step {}", percent(kGrokAccuracy), with_commas(*a.t_grok));
    if (!(in.by_irreps ? in.key_irreps.empty() : in.key_frequencies.empty())) s += " using " + key_set(in);
    if (ph.memorisation.end)
      s += fmt::format(", {} steps after memorising", with_commas(*a.t_grok - *ph.memorisation.end));
    return s + ".";
  }
  double best = in.test_acc.empty() ? 0 : *std::max_element(in.test_acc.begin(), in.test_acc.end());
  std::string s = fmt::format(" It did not generalise within {} steps (test accuracy peaked at {:.0f}%).",
                              with_commas(in.steps.back()), 100 * best);
  if (in.by_irreps && in.key_irreps.empty()) s += " No key irreps emerged.";
  if (!in.by_irreps && in.key_frequencies.empty() && in.fourier_note.empty()) s += " No key frequencies emerged.";
  return s;
}

}  // namespace

std::string tell_story(const PhaseInputs& in, const Phases& ph) {
  std::string note = in.fourier_note.empty() ? "" : " (No Fourier analysis: " + in.fourier_note + ".)";
  if (!in.loss_note.empty()) note += " (No loss curves: " + in.loss_note + ".)";
  if (in.steps.empty()) return "The run has no evaluated steps." + note;
  if (!ph.memorisation.end)
    return fmt::format("The model did not memorise its training set in {} steps (train accuracy never reached {}).",
                       with_commas(in.steps.back()), percent(kMemorisedAccuracy)) +
           note;
  return memorisation_sentence(in, ph) + circuit_sentence(in, ph) + cleanup_sentence(in, ph) +
         generalisation_sentence(in, ph) + note;
}

nlohmann::ordered_json phases_json(const PhaseInputs& in, const Phases& ph) {
  nlohmann::ordered_json j;
  j["t_mem"] = opt(ph.acc.t_mem);
  j["t_50"] = opt(ph.acc.t_50);
  j["t_95"] = opt(ph.acc.t_95);
  j["t_grok"] = opt(ph.acc.t_grok);
  j["accuracy_milestones"] = {{"t_mem", opt(ph.acc.t_mem)},
                              {"t_50", opt(ph.acc.t_50)},
                              {"t_95", opt(ph.acc.t_95)},
                              {"t_grok", opt(ph.acc.t_grok)},
                              {"test_acc_at_mem", opt(ph.acc.test_acc_at_mem)}};
  nlohmann::ordered_json why = nlohmann::ordered_json::object();
  auto span = [&](const std::string& name, const PhaseSpan& p) {
    j[name + "_start"] = opt(p.start);
    j[name + "_end"] = opt(p.end);
    why[name + "_start"] = p.start_evidence;
    why[name + "_end"] = p.end_evidence;
  };
  span("memorisation", ph.memorisation);
  span("circuit_formation", ph.circuit_formation);
  span("cleanup", ph.cleanup);
  j["boundary_evidence"] = why;
  j["t_train_fitted"] = opt(ph.t_train_fitted);
  j["fitted_by_loss"] = ph.fitted_by_loss;
  j["t_test_loss_peak"] = opt(ph.t_test_peak);
  j["test_loss_peak"] = ph.t_test_peak ? nlohmann::ordered_json(ph.test_loss_peak) : nlohmann::ordered_json(nullptr);
  j["t_test_below_chance"] = opt(ph.t_test_below_chance);
  j["t_restricted_separates"] = opt(ph.t_restricted_separates);
  j["restricted_null_band"] = ph.null_band_available;
  j["t_restricted_below_chance"] = opt(ph.t_restricted_below_chance);
  j["t_excluded_rise"] = opt(ph.t_excluded_rise);
  j["norm_drop_during_cleanup"] = opt(ph.norm_drop_during_cleanup);
  j["key_frequencies"] = in.key_frequencies;
  if (in.by_irreps) j["key_irreps"] = in.key_irreps;
  j["evidence"] = ph.evidence;
  j["story"] = tell_story(in, ph);
  return j;
}

}  // namespace grok
