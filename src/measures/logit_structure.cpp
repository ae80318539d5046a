// logit_structure.cpp — logit families and neuron->logit alignment.
//
// Every logit family depends on (a, b, c) only through a residue r = (a ± b - c)
// mod p, so its inner product with L is a wave over r dotted with G[r], the sum
// of L over the (a, b, c) with that residue: p^3 multiplications become p.
#include "grok/measures/logit_structure.h"

#include <cmath>
#include <limits>

#include "grok/measures/fourier.h"
#include "grok/model/grid.h"

namespace grok {
namespace {

// cos(w_k x) and sin(w_k x) over x = 0..p-1, unit norm: [n_freq, 2, p]. These
// are the Fourier basis rows 2k-1 and 2k; the sin of k = p/2 (even p) has no
// row and is zero.
at::Tensor unit_waves(int64_t p, c10::Device device) {
  at::Tensor B = fourier_basis(p, device);
  B = at::cat({B, at::zeros({1, p}, B.options())});  // [p+1, p]; row p = 0
  at::Tensor k = at::arange(1, n_frequencies(p) + 1, at::TensorOptions(at::kLong).device(device));
  at::Tensor rows = at::stack({2 * k - 1, 2 * k}, 1).reshape({-1});  // [2F]
  return B.index_select(0, rows).view({-1, 2, p});
}

// G[r] = sum of T[x, c] over the (x, c) with (x - c) mod p = r, for T [p(x), p(c)]: [p].
at::Tensor residue_sums(const at::Tensor& T, int64_t p) {
  at::Tensor v = at::arange(p, at::TensorOptions(at::kLong).device(T.device()));
  at::Tensor r = (v.unsqueeze(1) - v.unsqueeze(0)).remainder(p);  // [x, c]
  return at::zeros({p}, T.options()).index_add_(0, r.reshape({-1}), T.reshape({-1}));
}

// ||L'||^2 for L' = L centred per row: ||L||^2 - p * sum of squared row means.
double centred_norm_sq(const at::Tensor& L, int64_t p) {
  const double row_means_sq = L.mean(1).pow(2).sum().item<double>();
  return std::max(L.pow(2).sum().item<double>() - static_cast<double>(p) * row_means_sq, 0.0);
}

}  // namespace

LogitFamilies logit_families(const LogitTable& t) {
  const int64_t p = t.p;
  // Sums of L over pairs with the same a - b (D[d, c]), as H holds them for a + b.
  at::Tensor ab = grid_pairs(p, t.L.device());
  at::Tensor d = (ab.select(1, 0) - ab.select(1, 1)).remainder(p);        // [p*p]
  at::Tensor D = at::zeros({p, p}, t.L.options()).index_add_(0, d, t.L);  // [d, c]
  at::Tensor G = at::stack({residue_sums(t.H, p), residue_sums(D, p)});   // [2 (sum, diff), r]
  // Each residue occurs p^2 times on the [p^2, p] grid, so a family member's
  // norm is p times its wave's norm over r: <L, F> = wave . G / p.
  at::Tensor waves = unit_waves(p, t.L.device());  // [F, 2 (cos, sin), r]
  at::Tensor coef = at::matmul(waves.unsqueeze(1), G.unsqueeze(0).unsqueeze(-1)).squeeze(-1) /
                    static_cast<double>(p);  // [F, 2 (sum, diff), 2 (cos, sin)]
  LogitFamilies out;
  out.coefficient = coef.reshape({-1, kLogitFamilies});  // [F, 4]: cos+, sin+, cos-, sin-
  const double norm_sq = std::max(centred_norm_sq(t.L, p), 1e-300);
  out.fraction = out.coefficient.pow(2) / norm_sq;
  at::Tensor per_family = out.fraction.sum(0).cpu();
  out.family_total.assign(per_family.data_ptr<double>(), per_family.data_ptr<double>() + kLogitFamilies);
  out.total = per_family.sum().item<double>();
  return out;
}

LogitFamilies logit_families(const at::Tensor& L, int64_t p) { return logit_families(logit_table(L, p)); }

NeuronLogitAlignment neuron_logit_alignment(const at::Tensor& W_L, const at::Tensor& cluster) {
  const int64_t p = W_L.size(1), F = n_frequencies(p);
  at::Tensor R = W_L.to(at::kDouble);
  R = R - R.mean(1, true);  // [n, c], centred over c
  at::Tensor on_k =
      at::matmul(R, unit_waves(p, R.device()).view({2 * F, p}).t()).pow(2).view({-1, F, 2}).sum(2);  // [n, F]
  at::Tensor total = R.pow(2).sum(1);                                                                // [n]
  at::Tensor k = cluster.to(at::kLong);
  at::Tensor mine = on_k.gather(1, (k - 1).clamp_min(0).unsqueeze(1)).squeeze(1);  // [n]: share on the own cluster's k
  const double nan = std::numeric_limits<double>::quiet_NaN();
  at::Tensor fraction = at::where(total > 0, mine / total.clamp_min(1e-300), at::zeros_like(total));
  fraction = at::where(k.ge(1), fraction, at::full_like(fraction, nan));
  // Per cluster: sums and counts by index_add over the clustered neurons.
  at::Tensor in_cluster = k.ge(1).nonzero().squeeze(1);
  at::Tensor slot = k.index_select(0, in_cluster) - 1;
  at::Tensor sums = at::zeros({F}, fraction.options()), sizes = at::zeros({F}, slot.options());
  if (slot.numel() > 0) {  // (an empty index adds nothing, and LibTorch's lazy device fails on it)
    sums.index_add_(0, slot, fraction.index_select(0, in_cluster));
    sizes.index_add_(0, slot, at::ones_like(slot));
  }
  at::Tensor mean = at::where(sizes > 0, sums / sizes.clamp_min(1).to(at::kDouble), at::full_like(sums, nan));
  return {fraction, mean, sizes};
}

}  // namespace grok
