// transformer_backward.cpp — the one-layer transformer's training forward and its backward,
// written out (config.backward = manual): no autograd graph, about 100 ATen calls a step (views
// included) where autograd's forward and backward make about 500.
//
// Shapes: K members, B pairs, n = 3 positions, H heads, d = d_head, Hd = H * d, D = d_model,
// M = d_mlp, V = p + 1 tokens, P = p answers; tok [B, n] holds (a, b, '=').
// Only the last position feeds the loss, and layer 0 reads W_E[token] + W_pos[position], so
// keys, values and even the scores of the one query are rows of tables over the V tokens and
// n positions ("rows_at": row tok_i plus row V + i), gathered:
//
//   x      = W_E[=] + W_pos[n-1]                      [K, D]      the stream at '=' before the block
//   q      = x W_Q                                    [K, H, d]
//   s_i    = softmax_i(rows_at(E K . q) / sqrt(d))    [K, B, n, H]   E = [W_E; W_pos], K = W_K
//   a      = rate s + (1 - rate)                      (config.attention_rate; Zhong et al.)
//   z      = sum_i a_i rows_at(E W_V)_i               [K, B, H, d]
//   mid    = x + z W_O                                [K, B, D]
//   pre    = mid W_in,  post = act(pre)               [K, B, M]
//   out    = mid + post W_out                         [K, B, D]
//   logits = out W_U                                  [K, B, P]
//
// role_gradients() runs the chain rule back through the same lines; every product is a batched
// matmul over the member axis and every sum runs in a fixed order, so member k's numbers do not
// depend on K (as in forward_members).
#include "grok/model/transformer.h"

#include <cmath>

#include "grok/core/error.h"

namespace grok {
namespace {

// W [K, H, D, d] (TransformerLens) <-> [K, D, H * d]: all heads' columns side by side.
at::Tensor heads_as_columns(const at::Tensor& W) {
  return W.permute({0, 2, 1, 3}).reshape({W.size(0), W.size(2), W.size(1) * W.size(3)});
}
at::Tensor columns_as_heads(const at::Tensor& G, int64_t H) {
  return G.view({G.size(0), G.size(1), H, G.size(2) / H}).permute({0, 2, 1, 3}).contiguous();
}

at::Tensor transposed(const at::Tensor& t) { return t.transpose(1, 2); }  // [K, r, c] -> [K, c, r]

// d act(pre) / d pre times d_post.
at::Tensor activation_backward(const at::Tensor& d_post, const at::Tensor& pre, const std::string& act) {
  if (act == "relu") return at::threshold_backward(d_post, pre, 0);  // autograd's own: 0 where pre <= 0
  if (act == "quadratic") return d_post * pre * 2;
  if (act == "gelu") {  // x Phi(x) -> Phi(x) + x phi(x)
    const double inv_sqrt_2pi = 0.5 * M_2_SQRTPI * M_SQRT1_2;
    const at::Tensor slope = (at::erf(pre * M_SQRT1_2) + 1) * 0.5 + pre * at::exp(pre * pre * -0.5) * inv_sqrt_2pi;
    return d_post * slope;
  }
  throw InputError("backward = manual has no derivative of activation '" + act + "'");
}

// dst[k, index[j], :] += src[k, j, :] for j = 0, 1, ... in turn: index_add_ along axis 1, in its
// order. LibTorch's CPU index_add_ pays ~50 ns of dispatch per row (0.55 ms for nanda2023's
// 11,493 rows of 4 scores); this loop pays none. dst [K, R, W] with unit stride along W.
void add_rows(at::Tensor& dst, const at::Tensor& index, const at::Tensor& src) {
  if (!dst.device().is_cpu()) {
    dst.index_add_(1, index, src);
    return;
  }
  const at::Tensor idx = index.contiguous(), from = src.contiguous();
  const int64_t K = dst.size(0), N = idx.size(0), W = dst.size(2);
  const int64_t* row = idx.data_ptr<int64_t>();
  AT_DISPATCH_FLOATING_TYPES(dst.scalar_type(), "add_rows", [&] {
    for (int64_t k = 0; k < K; ++k) {
      scalar_t* out = dst.data_ptr<scalar_t>() + k * dst.stride(0);
      const scalar_t* in = from.data_ptr<scalar_t>() + k * N * W;
      for (int64_t j = 0; j < N; ++j)
        for (int64_t c = 0; c < W; ++c) out[row[j] * dst.stride(1) + c] += in[j * W + c];
    }
  });
}

class OneLayerPass final : public ManualPass {
 public:
  struct Weights {
    at::Tensor W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out, W_U;
  };

  OneLayerPass(const Weights& w, const at::Tensor& tok, const Config& c) : w_(w), act_(c.act) {
    rate_ = c.attention_rate;
    scale_ = 1.0 / std::sqrt(static_cast<double>(c.d_head));
    K_ = w.W_E.size(0), V_ = w.W_E.size(1), D_ = w.W_E.size(2), n_ = w.W_pos.size(1);
    H_ = w.W_Q.size(1), d_ = w.W_Q.size(3), B_ = tok.size(0);
    forward(tok);
  }

  std::vector<at::Tensor> gradients(const at::Tensor& d_logits) const override;

  // The gradients by role, for gradients() to put in parameters() order.
  Weights role_gradients(const at::Tensor& d_logits) const;

 private:
  void forward(const at::Tensor& tok) {
    const int64_t K = K_, B = B_, n = n_, H = H_, d = d_, Hd = H * d;
    flat_tok_ = tok.reshape({-1});                              // [B n]
    x_ = w_.W_E.select(1, V_ - 1) + w_.W_pos.select(1, n - 1);  // [K, D]; '=' is token p = V - 1
    W_Q_ = heads_as_columns(w_.W_Q);                            // [K, D, Hd]
    q_ = at::bmm(x_.unsqueeze(1), W_Q_).view({K, 1, H, d});     // [K, 1, H, d]
    // Keys and values of every token (rows 0..V-1) and position (rows V..V+n-1).
    embed_ = at::cat({w_.W_E, w_.W_pos}, 1);                           // [K, V + n, D]
    W_K_ = heads_as_columns(w_.W_K), W_V_ = heads_as_columns(w_.W_V);  // [K, D, Hd]
    key_table_ = at::bmm(embed_, W_K_).view({K, V_ + n, H, d});        // [K, V + n, H, d]
    // One query: q . k_i = q . (key row of tok_i) + q . (key row of position i), so the scores
    // are rows of a [V + n, H] table, gathered.
    const at::Tensor score_table = (key_table_ * q_).sum(-1) * scale_;      // [K, V + n, H]
    softmax_ = at::softmax(rows_at(score_table), 2);                        // [K, B, n, H]
    pattern_ = rate_ == 1.0 ? softmax_ : softmax_ * rate_ + (1.0 - rate_);  // [K, B, n, H]
    v_ = rows_at(at::bmm(embed_, W_V_)).view({K, B, n, H, d});              // [K, B, n, H, d]
    z_ = (pattern_.unsqueeze(-1) * v_).sum(2).view({K, B, Hd});             // [K, B, Hd]
    mid_ = at::baddbmm(x_.unsqueeze(1), z_, w_.W_O.reshape({K, Hd, D_}));   // [K, B, D]
    pre_ = at::bmm(mid_, w_.W_in);                                          // [K, B, M]
    post_ = activation(pre_, act_);                                         // [K, B, M]
    out_ = at::baddbmm(mid_, post_, w_.W_out);                              // [K, B, D]
    logits_ = at::bmm(out_, w_.W_U);                                        // [K, B, P]
  }

  // table [K, V + n, W] -> [K, B, n, W]: row tok[b, i] plus row V + i.
  at::Tensor rows_at(const at::Tensor& table) const {
    const int64_t K = K_, W = table.size(2);
    return table.index_select(1, flat_tok_).view({K, B_, n_, W}) + table.narrow(1, V_, n_).unsqueeze(1);
  }
  // rows_at's backward: g [K, B, n, W] -> [K, V + n, W].
  at::Tensor rows_at_backward(const at::Tensor& g) const {
    const int64_t K = K_, W = g.size(3);
    at::Tensor table = at::zeros({K, V_ + n_, W}, g.options());
    add_rows(table, flat_tok_, g.reshape({K, B_ * n_, W}));
    table.narrow(1, V_, n_).copy_(g.sum(1));
    return table;
  }

  Weights w_;
  std::string act_;
  double rate_, scale_;
  int64_t K_, V_, D_, n_, H_, d_, B_;
  at::Tensor flat_tok_, x_, W_Q_, q_, embed_, W_K_, W_V_, key_table_, v_, softmax_, pattern_, z_, mid_, pre_, post_,
      out_;
};

OneLayerPass::Weights OneLayerPass::role_gradients(const at::Tensor& g) const {
  const int64_t K = K_, B = B_, n = n_, H = H_, d = d_, Hd = H * d, V = V_;
  Weights grad;
  // logits = out W_U;  out = mid + post W_out
  grad.W_U = at::bmm(transposed(out_), g);                         // [K, D, P]
  const at::Tensor d_out = at::bmm(g, transposed(w_.W_U));         // [K, B, D]
  grad.W_out = at::bmm(transposed(post_), d_out);                  // [K, M, D]
  const at::Tensor d_post = at::bmm(d_out, transposed(w_.W_out));  // [K, B, M]
  // post = act(pre);  pre = mid W_in
  const at::Tensor d_pre = activation_backward(d_post, pre_, act_);         // [K, B, M]
  grad.W_in = at::bmm(transposed(mid_), d_pre);                             // [K, D, M]
  const at::Tensor d_mid = at::baddbmm(d_out, d_pre, transposed(w_.W_in));  // [K, B, D]
  // mid = x + z W_O
  const at::Tensor W_O = w_.W_O.reshape({K, Hd, D_});
  grad.W_O = at::bmm(transposed(z_), d_mid).view(w_.W_O.sizes());                // [K, H, d, D]
  const at::Tensor d_z = at::bmm(d_mid, transposed(W_O)).view({K, B, 1, H, d});  // [K, B, 1, H, d]
  // z = sum_i a_i v_i;  a = rate softmax + const;  softmax's backward: s (g - sum_i g_i s_i)
  at::Tensor d_s = (d_z * v_).sum(-1);  // [K, B, n, H]
  if (rate_ != 1.0) d_s = d_s * rate_;
  const at::Tensor d_scores = softmax_ * (d_s - (d_s * softmax_).sum(2, /*keepdim=*/true)) * scale_;  // [K, B, n, H]
  // scores = rows of score_table = key_table . q: into q, and into every key row
  const at::Tensor d_score_table = rows_at_backward(d_scores).unsqueeze(-1);    // [K, V + n, H, 1]
  const at::Tensor d_q = (d_score_table * key_table_).sum(1).view({K, 1, Hd});  // [K, 1, Hd]
  const at::Tensor d_key_table = (d_score_table * q_).view({K, V + n, Hd});     // [K, V + n, Hd]
  const at::Tensor d_value_table = rows_at_backward((pattern_.unsqueeze(-1) * d_z).view({K, B, n, Hd}));
  // key_table = embed W_K, value table = embed W_V
  grad.W_K = columns_as_heads(at::bmm(transposed(embed_), d_key_table), H);    // [K, H, D, d]
  grad.W_V = columns_as_heads(at::bmm(transposed(embed_), d_value_table), H);  // [K, H, D, d]
  const at::Tensor d_embed =
      at::baddbmm(at::bmm(d_key_table, transposed(W_K_)), d_value_table, transposed(W_V_));  // [K, V + n, D]
  // q = x W_Q, and x also reaches mid directly
  grad.W_Q = columns_as_heads(at::bmm(x_.unsqueeze(2), d_q), H);                                         // [K, H, D, d]
  const at::Tensor d_x = at::baddbmm(d_mid.sum(1, /*keepdim=*/true), d_q, transposed(W_Q_)).squeeze(1);  // [K, D]
  // x = W_E[=] + W_pos[n-1]
  grad.W_E = d_embed.narrow(1, 0, V).contiguous();    // [K, V, D]
  grad.W_pos = d_embed.narrow(1, V, n).contiguous();  // [K, n, D]
  grad.W_E.select(1, V - 1).add_(d_x);                // '=' is token p = V - 1
  grad.W_pos.select(1, n - 1).add_(d_x);
  return grad;
}

std::vector<at::Tensor> OneLayerPass::gradients(const at::Tensor& d_logits) const {
  c10::NoGradGuard no_grad;
  const Weights g = role_gradients(d_logits);
  // parameters() order (Transformer's constructor) for one layer without biases.
  return {g.W_E, g.W_pos, g.W_Q, g.W_K, g.W_V, g.W_O, g.W_in, g.W_out, g.W_U};
}

}  // namespace

std::unique_ptr<ManualPass> Transformer::manual_pass(const std::vector<at::Tensor>& stacked,
                                                     const at::Tensor& pairs) const {
  if (config_.n_layers != 1 || config_.bias || config_.precision != "fp32")
    throw InputError("backward = manual needs a one-layer transformer without biases in fp32");
  c10::NoGradGuard no_grad;
  const Weights w = weights_of(stacked);
  const Block& blk = w.blocks.front();
  const OneLayerPass::Weights roles{w.W_E.detach(),    w.W_pos.detach(),   blk.W_Q.detach(),
                                    blk.W_K.detach(),  blk.W_V.detach(),   blk.W_O.detach(),
                                    blk.W_in.detach(), blk.W_out.detach(), w.W_U.detach()};
  return std::make_unique<OneLayerPass>(roles, tokens(pairs), config_);
}

}  // namespace grok
