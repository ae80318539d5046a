// table_mix.h — weighted sums of table rows chosen by token: the factored forward's kernel.
//
// A one-layer transformer's residual stream at '=' is a weighted sum of per-token rows
// (attention weight times a token's value, through W_O and whatever reads the stream), so
// everything the MLP and the unembedding read from it is a sum of rows of per-token tables:
//
//   out[k, b, :] = base[k, :] + sum over h, pos of  weight[k, b, h, pos] * table[k, h, pos, token[b, pos], :]
//
//   table [K, H, n, V, W] float32 or float64, token [B, n] int64 in 0..V-1 (shared by the
//   members), weight [K, B, H, n], base [K, W] (the same dtype)  ->  out [K, B, W].
//
// On the CPU a hand-written kernel computes it and its gradients (with respect to table,
// weight and base) without materialising the [K, B, H, n, W] gathered rows; every output element is
// summed in a fixed order, so results do not depend on the thread count or the SIMD width,
// and member k's numbers do not depend on K. Elsewhere (CUDA) the reference composition of
// ATen gathers is used, differentiated by autograd.
#pragma once

#include <ATen/ATen.h>

namespace grok {

// Differentiable with respect to table, weight and base.
at::Tensor table_mix(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                     const at::Tensor& base);

// d loss / d table [K, H, n, V, W], d weight [K, B, H, n], d base [K, W] from dout = d loss / d out
// [K, B, W], without autograd: what table_mix's backward computes (the kernels on the CPU, the
// reference's gradients elsewhere), for a step whose backward is written out.
struct TableMixGradients {
  at::Tensor table, weight, base;
};
TableMixGradients table_mix_gradients(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                                      const at::Tensor& dout);

// The same sum from ATen ops (index_select, broadcast multiply, sum): no code shared with the
// kernel, so tests check one against the other.
at::Tensor table_mix_reference(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                               const at::Tensor& base);
// Its gradients from ATen ops (index_add_, broadcast multiply, sum): what table_mix_gradients
// computes off the CPU.
TableMixGradients table_mix_gradients_reference(const at::Tensor& table, const at::Tensor& token,
                                                const at::Tensor& weight, const at::Tensor& dout);

}  // namespace grok
