// sparsity.cpp — Gini coefficient and inverse participation ratio.
#include "grok/measures/sparsity.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace grok {

double gini(const std::vector<double>& v) {
  const double total = std::accumulate(v.begin(), v.end(), 0.0);
  if (v.empty() || total <= 0) return 0.0;
  // sum_i sum_j |v_i - v_j| = 2 sum_i (2i - n + 1) v_(i) over the sorted values (O(n log n)).
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  const double n = static_cast<double>(s.size());
  double pair_sum = 0;
  for (size_t i = 0; i < s.size(); ++i) pair_sum += 2.0 * (2.0 * static_cast<double>(i) - n + 1.0) * s[i];
  return pair_sum / (2.0 * n * total);
}

double inverse_participation_ratio(const std::vector<double>& squared_norms) {
  double sum = 0, sum_sq = 0;
  for (double s : squared_norms) {
    sum += s;
    sum_sq += s * s;
  }
  return sum > 0 ? sum_sq / (sum * sum) : 0.0;
}

}  // namespace grok
