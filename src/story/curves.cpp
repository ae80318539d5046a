// curves.cpp — running medians, persistent crossings and step lookups.
#include "curves.h"

#include "grok/core/config.h"

#include <algorithm>
#include <cmath>

namespace grok::curves {

std::vector<double> running_median(const std::vector<double>& v, size_t width) {
  std::vector<double> out(v.size());
  const size_t half = width / 2;
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t lo = i >= half ? i - half : 0, hi = std::min(v.size(), i + half + 1);
    std::vector<double> w(v.begin() + static_cast<std::ptrdiff_t>(lo), v.begin() + static_cast<std::ptrdiff_t>(hi));
    std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2), w.end());
    out[i] = w[w.size() / 2];
  }
  return out;
}

std::optional<size_t> first_persistent(size_t from, size_t n, size_t rows, const std::function<bool(size_t)>& holds) {
  size_t run = 0;
  for (size_t i = from; i < n; ++i) {
    run = holds(i) ? run + 1 : 0;
    if (run == rows) return i + 1 - rows;
  }
  return std::nullopt;
}

size_t row_at(const std::vector<int64_t>& steps, int64_t step) {
  auto it = std::upper_bound(steps.begin(), steps.end(), step);
  return it == steps.begin() ? 0 : static_cast<size_t>(it - steps.begin()) - 1;
}

size_t row_from(const std::vector<int64_t>& steps, int64_t step) {
  return static_cast<size_t>(std::lower_bound(steps.begin(), steps.end(), step) - steps.begin());
}

double value_at(const std::vector<int64_t>& steps, const std::vector<double>& v, int64_t step) {
  return v[row_at(steps, step)];
}

double log_log_slope(const std::vector<int64_t>& steps, const std::vector<double>& v, size_t a, size_t b) {
  // Losses can underflow to exactly 0 in float32 training; keep the logarithm finite.
  constexpr double tiny = 1e-300;
  return (std::log(std::max(v[b], tiny)) - std::log(std::max(v[a], tiny))) /
         (std::log(static_cast<double>(steps[b])) - std::log(static_cast<double>(steps[a])));
}

std::string join(const std::vector<int64_t>& v) { return "{" + join_list(v, ", ") + "}"; }

}  // namespace grok::curves
