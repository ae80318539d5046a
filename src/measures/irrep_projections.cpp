// irrep_projections.cpp — character similarity, irrep spans, restricted / excluded logits (see the header).
#include "grok/measures/irrep_projections.h"
#include "grok/measures/logit_projections.h"

#include <cmath>

namespace grok {
namespace {

at::Tensor product_index(const FiniteGroup& g, c10::Device device) { return at::tensor(g.table, at::kLong).to(device); }

// Σ_{ρ in K} P_ρ L as a table over g: [n(g), n(c)]. With u_q(a, b) = Q[a·b, q] / sqrt(n)
// (unit norm over the grid: n pairs share each product), u_q^T L = Q[:, q]^T M / sqrt(n),
// so the projection is Q Q^T M / n, read at row a·b. (Spans are made on the CPU, once.)
at::Tensor projection_by_product(const at::Tensor& M, const at::Tensor& span) {
  const at::Tensor Q = span.to(M.device());
  return at::matmul(Q, at::matmul(Q.t(), M)) / static_cast<double>(M.size(0));
}

}  // namespace

GroupLogitTable group_logit_table(const at::Tensor& L, const FiniteGroup& g) {
  GroupLogitTable t;
  const int64_t n = g.order;
  t.n = n;
  t.L = L.to(at::kDouble).contiguous();
  t.product = product_index(g, L.device());
  t.M = at::zeros({n, n}, t.L.options()).index_add_(0, t.product, t.L);
  std::vector<int64_t> q(static_cast<size_t>(n * n));
  for (int64_t x = 0; x < n; ++x)
    for (int64_t c = 0; c < n; ++c) q[static_cast<size_t>(x * n + c)] = g.mul(x, g.inverse(c));
  t.quotient = at::tensor(q, at::kLong).view({n, n}).to(L.device());
  t.column_mean = t.M.sum(0) / static_cast<double>(n * n);
  t.row_logsumexp = at::logsumexp(t.L, 1);
  const double norm_sq =
      t.L.pow(2).sum().item<double>() - static_cast<double>(n) * t.L.mean(1).pow(2).sum().item<double>();
  t.centred_norm = std::max(std::sqrt(std::max(norm_sq, 0.0)), 1e-300);
  return t;
}

double character_similarity(const GroupLogitTable& t, const Irrep& rho) {
  // <L', T> summed over the pairs with the same product: M centred per row, against χ(g·c^-1).
  at::Tensor Mc = t.M - t.M.mean(1, true);
  at::Tensor cube_by_product =
      rho.character.to(t.M.device()).index_select(0, t.quotient.reshape({-1})).view({t.n, t.n});
  const double inner = (Mc * cube_by_product).sum().item<double>();
  // ||T||^2 = Σ_{a,b,c} χ(a·b·c^-1)^2 = n^2 Σ_h χ(h)^2: for each (a, b), c runs over the group.
  const double cube_norm = static_cast<double>(t.n) * std::sqrt(rho.character.pow(2).sum().item<double>());
  return inner / (t.centred_norm * cube_norm);
}

at::Tensor irrep_span(const Irrep& rho) {
  const int64_t n = rho.matrices.size(0);
  at::Tensor R = rho.matrices.reshape({n, rho.dim * rho.dim});  // column ij: g -> ρ(g)_ij
  auto [U, S, Vh] = at::linalg_svd(R, /*full_matrices=*/false);
  const double tol = 1e-9 * std::max(S[0].item<double>(), 1.0);
  const int64_t rank = (S > tol).sum().item<int64_t>();
  return U.slice(1, 0, rank).contiguous();
}

at::Tensor joint_span(const std::vector<at::Tensor>& spans) {
  if (spans.empty()) return at::zeros({0, 0}, at::kDouble);
  return at::cat(spans, 1);
}

at::Tensor project_on_span(const at::Tensor& L, const FiniteGroup& g, const at::Tensor& Q) {
  const GroupLogitTable t = group_logit_table(L, g);
  if (Q.numel() == 0) return at::zeros_like(t.L);
  return projection_by_product(t.M, Q).index_select(0, t.product);
}

at::Tensor restricted_logits(const at::Tensor& L, const FiniteGroup& g, const at::Tensor& Q) {
  at::Tensor kept = project_on_span(L, g, Q);
  return kept + (L.to(at::kDouble) - kept).mean(0, true);
}

at::Tensor excluded_logits(const at::Tensor& L, const FiniteGroup& g, const at::Tensor& Q) {
  return L.to(at::kDouble) - project_on_span(L, g, Q);
}

double group_cross_entropy(const GroupLogitTable& t, const at::Tensor& labels, const at::Tensor& rows) {
  at::Tensor label_logit = t.L.view({-1}).index_select(0, rows * t.n + labels.index_select(0, rows));
  return (t.row_logsumexp.index_select(0, rows) - label_logit).mean().item<double>();
}

double group_restricted_loss(const GroupLogitTable& t, const at::Tensor& Q, const at::Tensor& labels,
                             const at::Tensor& rows) {
  at::Tensor T = Q.numel() == 0 ? at::zeros({t.n, t.n}, t.M.options()) : projection_by_product(t.M, Q);  // [g, c]
  // Bias correction: the grid mean of L − the projection; every g occurs n times on the grid.
  at::Tensor by_product = at::log_softmax(T + (t.column_mean - T.mean(0)), 1);
  at::Tensor picked =
      by_product.view({-1}).index_select(0, t.product.index_select(0, rows) * t.n + labels.index_select(0, rows));
  return -picked.mean().item<double>();
}

double group_excluded_loss(const GroupLogitTable& t, const at::Tensor& Q, const at::Tensor& labels,
                           const at::Tensor& rows) {
  at::Tensor logits = t.L.index_select(0, rows);
  if (Q.numel() > 0) logits = logits - projection_by_product(t.M, Q).index_select(0, t.product.index_select(0, rows));
  return mean_nll(logits, labels.index_select(0, rows));
}

at::Tensor span_fractions(const at::Tensor& E, const std::vector<at::Tensor>& spans) {
  at::Tensor e = E.to(at::kDouble);
  const double total = std::max(e.pow(2).sum().item<double>(), 1e-300);
  std::vector<double> out;
  for (const at::Tensor& Q : spans)
    out.push_back(at::matmul(Q.to(e.device()).t(), e).pow(2).sum().item<double>() / total);
  return at::tensor(out, at::kDouble);
}

}  // namespace grok
