// irrep_projections.h — the logits of a group task seen through the group's irreps
// (Chughtai, Chan & Nanda 2023, "A toy model of universality").
//
// L is the logit table on the full grid of a group G of order n, [n*n, n]: row a*n + b
// (the pair (a, b)), column c (the candidate answer a·b). Everything here depends on the
// pair only through g = a·b, so we first sum L over the n pairs with the same product
// (M[g, c], an [n, n] table) and work with that, as logit_projections.h does with a + b.
//
// - Character similarity of irrep ρ: the cosine between L' (L centred per row: softmax
//   ignores a per-input constant) and the character cube T_ρ[a, b, c] = tr ρ(a)ρ(b)ρ(c^-1)
//   = χ_ρ(a·b·c^-1) — Chughtai et al.'s code (utils/metrics.py, logit_trace_similarity).
// - The span of ρ: the functions of the pair f_ij(a, b) = ρ(a·b)_ij. P_ρ L projects each
//   column of L on it. For Z_p with ρ = freq_k it is logit_projections.h's P_k L exactly.
// - Restricted logits: Σ_{ρ in K} P_ρ L plus, per column c, the grid mean of (L − that
//   sum) (the bias correction of logit_projections.h); excluded logits: L − Σ_{ρ in K} P_ρ L.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "grok/core/group.h"
#include "grok/measures/irreps.h"

namespace grok {

// L prepared once for many projections and losses.
struct GroupLogitTable {
  int64_t n = 0;             // |G|
  at::Tensor L;              // [n*n, n] float64
  at::Tensor product;        // [n*n] int64: the index of a·b of each row
  at::Tensor M;              // [n, n] float64: M[g, c] = Σ over the pairs with a·b = g of L[(a, b), c]
  at::Tensor quotient;       // [n, n] int64: the index of g·c^-1
  at::Tensor column_mean;    // [n] float64: the grid mean of each column
  at::Tensor row_logsumexp;  // [n*n] float64
  double centred_norm = 0;   // ||L'||, L' = L centred per row
};
GroupLogitTable group_logit_table(const at::Tensor& L, const FiniteGroup& g);

// cos(L', T_ρ). 0 for the trivial irrep (its cube is constant, L' is centred).
double character_similarity(const GroupLogitTable& t, const Irrep& rho);

// An orthonormal basis, over the elements, of the span of ρ's matrix entries as functions
// of g: [n, r] float64 with r = d^2 for a real-type irrep (Schur), 2 for Z_p's freq_k.
at::Tensor irrep_span(const Irrep& rho);

// The bases of several irreps side by side, [n, Σ r] (orthonormal: the spans of
// inequivalent irreps are orthogonal).
at::Tensor joint_span(const std::vector<at::Tensor>& spans);

// Σ_{ρ in K} P_ρ L over the grid, [n*n, n], for the joint basis Q of K ([n, 0]: zero).
at::Tensor project_on_span(const at::Tensor& L, const FiniteGroup& g, const at::Tensor& Q);
// Restricted logits (with the bias correction) and excluded logits, [n*n, n] float64.
at::Tensor restricted_logits(const at::Tensor& L, const FiniteGroup& g, const at::Tensor& Q);
at::Tensor excluded_logits(const at::Tensor& L, const FiniteGroup& g, const at::Tensor& Q);

// Cross-entropy of L itself, of the restricted and of the excluded logits on grid rows
// `rows` (labels [n*n] int64), computed on those rows only.
double group_cross_entropy(const GroupLogitTable& t, const at::Tensor& labels, const at::Tensor& rows);
double group_restricted_loss(const GroupLogitTable& t, const at::Tensor& Q, const at::Tensor& labels,
                             const at::Tensor& rows);
double group_excluded_loss(const GroupLogitTable& t, const at::Tensor& Q, const at::Tensor& labels,
                           const at::Tensor& rows);

// Share of ||E||^2 in each span, E [n, d] a function of the element (e.g. the number
// embedding): ||Q_ρ^T E||^2 / ||E||^2 per irrep, [n_irreps] float64 (Chughtai et al.'s
// percent_x_embed; not centred). Sums to 1 when the spans cover R^n, as all of a
// group's irreps do.
at::Tensor span_fractions(const at::Tensor& E, const std::vector<at::Tensor>& spans);

}  // namespace grok
