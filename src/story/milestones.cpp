// milestones.cpp — accuracy milestones of a run.
#include "grok/story/milestones.h"

#include <fmt/core.h>

#include <cmath>

#include "grok/story/thresholds.h"

namespace grok {
namespace {

std::optional<size_t> first_at_least(const std::vector<double>& v, double threshold) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] >= threshold) return i;
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> first_step_at_least(const std::vector<int64_t>& steps, const std::vector<double>& values,
                                           double threshold) {
  if (auto i = first_at_least(values, threshold)) return steps[*i];
  return std::nullopt;
}

AccuracyMilestones accuracy_milestones(const std::vector<int64_t>& steps, const std::vector<double>& train_acc,
                                       const std::vector<double>& test_acc) {
  AccuracyMilestones m;
  auto step_of = [&](std::optional<size_t> i) -> std::optional<int64_t> {
    if (i) return steps[*i];
    return std::nullopt;
  };
  auto mem = first_at_least(train_acc, kMemorisedAccuracy);
  m.t_mem = step_of(mem);
  if (mem) m.test_acc_at_mem = test_acc[*mem];
  m.t_50 = step_of(first_at_least(test_acc, kTest50Accuracy));
  m.t_95 = step_of(first_at_least(test_acc, kTest95Accuracy));
  m.t_grok = step_of(first_at_least(test_acc, kGrokAccuracy));
  return m;
}

std::string format_duration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "?";
  const auto total = static_cast<int64_t>(seconds + 0.5);  // round once, so 59.6 s is 1m00s, not 60s
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}h{:02d}m", total / 3600, total % 3600 / 60);
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string percent(double fraction) { return fmt::format("{:.0f}%", 100.0 * fraction); }

std::string describe_milestones(const AccuracyMilestones& m) {
  const std::string mem = percent(kMemorisedAccuracy), grok = percent(kGrokAccuracy);
  if (!m.t_mem) return fmt::format("did not memorise the training set (train accuracy never reached {})", mem);
  std::string s = fmt::format("memorised by step {} (train accuracy >= {}, test accuracy then {:.1f}%)",
                              with_commas(*m.t_mem), mem, 100.0 * m.test_acc_at_mem.value_or(0));
  if (!m.t_grok) return s + fmt::format("; did not generalise (test accuracy never reached {})", grok);
  s += fmt::format("; generalised by step {} (test accuracy >= {}", with_commas(*m.t_grok), grok);
  if (m.t_50) s += fmt::format("; {} at step {}", percent(kTest50Accuracy), with_commas(*m.t_50));
  s += ")";
  // Below half accuracy at t_mem: the model memorised first and generalised later.
  if (m.test_acc_at_mem.value_or(1.0) < kTest50Accuracy && *m.t_grok > *m.t_mem)
    s += fmt::format(" — it grokked {} steps after memorising", with_commas(*m.t_grok - *m.t_mem));
  return s;
}

bool grokked(const AccuracyMilestones& m) {
  return m.t_grok.has_value() && m.test_acc_at_mem.value_or(1.0) < kTest50Accuracy;
}

}  // namespace grok
