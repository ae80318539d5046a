// fourier.cpp — Fourier basis over Z_p, norms and 2-D transforms.
#include "grok/measures/fourier.h"

#include <cmath>

namespace grok {

at::Tensor fourier_basis(int64_t p, c10::Device device) {
  const at::TensorOptions f64 = at::TensorOptions(at::kDouble).device(device);
  at::Tensor x = at::arange(p, f64);
  std::vector<at::Tensor> rows{at::ones({p}, f64)};
  for (int64_t k = 1; k <= n_frequencies(p); ++k) {
    at::Tensor angle = x * (2.0 * M_PI * static_cast<double>(k) / static_cast<double>(p));
    rows.push_back(at::cos(angle));
    if (frequency_rows(p, k).size() == 2) rows.push_back(at::sin(angle));
  }
  at::Tensor B = at::stack(rows);
  return B / B.norm(2, {1}, true);
}

std::vector<int64_t> frequency_rows(int64_t p, int64_t k) {
  if (p % 2 == 0 && k == p / 2) return {2 * k - 1};
  return {2 * k - 1, 2 * k};
}

at::Tensor row_frequencies(int64_t p, c10::Device device) {
  at::Tensor rows = at::arange(p, at::TensorOptions(at::kLong).device(device));
  return (rows + 1).div(2, "floor");  // row r belongs to frequency ceil(r / 2)
}

std::vector<std::string> fourier_row_names(int64_t p) {
  std::vector<std::string> names{"const"};
  for (int64_t k = 1; k <= n_frequencies(p); ++k) {
    names.push_back("cos " + std::to_string(k));
    if (frequency_rows(p, k).size() == 2) names.push_back("sin " + std::to_string(k));
  }
  return names;
}

at::Tensor fourier_norms_per_column(const at::Tensor& M) {
  const int64_t p = M.size(0);
  at::Tensor rows_sq = at::matmul(fourier_basis(p, M.device()), M.to(at::kDouble).reshape({p, -1})).pow(2);  // [p, d]
  at::Tensor by_frequency = at::zeros({n_frequencies(p) + 1, rows_sq.size(1)}, rows_sq.options());
  return by_frequency.index_add_(0, row_frequencies(p, M.device()), rows_sq).slice(0, 1);  // drop the constant row
}

at::Tensor fourier_norms(const at::Tensor& M) { return fourier_norms_per_column(M).sum(1); }

double fourier_constant_norm(const at::Tensor& M) {
  const int64_t p = M.size(0);
  return at::matmul(fourier_basis(p, M.device()).select(0, 0), M.to(at::kDouble).reshape({p, -1}))
      .pow(2)
      .sum()
      .item<double>();
}

at::Tensor fourier_transform_2d(const at::Tensor& T) {
  const int64_t p = T.size(0);
  at::Tensor B = fourier_basis(p, T.device());
  std::vector<int64_t> shape = T.sizes().vec();
  at::Tensor t = T.to(at::kDouble).reshape({p, p, -1});                       // [a, b, r]
  at::Tensor over_a = at::matmul(B, t.reshape({p, -1})).reshape({p, p, -1});  // [i, b, r]
  at::Tensor over_b = at::matmul(B, over_a.transpose(0, 1).reshape({p, -1})).reshape({p, p, -1}).transpose(0, 1);
  return over_b.contiguous().reshape(shape);  // [i, j, ...]
}

}  // namespace grok
