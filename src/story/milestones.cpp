// milestones.cpp — accuracy milestones of a run.
#include "grok/story/milestones.h"

#include <fmt/core.h>

namespace grok {
namespace {

std::optional<size_t> first_at_least(const std::vector<double>& v, double threshold) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] >= threshold) return i;
  return std::nullopt;
}

}  // namespace

AccuracyMilestones accuracy_milestones(const std::vector<int64_t>& steps, const std::vector<double>& train_acc,
                                       const std::vector<double>& test_acc) {
  AccuracyMilestones m;
  auto step_of = [&](std::optional<size_t> i) -> std::optional<int64_t> {
    if (i) return steps[*i];
    return std::nullopt;
  };
  auto mem = first_at_least(train_acc, 0.99);
  m.t_mem = step_of(mem);
  if (mem) m.test_acc_at_mem = test_acc[*mem];
  m.t_50 = step_of(first_at_least(test_acc, 0.50));
  m.t_95 = step_of(first_at_least(test_acc, 0.95));
  m.t_grok = step_of(first_at_least(test_acc, 0.99));
  return m;
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

std::string describe_milestones(const AccuracyMilestones& m) {
  if (!m.t_mem) return "did not memorise the training set (train accuracy never reached 99%)";
  std::string s = fmt::format("memorised by step {} (train accuracy >= 99%, test accuracy then {:.1f}%)",
                              with_commas(*m.t_mem), 100.0 * m.test_acc_at_mem.value_or(0));
  if (!m.t_grok) return s + "; did not generalise (test accuracy never reached 99%)";
  s += fmt::format("; generalised by step {} (test accuracy >= 99%", with_commas(*m.t_grok));
  if (m.t_50) s += fmt::format("; 50% at step {}", with_commas(*m.t_50));
  s += ")";
  if (m.test_acc_at_mem.value_or(1.0) < 0.5 && *m.t_grok > *m.t_mem)
    s += fmt::format(" — it grokked {} steps after memorising", with_commas(*m.t_grok - *m.t_mem));
  return s;
}

}  // namespace grok
