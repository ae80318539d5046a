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
// DirectPass computes these lines and runs the chain rule back through them. FactoredPass
// (config.factored_forward) computes the same function as the factored forward does, the stream's
// readers through per-token tables (table_mix), and runs the chain rule back through that.
// AttentionAtEquals is the part they share, up to the pattern and the value table. Every product
// is a batched matmul over the member axis and, on the CPU, every sum runs in a fixed order, so
// member k's numbers do not depend on K (as in forward_members). (On CUDA the tables' gradient
// rows are added by index_add_, whose order is not fixed.)
#include "grok/model/transformer.h"

#include <cmath>
#include <functional>

#include "grok/core/error.h"
#include "grok/model/table_mix.h"

namespace grok {
namespace {

// x [K, r, s], W [K, s, c] -> [K, r, c] in the model's batch precision (Transformer::batch_product).
using BatchProduct = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;

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
  const int64_t K = dst.size(0), N = idx.size(0), W = dst.size(2), row_stride = dst.stride(1);
  const int64_t* row = idx.data_ptr<int64_t>();
  AT_DISPATCH_FLOATING_TYPES(dst.scalar_type(), "add_rows", [&] {
    for (int64_t k = 0; k < K; ++k) {
      scalar_t* out = dst.data_ptr<scalar_t>() + k * dst.stride(0);
      const scalar_t* in = from.data_ptr<scalar_t>() + k * N * W;
      for (int64_t j = 0; j < N; ++j) {
        scalar_t* __restrict y = out + row[j] * row_stride;  // restrict: the compiler may vectorise
        const scalar_t* __restrict x = in + j * W;
        for (int64_t c = 0; c < W; ++c) y[c] += x[c];
      }
    }
  });
}

// The weights by role, member-stacked ([K, ...], TransformerLens shapes), and their gradients.
struct Roles {
  at::Tensor W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out, W_U;
  // parameters() order (Transformer's constructor) for one layer without biases.
  std::vector<at::Tensor> in_parameter_order() const { return {W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out, W_U}; }
};

// The attention at '=' that both passes share: forward to the pattern and the value table, and
// back from their gradients (and x's) into W_Q, W_K, W_V, W_E and W_pos.
class AttentionAtEquals {
 public:
  AttentionAtEquals(const Roles& w, const at::Tensor& tok, const Config& c) {
    rate_ = c.attention_rate;
    scale_ = 1.0 / std::sqrt(static_cast<double>(c.d_head));
    K = w.W_E.size(0), V = w.W_E.size(1), D = w.W_E.size(2), n = w.W_pos.size(1);
    H = w.W_Q.size(1), d = w.W_Q.size(3), B = tok.size(0);
    token = tok.contiguous();
    flat_tok_ = token.reshape({-1});                        // [B n]
    x = w.W_E.select(1, V - 1) + w.W_pos.select(1, n - 1);  // [K, D]; '=' is token p = V - 1
    W_Q_ = heads_as_columns(w.W_Q);                         // [K, D, Hd]
    q_ = at::bmm(x.unsqueeze(1), W_Q_).view({K, 1, H, d});  // [K, 1, H, d]
    // Keys and values of every token (rows 0..V-1) and position (rows V..V+n-1).
    embed_ = at::cat({w.W_E, w.W_pos}, 1);                           // [K, V + n, D]
    W_K_ = heads_as_columns(w.W_K), W_V_ = heads_as_columns(w.W_V);  // [K, D, Hd]
    key_table_ = at::bmm(embed_, W_K_).view({K, V + n, H, d});       // [K, V + n, H, d]
    // One query: q . k_i = q . (key row of tok_i) + q . (key row of position i), so the scores
    // are rows of a [V + n, H] table, gathered.
    const at::Tensor score_table = (key_table_ * q_).sum(-1) * scale_;     // [K, V + n, H]
    softmax_ = at::softmax(rows_at(score_table), 2);                       // [K, B, n, H]
    pattern = rate_ == 1.0 ? softmax_ : softmax_ * rate_ + (1.0 - rate_);  // [K, B, n, H]
    value_table = at::bmm(embed_, W_V_);                                   // [K, V + n, Hd]
  }

  // table [K, V + n, W] -> [K, B, n, W]: row tok[b, i] plus row V + i.
  at::Tensor rows_at(const at::Tensor& table) const {
    const int64_t W = table.size(2);
    return table.index_select(1, flat_tok_).view({K, B, n, W}) + table.narrow(1, V, n).unsqueeze(1);
  }
  // rows_at's backward: g [K, B, n, W] -> [K, V + n, W].
  at::Tensor rows_at_backward(const at::Tensor& g) const {
    const int64_t W = g.size(3);
    at::Tensor table = at::zeros({K, V + n, W}, g.options());
    add_rows(table, flat_tok_, g.reshape({K, B * n, W}));
    table.narrow(1, V, n).copy_(g.sum(1));
    return table;
  }

  // From d pattern [K, B, n, H], d value_table [K, V + n, Hd] and d x [K, 1, D] (what reaches x
  // other than through the query) into grad's W_Q, W_K, W_V, W_E and W_pos.
  void backward(const at::Tensor& d_pattern, const at::Tensor& d_value_table, const at::Tensor& d_x_rest,
                Roles& grad) const {
    // a = rate softmax + const;  softmax's backward: s (g - sum_i g_i s_i)
    const at::Tensor d_s = rate_ == 1.0 ? d_pattern : d_pattern * rate_;
    const at::Tensor d_scores = softmax_ * (d_s - (d_s * softmax_).sum(2, /*keepdim=*/true)) * scale_;  // [K, B, n, H]
    // scores = rows of score_table = key_table . q: into q, and into every key row
    const at::Tensor d_score_table = rows_at_backward(d_scores).unsqueeze(-1);       // [K, V + n, H, 1]
    const at::Tensor d_q = (d_score_table * key_table_).sum(1).view({K, 1, H * d});  // [K, 1, Hd]
    const at::Tensor d_key_table = (d_score_table * q_).view({K, V + n, H * d});     // [K, V + n, Hd]
    // key_table = embed W_K, value table = embed W_V
    grad.W_K = columns_as_heads(at::bmm(transposed(embed_), d_key_table), H);    // [K, H, D, d]
    grad.W_V = columns_as_heads(at::bmm(transposed(embed_), d_value_table), H);  // [K, H, D, d]
    const at::Tensor d_embed =
        at::baddbmm(at::bmm(d_key_table, transposed(W_K_)), d_value_table, transposed(W_V_));  // [K, V + n, D]
    // q = x W_Q
    grad.W_Q = columns_as_heads(at::bmm(x.unsqueeze(2), d_q), H);                    // [K, H, D, d]
    const at::Tensor d_x = at::baddbmm(d_x_rest, d_q, transposed(W_Q_)).squeeze(1);  // [K, D]
    // x = W_E[=] + W_pos[n-1]
    grad.W_E = d_embed.narrow(1, 0, V).contiguous();    // [K, V, D]
    grad.W_pos = d_embed.narrow(1, V, n).contiguous();  // [K, n, D]
    grad.W_E.select(1, V - 1).add_(d_x);                // '=' is token p = V - 1
    grad.W_pos.select(1, n - 1).add_(d_x);
  }

  int64_t K, V, D, n, H, d, B;
  at::Tensor token;        // [B, n]
  at::Tensor x;            // [K, D]          the stream at '=' before the block
  at::Tensor pattern;      // [K, B, n, H]    attention weights of the one query
  at::Tensor value_table;  // [K, V + n, Hd]  embed W_V: values are rows_at() of it

 private:
  double rate_, scale_;
  at::Tensor flat_tok_, W_Q_, q_, embed_, W_K_, W_V_, key_table_, softmax_;
};

// The direct pass: the stream at '=' (mid) and the MLP as products over the B pairs.
class DirectPass final : public ManualPass {
 public:
  DirectPass(const Roles& w, const at::Tensor& tok, const Config& c) : w_(w), act_(c.act), att_(w, tok, c) {
    const int64_t K = att_.K, B = att_.B, n = att_.n, H = att_.H, d = att_.d, Hd = H * d;
    v_ = att_.rows_at(att_.value_table).view({K, B, n, H, d});                     // [K, B, n, H, d]
    z_ = (att_.pattern.unsqueeze(-1) * v_).sum(2).view({K, B, Hd});                // [K, B, Hd]
    mid_ = at::baddbmm(att_.x.unsqueeze(1), z_, w_.W_O.reshape({K, Hd, att_.D}));  // [K, B, D]
    pre_ = at::bmm(mid_, w_.W_in);                                                 // [K, B, M]
    post_ = activation(pre_, act_);                                                // [K, B, M]
    out_ = at::baddbmm(mid_, post_, w_.W_out);                                     // [K, B, D]
    logits_ = at::bmm(out_, w_.W_U);                                               // [K, B, P]
  }

  std::vector<at::Tensor> gradients(const at::Tensor& g) const override {
    c10::NoGradGuard no_grad;
    const int64_t K = att_.K, B = att_.B, n = att_.n, H = att_.H, d = att_.d, Hd = H * d;
    Roles grad;
    // logits = out W_U;  out = mid + post W_out
    grad.W_U = at::bmm(transposed(out_), g);                         // [K, D, P]
    const at::Tensor d_out = at::bmm(g, transposed(w_.W_U));         // [K, B, D]
    grad.W_out = at::bmm(transposed(post_), d_out);                  // [K, M, D]
    const at::Tensor d_post = at::bmm(d_out, transposed(w_.W_out));  // [K, B, M]
    // post = act(pre);  pre = mid W_in
    const at::Tensor d_pre = activation_backward(d_post, pre_, act_);         // [K, B, M]
    grad.W_in = at::bmm(transposed(mid_), d_pre);                             // [K, D, M]
    const at::Tensor d_mid = at::baddbmm(d_out, d_pre, transposed(w_.W_in));  // [K, B, D]
    // mid = x + z W_O;  z = sum_i a_i v_i
    const at::Tensor W_O = w_.W_O.reshape({K, Hd, att_.D});
    grad.W_O = at::bmm(transposed(z_), d_mid).view(w_.W_O.sizes());                // [K, H, d, D]
    const at::Tensor d_z = at::bmm(d_mid, transposed(W_O)).view({K, B, 1, H, d});  // [K, B, 1, H, d]
    const at::Tensor d_pattern = (d_z * v_).sum(-1);                               // [K, B, n, H]
    const at::Tensor d_value_table = att_.rows_at_backward((att_.pattern.unsqueeze(-1) * d_z).view({K, B, n, Hd}));
    att_.backward(d_pattern, d_value_table, d_mid.sum(1, /*keepdim=*/true), grad);
    return grad.in_parameter_order();
  }

 private:
  Roles w_;
  std::string act_;
  AttentionAtEquals att_;
  at::Tensor v_, z_, mid_, pre_, post_, out_;
};

// The factored pass (config.factored_forward, as Transformer::logits_members computes it): the
// two readers of the stream at '=', W_in and W_U, read it through per-(head, position, token)
// tables mixed by the pattern (table_mix), and W_out W_U is one [M, P] matrix:
//
//   through_O = W_O R                                     [K, H, d, W]   for a reader R [K, D, W]
//   rows      = value_table through_O                     [K, H, V + n, W]
//   table     = rows[token] + rows[V + position]          [K, H, n, V, W]
//   read(R)   = x R + table_mix(table, tok, pattern)      [K, B, W]
//   pre       = read(W_in),  post = act(pre)              [K, B, M]
//   logits    = read(W_U) + post (W_out W_U)              [K, B, P]
//
// so the products over the B pairs are post (W_out W_U) and its two gradients; the rest is
// table_mix and products over the V + n table rows. In bf16 those three products are the model's
// batch_product (operands and result rounded to bfloat16), as autograd differentiates it: the
// gradient of y = round(round(x) round(W)) is round(round(g) round(W)^T) for x and
// round(round(x)^T round(g)) for W, batch_product again.
class FactoredPass final : public ManualPass {
 public:
  FactoredPass(const Roles& w, const at::Tensor& tok, const Config& c, BatchProduct bf16_product)
      : w_(w), act_(c.act), att_(w, tok, c), bf16_product_(std::move(bf16_product)) {
    const int64_t K = att_.K, V = att_.V, n = att_.n, H = att_.H, d = att_.d;
    pattern_ = att_.pattern.transpose(2, 3).contiguous();                                       // [K, B, H, n]
    value_heads_ = att_.value_table.view({K, V + n, H, d}).permute({0, 2, 1, 3}).contiguous();  // [K, H, V + n, d]
    in_ = reader(w_.W_in);
    unembed_ = reader(w_.W_U);
    pre_ = read(in_);                            // [K, B, M]
    post_ = activation(pre_, act_);              // [K, B, M]
    neuron_logits_ = at::bmm(w_.W_out, w_.W_U);  // [K, M, P]
    // float32 keeps its one fused baddbmm (and its bits), as Transformer::logits_members does.
    logits_ = bf16_product_ ? read(unembed_) + bf16_product_(post_, neuron_logits_)
                            : at::baddbmm(read(unembed_), post_, neuron_logits_);  // [K, B, P]
  }

  std::vector<at::Tensor> gradients(const at::Tensor& g) const override {
    c10::NoGradGuard no_grad;
    const int64_t K = att_.K, V = att_.V, n = att_.n, H = att_.H, d = att_.d;
    Roles grad;
    // logits = read(W_U) + post NL;  NL = W_out W_U;  post = act(pre)
    const at::Tensor d_neuron_logits = product(transposed(post_), g);                                  // [K, M, P]
    const at::Tensor d_pre = activation_backward(product(g, transposed(neuron_logits_)), pre_, act_);  // [K, B, M]
    grad.W_out = at::bmm(d_neuron_logits, transposed(w_.W_U));                                         // [K, M, D]
    const ReaderGradients u = read_backward(unembed_, g), i = read_backward(in_, d_pre);
    grad.W_U = at::baddbmm(u.R, transposed(w_.W_out), d_neuron_logits);    // [K, D, P]
    grad.W_in = i.R;                                                       // [K, D, M]
    grad.W_O = u.W_O + i.W_O;                                              // [K, H, d, D]
    const at::Tensor d_pattern = (u.pattern + i.pattern).transpose(2, 3);  // [K, B, n, H]
    const at::Tensor d_value_table = (u.value_heads + i.value_heads).permute({0, 2, 1, 3}).reshape({K, V + n, H * d});
    att_.backward(d_pattern, d_value_table, u.x + i.x, grad);
    return grad.in_parameter_order();
  }

 private:
  struct Reader {
    at::Tensor R;          // [K, D, W]
    at::Tensor through_O;  // [K, H, d, W]  W_O R
    at::Tensor table;      // [K, H, n, V, W]
  };
  // Gradients through one reader: of R, W_O, the pattern [K, B, H, n], the value rows
  // [K, H, V + n, d] and x [K, 1, D].
  struct ReaderGradients {
    at::Tensor R, W_O, pattern, value_heads, x;
  };

  // R [K, D, W] -> its through_O [K, H, d, W] and table [K, H, n, V, W].
  Reader reader(const at::Tensor& R) const {
    const int64_t V = att_.V, n = att_.n;
    Reader r{R, at::matmul(w_.W_O, R.unsqueeze(1)), {}};
    const at::Tensor rows = at::matmul(value_heads_, r.through_O);                    // [K, H, V + n, W]
    r.table = rows.narrow(2, 0, V).unsqueeze(2) + rows.narrow(2, V, n).unsqueeze(3);  // [K, H, n, V, W]
    return r;
  }
  at::Tensor read(const Reader& r) const {  // -> [K, B, W]
    return table_mix(r.table, att_.token, pattern_, at::bmm(att_.x.unsqueeze(1), r.R).squeeze(1));
  }
  ReaderGradients read_backward(const Reader& r, const at::Tensor& d_read /* [K, B, W] */) const {
    const int64_t K = att_.K, H = att_.H, d = att_.d, W = r.R.size(2);
    const TableMixGradients mix = table_mix_gradients(r.table, att_.token, pattern_, d_read);
    ReaderGradients grad;
    grad.pattern = mix.weight;  // [K, B, H, n]
    // table[h, i, v] = rows[h, v] + rows[h, V + i]
    const at::Tensor d_rows = at::cat({mix.table.sum(2), mix.table.sum(3)}, 2);       // [K, H, V + n, W]
    const at::Tensor d_through_O = at::matmul(value_heads_.transpose(2, 3), d_rows);  // [K, H, d, W]
    grad.value_heads = at::matmul(d_rows, r.through_O.transpose(2, 3));               // [K, H, V + n, d]
    grad.W_O = at::matmul(d_through_O, transposed(r.R).unsqueeze(1));                 // [K, H, d, D]
    // base = x R
    const at::Tensor d_base = mix.base.unsqueeze(1);  // [K, 1, W]
    grad.R = at::baddbmm(at::bmm(att_.x.unsqueeze(2), d_base), transposed(w_.W_O.reshape({K, H * d, att_.D})),
                         d_through_O.reshape({K, H * d, W}));  // [K, D, W]
    grad.x = at::bmm(d_base, transposed(r.R));                 // [K, 1, D]
    return grad;
  }

  // A product over the batch: bfloat16 in bf16, float32 otherwise.
  at::Tensor product(const at::Tensor& x, const at::Tensor& W) const {
    return bf16_product_ ? bf16_product_(x, W) : at::bmm(x, W);
  }

  Roles w_;
  std::string act_;
  AttentionAtEquals att_;
  BatchProduct bf16_product_;  // empty in fp32
  Reader in_, unembed_;
  at::Tensor pattern_, value_heads_, pre_, post_, neuron_logits_;
};

}  // namespace

std::unique_ptr<ManualPass> Transformer::manual_pass(const std::vector<at::Tensor>& stacked,
                                                     const at::Tensor& pairs) const {
  if (!manual_backward_applies(config_)) throw InputError(kManualBackwardNeeds);
  c10::NoGradGuard no_grad;
  const Weights w = weights_of(stacked);
  const Block& blk = w.blocks.front();
  const Roles roles{w.W_E.detach(),   w.W_pos.detach(),  blk.W_Q.detach(),   blk.W_K.detach(), blk.W_V.detach(),
                    blk.W_O.detach(), blk.W_in.detach(), blk.W_out.detach(), w.W_U.detach()};
  if (!config_.factored_forward.on()) return std::make_unique<DirectPass>(roles, tokens(pairs), config_);
  BatchProduct bf16_product;
  if (config_.precision == "bf16")
    bf16_product = [this](const at::Tensor& x, const at::Tensor& W) { return batch_product(x, W); };
  return std::make_unique<FactoredPass>(roles, tokens(pairs), config_, std::move(bf16_product));
}

}  // namespace grok
