// grid.h — the full input grid as tensors: index i = a*p + b, row-major over (a, b).
#pragma once

#include <ATen/ATen.h>

#include "grok/model/model.h"

namespace grok {

// Grid indices [n] -> pairs [n, 2] int64 (a, b).
inline at::Tensor pairs_of(const at::Tensor& grid_index, int64_t p) {
  return at::stack({grid_index.div(p, "floor"), grid_index.remainder(p)}, 1);
}

// Every pair of the grid, [p*p, 2] int64, on `device`.
inline at::Tensor grid_pairs(int64_t p, c10::Device device = at::kCPU) {
  return pairs_of(at::arange(p * p, at::TensorOptions(at::kLong).device(device)), p);
}

// (a + b) mod p for every pair of the grid, [p*p] int64, on `device`.
inline at::Tensor grid_sums(int64_t p, c10::Device device = at::kCPU) {
  at::Tensor ab = grid_pairs(p, device);
  return (ab.select(1, 0) + ab.select(1, 1)).remainder(p);
}

// The model on every pair of the grid, without autograd: logits [p*p, p]
// (row a*p + b), and every hook into `cache` when given.
at::Tensor grid_logits(const Model& model, ActivationCache* cache = nullptr);

}  // namespace grok
