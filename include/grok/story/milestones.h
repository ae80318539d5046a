// milestones.h — when a run memorised and when it generalised, from its metric curves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grok {

// Operational definitions (docs/probe-file.md, "Phases"; thresholds in
// grok/story/thresholds.h):
//   t_mem  = first evaluated step with train accuracy >= kMemorisedAccuracy (99%)
//   t_50 / t_95 / t_grok = first evaluated step with test accuracy >= 50% / 95% / kGrokAccuracy (99%)
// These are the accuracy milestones, kept as their own table; the paper's phases come
// from the progress measures instead (grok/story/story.h).
// std::nullopt where the threshold was never reached.
struct AccuracyMilestones {
  std::optional<int64_t> t_mem;
  std::optional<int64_t> t_50;
  std::optional<int64_t> t_95;
  std::optional<int64_t> t_grok;
  // Test accuracy at t_mem: below 0.5 means the model memorised before it generalised.
  std::optional<double> test_acc_at_mem;
};

AccuracyMilestones accuracy_milestones(const std::vector<int64_t>& steps, const std::vector<double>& train_acc,
                                       const std::vector<double>& test_acc);

// Grokked: generalised (t_grok) after memorising first (test accuracy below 50% at t_mem).
// A run that generalises as it fits its train set has t_grok but did not grok.
bool grokked(const AccuracyMilestones& m);

// The first of `steps` whose value is >= threshold (std::nullopt: never).
std::optional<int64_t> first_step_at_least(const std::vector<int64_t>& steps, const std::vector<double>& values,
                                           double threshold);

// "memorised by step 1,400; generalised (test acc >= 99%) by step 11,800" etc.
std::string describe_milestones(const AccuracyMilestones& m);

// 0.99 -> "99%".
std::string percent(double fraction);

// 59.6 -> "1m00s", 7 -> "7s", 7384 -> "2h03m"; "?" for a negative or unknown time.
std::string format_duration(double seconds);

// 12345 -> "12,345".
std::string with_commas(int64_t n);

}  // namespace grok
