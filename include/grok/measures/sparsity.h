// sparsity.h — how concentrated a non-negative vector is (Gini, inverse participation ratio).
#pragma once

#include <vector>

namespace grok {

// G = sum_i sum_j |v_i - v_j| / (2 n sum_i v_i): 0 for a uniform vector,
// (n-1)/n for a single non-zero entry. 0 for an all-zero vector.
double gini(const std::vector<double>& v);

// IPR of Fourier norms nu (Gromov 2023): sum nu_k^4 / (sum nu_k^2)^2, where the
// Fourier norms here are *squared* norms s_k, so nu_k^2 = s_k: IPR = sum s_k^2 / (sum s_k)^2.
// 1 for one frequency, 1/n for n equal ones.
double inverse_participation_ratio(const std::vector<double>& squared_norms);

}  // namespace grok
