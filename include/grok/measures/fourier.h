// fourier.h — the Fourier basis over Z_p and Fourier norms (definitions: docs/probe-file.md).
//
// B is the p x p orthonormal matrix with rows [const, cos_1, sin_1, cos_2, sin_2, ...]:
// row 0 = 1/sqrt(p); row 2k-1 = cos(w_k x), row 2k = sin(w_k x), each scaled to
// unit norm over x = 0..p-1, with w_k = 2*pi*k/p and k = 1..floor(p/2). For even
// p the last frequency k = p/2 has only a cos row (sin(pi x) = 0 everywhere), so
// B is p x p for every p. All tensors here are float64, on the device of the tensor
// argument (or `device`).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace grok {

// Number of non-constant frequencies: floor(p/2).
inline int64_t n_frequencies(int64_t p) { return p / 2; }

// [p, p] float64, rows as above.
at::Tensor fourier_basis(int64_t p, c10::Device device = at::kCPU);

// Rows of B that belong to frequency k (1-based): {2k-1, 2k}, or {2k-1} for k = p/2, p even.
std::vector<int64_t> frequency_rows(int64_t p, int64_t k);

// The frequency of each row of B: [p] int64, 0 for the constant row, k for rows 2k-1 and 2k.
at::Tensor row_frequencies(int64_t p, c10::Device device = at::kCPU);

// "const", "cos 1", "sin 1", ... — one name per row of B.
std::vector<std::string> fourier_row_names(int64_t p);

// Fourier norm of M [p, d] along axis 0: for each k = 1..floor(p/2), the
// squared norm of (B M)'s cos and sin rows together. Returns [floor(p/2)].
at::Tensor fourier_norms(const at::Tensor& M);

// The same per column of M [p, d]: [floor(p/2), d].
at::Tensor fourier_norms_per_column(const at::Tensor& M);

// Squared norm of (B M)'s constant row.
double fourier_constant_norm(const at::Tensor& M);

// 2-D transform over the first two axes of T [p, p, ...]: B T B^T.
at::Tensor fourier_transform_2d(const at::Tensor& T);

}  // namespace grok
