// transformer.cpp — forward pass of the Nanda-style transformer.
//
// Shapes: B pairs, n = n_ctx = 3 positions, H heads, D = d_model, d = d_head,
// M = d_mlp, V = d_vocab = p + 1, P = p outputs. Attention may be mixed with
// constant attention (config.attention_rate, Zhong et al. 2023): attention_pattern().
#include "grok/model/transformer.h"

#include "grok/model/table_mix.h"
#include "grok/runtime/cpu_features.h"

#include <fmt/core.h>

#include <cmath>

namespace grok {
namespace {

// Records `value` under `name` when a cache is attached.
void hook(ActivationCache* cache, const std::string& name, const at::Tensor& value) {
  if (cache) (*cache)[name] = value;
}

std::string block_name(int64_t layer, const std::string& rest) {
  return "blocks." + std::to_string(layer) + "." + rest;
}

}  // namespace

Transformer::Transformer(const Config& c)
    : Model(c), p_(c.p), d_vocab_(c.p + 1), cpu_bfloat16_(cpu_has_bfloat16_arithmetic()) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(c.seed));
  const double s = 1.0 / std::sqrt(static_cast<double>(c.d_model));
  const double bias_scale = 0.0;  // biases start at zero
  // Drawn in this order from the seed: the order is part of what a seed means.
  add_param("embed.W_E", {d_vocab_, c.d_model}, {"d_vocab", "d_model"}, s, gen);
  add_param("pos_embed.W_pos", {n_ctx_, c.d_model}, {"n_ctx", "d_model"}, s, gen);
  for (int64_t l = 0; l < c.n_layers; ++l) {
    for (const char* w : {"attn.W_Q", "attn.W_K", "attn.W_V"})
      add_param(block_name(l, w), {c.n_heads, c.d_model, c.d_head}, {"head", "d_model", "d_head"}, s, gen);
    add_param(block_name(l, "attn.W_O"), {c.n_heads, c.d_head, c.d_model}, {"head", "d_head", "d_model"}, s, gen);
    if (c.bias) {
      for (const char* b : {"attn.b_Q", "attn.b_K", "attn.b_V"})
        add_param(block_name(l, b), {c.n_heads, c.d_head}, {"head", "d_head"}, bias_scale, gen);
      add_param(block_name(l, "attn.b_O"), {c.d_model}, {"d_model"}, bias_scale, gen);
    }
    add_param(block_name(l, "mlp.W_in"), {c.d_model, c.d_mlp}, {"d_model", "d_mlp"}, s, gen);
    if (c.bias) add_param(block_name(l, "mlp.b_in"), {c.d_mlp}, {"d_mlp"}, bias_scale, gen);
    add_param(block_name(l, "mlp.W_out"), {c.d_mlp, c.d_model}, {"d_mlp", "d_model"}, s, gen);
    if (c.bias) add_param(block_name(l, "mlp.b_out"), {c.d_model}, {"d_model"}, bias_scale, gen);
  }
  add_param("unembed.W_U", {c.d_model, p_}, {"d_model", "d_vocab_out"}, 1.0 / std::sqrt(static_cast<double>(p_)), gen);
  if (c.bias) add_param("unembed.b_U", {p_}, {"d_vocab_out"}, bias_scale, gen);
  bind_weights();
}

void Transformer::bind_weights() {
  std::vector<at::Tensor> values;
  for (const NamedTensor& p : params_) values.push_back(p.value);
  const Weights w = weights_of(values);
  W_E = w.W_E, W_pos = w.W_pos, W_U = w.W_U, b_U = w.b_U;
  blocks_ = w.blocks;
}

Transformer::Weights Transformer::weights_of(const std::vector<at::Tensor>& values) const {
  auto find = [&](const std::string& name) { return optional_param(values, name); };
  Weights w;
  w.W_E = find("embed.W_E");
  w.W_pos = find("pos_embed.W_pos");
  w.blocks.assign(static_cast<size_t>(config_.n_layers), Block{});
  for (int64_t l = 0; l < config_.n_layers; ++l) {
    Block& b = w.blocks[static_cast<size_t>(l)];
    auto weight = [&](const std::string& rest) { return find(block_name(l, rest)); };
    b.W_Q = weight("attn.W_Q"), b.W_K = weight("attn.W_K"), b.W_V = weight("attn.W_V"), b.W_O = weight("attn.W_O");
    b.b_Q = weight("attn.b_Q"), b.b_K = weight("attn.b_K"), b.b_V = weight("attn.b_V"), b.b_O = weight("attn.b_O");
    b.W_in = weight("mlp.W_in"), b.b_in = weight("mlp.b_in"), b.W_out = weight("mlp.W_out");
    b.b_out = weight("mlp.b_out");
  }
  w.W_U = find("unembed.W_U");
  w.b_U = find("unembed.b_U");
  return w;
}

at::Tensor Transformer::tokens(const at::Tensor& pairs) const {
  return at::cat({pairs, at::full({pairs.size(0), 1}, p_, pairs.options())}, 1);  // [B, n]
}

at::Tensor Transformer::project(const at::Tensor& x, const at::Tensor& W, const at::Tensor& b) const {
  // x [K, ..., D] @ W [K, H, D, d] -> [K, ..., H, d]
  const int64_t K = W.size(0), H = W.size(1), D = W.size(2), d = W.size(3);
  at::Tensor flat = W.permute({0, 2, 1, 3}).reshape({K, D, H * d});
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end() - 1);
  out_shape.push_back(H);
  out_shape.push_back(d);
  at::Tensor y = member_matmul(x, flat).view(out_shape);
  return b.defined() ? y + per_member(b, y.dim()) : y;
}

at::Tensor Transformer::attn_out(const Block& blk, const at::Tensor& z) const {
  // z [K, ..., H, d] -> [K, ..., D]
  const int64_t K = blk.W_O.size(0), H = blk.W_O.size(1), d = blk.W_O.size(2), D = blk.W_O.size(3);
  std::vector<int64_t> flat_shape(z.sizes().begin(), z.sizes().end() - 2);
  flat_shape.push_back(H * d);
  at::Tensor out = member_matmul(z.reshape(flat_shape), blk.W_O.reshape({K, H * d, D}));
  return blk.b_O.defined() ? out + per_member(blk.b_O, out.dim()) : out;
}

at::Tensor Transformer::batch_product(const at::Tensor& x, const at::Tensor& W) const {
  if (config_.precision != "bf16") return member_matmul(x, W);
  // oneDNN's AVX-512-BF16 kernels on the CPU (~2.5x float32 sgemm on a Zen 4), tensor cores on a GPU.
  if (!x.device().is_cpu() || cpu_bfloat16_)
    return member_matmul(x.to(at::kBFloat16), W.to(at::kBFloat16)).to(x.scalar_type());
  // Elsewhere LibTorch 1.13 multiplies bfloat16 in a plain loop: 10x slower than float32 on an
  // AVX2 CPU, and its logits sat 3x farther from the once-rounded products than float32's.
  return member_matmul_bf16_in_float32(x, W).to(x.scalar_type());
}

at::Tensor Transformer::mlp(const Block& blk, const at::Tensor& x, int64_t layer, ActivationCache* cache) const {
  // x [K, ..., D] -> [K, ..., D]
  at::Tensor pre = batch_product(x, blk.W_in);  // [K, ..., M]
  if (blk.b_in.defined()) pre = pre + per_member(blk.b_in, pre.dim());
  at::Tensor post = activation(pre, config_.act);
  at::Tensor out = batch_product(post, blk.W_out);  // [K, ..., D]
  if (blk.b_out.defined()) out = out + per_member(blk.b_out, out.dim());
  if (cache) {
    auto last = [&](const at::Tensor& t) { return t.dim() == 4 ? t.select(2, -1) : t; };  // [K, B, ...]
    hook(cache, block_name(layer, "mlp.hook_pre"), last(pre));
    hook(cache, block_name(layer, "mlp.hook_post"), last(post));
    hook(cache, block_name(layer, "hook_mlp_out"), last(out));
  }
  return out;
}

at::Tensor Transformer::attention_pattern(const at::Tensor& scores, const at::Tensor& allowed) const {
  const at::Tensor softmax = at::softmax(scores, -1);
  const double rate = config_.attention_rate;
  if (rate == 1.0) return softmax;  // ordinary attention, bit for bit
  // Zhong et al.'s code adds (1 - rate) to every weight rather than (1 - rate) / n_keys: at
  // rate 0 the values are summed, not averaged (the following linear maps absorb the factor).
  const at::Tensor constant =
      allowed.defined() ? allowed.to(scores.scalar_type()) * (1.0 - rate) : at::full({}, 1.0 - rate, scores.options());
  return softmax * rate + constant;
}

Transformer::EmbeddingProjection Transformer::project_embeddings(const Weights& w, const at::Tensor& W,
                                                                 const at::Tensor& b) const {
  return {project(w.W_E, W, at::Tensor()), project(w.W_pos, W, b)};
}

Transformer::LastQueryScores Transformer::last_query_scores(const Weights& w, const Block& blk,
                                                            const at::Tensor& tok) const {
  const int64_t n = n_ctx_, last = n - 1;
  const double scale = 1.0 / std::sqrt(static_cast<double>(config_.d_head));
  LastQueryScores s;
  // One query, '=' at the last position: [K, 1, D] -> [K, 1, H, d].
  s.q = project((w.W_E.select(1, p_) + w.W_pos.select(1, last)).unsqueeze(1), blk.W_Q, blk.b_Q);
  s.key = project_embeddings(w, blk.W_K, blk.b_K);  // [K, V, H, d], [K, n, H, d]
  std::vector<at::Tensor> scores;                   // per key position: [K, B, H]
  for (int64_t pos = 0; pos < n; ++pos) {
    at::Tensor key_table = s.key.by_token + s.key.by_pos.select(1, pos).unsqueeze(1);  // [K, V, H, d]
    at::Tensor score_table = (key_table * s.q).sum(-1) * scale;                        // [K, V, H]
    scores.push_back(score_table.index_select(1, tok.select(1, pos)));                 // [K, B, H]
  }
  s.scores = at::stack(scores, 3);  // [K, B, H, n]
  return s;
}

Transformer::LastQueryAttention Transformer::attend_by_table(const Weights& w, const Block& blk,
                                                             const at::Tensor& tok) const {
  const int64_t K = w.W_E.size(0), B = tok.size(0), n = n_ctx_, H = blk.W_Q.size(1), last = n - 1;
  LastQueryAttention att;
  const LastQueryScores s = last_query_scores(w, blk, tok);
  att.scores = s.scores;
  const EmbeddingProjection& key = s.key;
  const EmbeddingProjection value = project_embeddings(w, blk.W_V, blk.b_V);  // [K, V, H, d], [K, n, H, d]
  std::vector<at::Tensor> values;                                             // per key position: [K, B, H, d]
  for (int64_t pos = 0; pos < n; ++pos)
    values.push_back((value.by_token + value.by_pos.select(1, pos).unsqueeze(1)).index_select(1, tok.select(1, pos)));
  att.pattern = attention_pattern(att.scores);
  att.z = att.pattern.select(3, 0).unsqueeze(-1) * values[0];  // [K, B, H, d]
  for (int64_t pos = 1; pos < n; ++pos)
    att.z = att.z + att.pattern.select(3, pos).unsqueeze(-1) * values[static_cast<size_t>(pos)];
  att.q = s.q.expand({K, B, H, -1});
  att.k = (key.by_token.select(1, p_) + key.by_pos.select(1, last)).unsqueeze(1).expand({K, B, H, -1});
  att.v = (value.by_token.select(1, p_) + value.by_pos.select(1, last)).unsqueeze(1).expand({K, B, H, -1});
  return att;
}

at::Tensor Transformer::logits_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs) const {
  if (!config_.factored_forward.on()) return forward_members(stacked, pairs);
  // One layer, no biases (config validation): the residual stream at '=' is
  //   x = E[=] + P[last] + sum_{h, pos} pattern[h, pos] (E[tok_pos] + P[pos]) W_V^h W_O^h,
  // and both of its readers are linear: pre = x W_in, logits = x W_U + act(pre) W_out W_U.
  // So each reader reads x through per-(head, position, token) tables mixed by the attention
  // pattern (table_mix), and W_out W_U is one [M, P] matrix: the model's exact function with
  // the MLP's input product (B x D x M) replaced by B x H x n row lookups of width M.
  const Weights w = weights_of(stacked);
  const Block& blk = w.blocks.front();
  const at::Tensor tok = tokens(pairs);                                                 // [B, n]
  const at::Tensor pattern = attention_pattern(last_query_scores(w, blk, tok).scores);  // [K, B, H, n]
  const EmbeddingProjection value = project_embeddings(w, blk.W_V, blk.b_V);            // [K, V, H, d], [K, n, H, d]
  const at::Tensor resid_pre = (w.W_E.select(1, p_) + w.W_pos.select(1, n_ctx_ - 1)).unsqueeze(1);  // [K, 1, D]
  // What reader R [K, D, W] sees: base [K, W] + table_mix of tables [K, H, n, V, W].
  auto read = [&](const at::Tensor& R) {
    const at::Tensor ov_read = at::matmul(blk.W_O, R.unsqueeze(1));                   // [K, H, d, W]
    const at::Tensor by_token = at::matmul(value.by_token.transpose(1, 2), ov_read);  // [K, H, V, W]
    const at::Tensor by_pos = at::matmul(value.by_pos.transpose(1, 2), ov_read);      // [K, H, n, W]
    const at::Tensor table = by_token.unsqueeze(2) + by_pos.unsqueeze(3);             // [K, H, n, V, W]
    return table_mix(table, tok, pattern, member_matmul(resid_pre, R).squeeze(1));    // [K, B, W]
  };
  const at::Tensor post = activation(read(blk.W_in), config_.act);   // [K, B, M]
  const at::Tensor neuron_logits = member_matmul(blk.W_out, w.W_U);  // [K, M, P]
  // float32 keeps its one fused baddbmm (and its bits); bf16 rounds the product on its own.
  if (config_.precision == "bf16") return read(w.W_U) + batch_product(post, neuron_logits);
  return at::baddbmm(read(w.W_U), post, neuron_logits);  // [K, B, P]
}

at::Tensor Transformer::forward_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                                        ActivationCache* cache) const {
  const Weights w = weights_of(stacked);
  const at::Tensor tok = tokens(pairs);  // [B, n]
  const int64_t K = w.W_E.size(0), B = tok.size(0), n = n_ctx_;
  const int64_t L = static_cast<int64_t>(w.blocks.size());
  const double scale = 1.0 / std::sqrt(static_cast<double>(config_.d_head));
  const at::Tensor flat_tok = tok.reshape({-1});
  // The last position always holds '=': its embedding is one row.
  const at::Tensor last_embed = w.W_E.select(1, p_).unsqueeze(1).expand({K, B, -1});  // [K, B, D]
  hook(cache, "hook_embed", last_embed);
  hook(cache, "hook_pos_embed", w.W_pos.select(1, -1).unsqueeze(1).expand({K, B, -1}));
  // The residual stream at every position, needed only if a layer follows layer 0.
  at::Tensor x = L > 1 ? w.W_E.index_select(1, flat_tok).view({K, B, n, -1}) + w.W_pos.unsqueeze(1)
                       : at::Tensor();  // [K, B, n, D]

  for (int64_t l = 0; l < L; ++l) {
    const Block& blk = w.blocks[static_cast<size_t>(l)];
    const bool last_layer = l == L - 1;
    at::Tensor x_last = l == 0 ? last_embed + w.W_pos.select(1, n - 1).unsqueeze(1) : x.select(2, -1);  // [K, B, D]
    hook(cache, block_name(l, "hook_resid_pre"), x_last);
    at::Tensor q, k, v, scores, pattern, z, a_out;
    if (l == 0 && last_layer) {
      LastQueryAttention att = attend_by_table(w, blk, tok);
      q = att.q, k = att.k, v = att.v, scores = att.scores, pattern = att.pattern, z = att.z;  // [K, B, H, d|n]
      a_out = attn_out(blk, z);                                                                // [K, B, D]
      x = x_last + a_out;
    } else {
      // Keys/values at every position: for layer 0 the residual stream is
      // W_E[token] + W_pos[position], so look them up from per-token tables.
      auto qkv = [&](const at::Tensor& W, const at::Tensor& b) {  // -> [K, B, n, H, d]
        if (l > 0) return project(x, W, b);
        const EmbeddingProjection e = project_embeddings(w, W, b);
        return e.by_token.index_select(1, flat_tok).view({K, B, n, W.size(1), W.size(3)}) + e.by_pos.unsqueeze(1);
      };
      at::Tensor k_all = qkv(blk.W_K, blk.b_K).transpose(2, 3);  // [K, B, H, n, d]
      at::Tensor v_all = qkv(blk.W_V, blk.b_V).transpose(2, 3);  // [K, B, H, n, d]
      k = k_all.select(3, -1), v = v_all.select(3, -1);
      if (last_layer) {
        // Only the last query position matters: attention over n keys is a
        // weighted sum, done with broadcasting instead of tiny matmuls.
        q = project(x_last, blk.W_Q, blk.b_Q);              // [K, B, H, d]
        scores = (q.unsqueeze(3) * k_all).sum(-1) * scale;  // [K, B, H, n]
        pattern = attention_pattern(scores);                // [K, B, H, n]
        z = (pattern.unsqueeze(-1) * v_all).sum(3);         // [K, B, H, d]
        a_out = attn_out(blk, z);                           // [K, B, D]
        x = x_last + a_out;
      } else {
        at::Tensor q_all = qkv(blk.W_Q, blk.b_Q).transpose(2, 3);  // [K, B, H, n, d]
        at::Tensor mask = at::ones({n, n}, x.options().dtype(at::kBool)).triu(1);
        at::Tensor scores_all =
            at::matmul(q_all, k_all.transpose(-1, -2)).mul(scale).masked_fill(mask, -INFINITY);  // [K, B, H, n, n]
        at::Tensor pattern_all = attention_pattern(scores_all, mask.logical_not());
        at::Tensor z_all = at::matmul(pattern_all, v_all).transpose(2, 3);  // [K, B, n, H, d]
        at::Tensor out_all = attn_out(blk, z_all);                          // [K, B, n, D]
        x = x + out_all;
        a_out = out_all.select(2, -1);
        q = q_all.select(3, -1);
        scores = scores_all.select(3, -1);
        pattern = pattern_all.select(3, -1);
        z = z_all.select(2, -1);
      }
    }
    if (cache) {
      hook(cache, block_name(l, "attn.hook_q"), q);
      hook(cache, block_name(l, "attn.hook_k"), k);
      hook(cache, block_name(l, "attn.hook_v"), v);
      hook(cache, block_name(l, "attn.hook_attn_scores"), scores);
      hook(cache, block_name(l, "attn.hook_pattern"), pattern);
      hook(cache, block_name(l, "attn.hook_z"), z);
      hook(cache, block_name(l, "hook_attn_out"), a_out);
      hook(cache, block_name(l, "hook_resid_mid"), last_layer ? x : x.select(2, -1));
    }
    x = x + mlp(blk, x, l, cache);
    hook(cache, block_name(l, "hook_resid_post"), last_layer ? x : x.select(2, -1));
  }
  at::Tensor logits = batch_product(x, w.W_U);  // [K, B, P]
  if (w.b_U.defined()) logits = logits + per_member(w.b_U, logits.dim());
  hook(cache, "logits", logits);
  return logits;
}

at::Tensor Transformer::reference_forward(const at::Tensor& pairs) const {
  const at::Tensor tok = tokens(pairs);
  const int64_t n = n_ctx_;
  at::Tensor x = W_E.index_select(0, tok.reshape({-1})).view({tok.size(0), n, -1}) + W_pos;  // [B, n, D]
  at::Tensor mask = at::ones({n, n}, x.options().dtype(at::kBool)).triu(1);
  for (const Block& blk : blocks_) {
    auto proj = [&](const at::Tensor& W, const at::Tensor& b) {  // [B, H, n, d]
      at::Tensor y = at::einsum("bnD,HDd->bHnd", {x, W});
      return b.defined() ? y + b.unsqueeze(1) : y;
    };
    at::Tensor q = proj(blk.W_Q, blk.b_Q), k = proj(blk.W_K, blk.b_K), v = proj(blk.W_V, blk.b_V);
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(config_.d_head));
    at::Tensor z = at::matmul(attention_pattern(scores.masked_fill(mask, -INFINITY), mask.logical_not()), v);
    at::Tensor out = at::einsum("bHnd,HdD->bnD", {z, blk.W_O});
    x = x + (blk.b_O.defined() ? out + blk.b_O : out);
    at::Tensor pre = at::matmul(x, blk.W_in);
    if (blk.b_in.defined()) pre = pre + blk.b_in;
    at::Tensor m = at::matmul(activation(pre, config_.act), blk.W_out);
    x = x + (blk.b_out.defined() ? m + blk.b_out : m);
  }
  at::Tensor logits = at::matmul(x, W_U).select(1, -1);
  return b_U.defined() ? logits + b_U : logits;
}

std::vector<HookInfo> Transformer::hooks() const {
  const int64_t D = config_.d_model, H = config_.n_heads, d = config_.d_head, M = config_.d_mlp;
  std::vector<HookInfo> h = {{"hook_embed", {D}, {"d_model"}}, {"hook_pos_embed", {D}, {"d_model"}}};
  for (int64_t l = 0; l < config_.n_layers; ++l) {
    auto add = [&](const std::string& rest, std::vector<int64_t> shape, std::vector<std::string> axes) {
      h.push_back({block_name(l, rest), std::move(shape), std::move(axes)});
    };
    add("hook_resid_pre", {D}, {"d_model"});
    add("attn.hook_q", {H, d}, {"head", "d_head"});
    add("attn.hook_k", {H, d}, {"head", "d_head"});
    add("attn.hook_v", {H, d}, {"head", "d_head"});
    add("attn.hook_attn_scores", {H, n_ctx_}, {"head", "key_pos"});
    add("attn.hook_pattern", {H, n_ctx_}, {"head", "key_pos"});
    add("attn.hook_z", {H, d}, {"head", "d_head"});
    add("hook_attn_out", {D}, {"d_model"});
    add("hook_resid_mid", {D}, {"d_model"});
    add("mlp.hook_pre", {M}, {"d_mlp"});
    add("mlp.hook_post", {M}, {"d_mlp"});
    add("hook_mlp_out", {D}, {"d_model"});
    add("hook_resid_post", {D}, {"d_model"});
  }
  h.push_back({"logits", {p_}, {"d_vocab_out"}});
  return h;
}

// ---- anatomy (model.h). The neurons the analyses read are the last block's.

std::string Transformer::mlp_hook(const std::string& site) const { return block_name(config_.n_layers - 1, site); }

std::string Transformer::describe() const {
  const Config& c = config_;
  return fmt::format("transformer: {} layer{}, d_model {}, {} heads x {}, d_mlp {}, {}{}{}{}", c.n_layers,
                     c.n_layers == 1 ? "" : "s", c.d_model, c.n_heads, c.d_head, c.d_mlp, c.act,
                     c.bias ? ", biases" : "",
                     c.attention_rate == 1.0 ? "" : fmt::format(", attention rate {}", c.attention_rate),
                     c.precision == "bf16" ? ", bf16 batch products" : "");
}

std::vector<std::string> Transformer::default_hooks() const { return {mlp_hook("mlp.hook_post"), "logits"}; }

std::string Transformer::neuron_hook() const {
  // x^2 turns a frequency-k wave into frequency 2k, so a quadratic model's
  // neurons show their frequency before the activation, not after it.
  return mlp_hook(config_.act == "quadratic" ? "mlp.hook_pre" : "mlp.hook_post");
}

at::Tensor Transformer::number_embedding() const {
  c10::NoGradGuard no_grad;
  return W_E.slice(0, 0, p_).to(at::kDouble);  // [p, D]
}

at::Tensor Transformer::neuron_input_map() const {
  // The MLP at '=' sees a number only through attention: W_E[:p] W_V^h W_O^h,
  // summed over heads, into the last block's W_in (Nanda et al.'s W_neur; for
  // one layer exactly theirs, deeper: the direct path through block 0's OV).
  c10::NoGradGuard no_grad;
  const Block& first = blocks_.front();
  at::Tensor ov = at::matmul(first.W_V.to(at::kDouble), first.W_O.to(at::kDouble)).sum(0);     // [D, D]
  return at::matmul(at::matmul(number_embedding(), ov), blocks_.back().W_in.to(at::kDouble));  // [p, M]
}

at::Tensor Transformer::neuron_logit_map() const {
  c10::NoGradGuard no_grad;
  return at::matmul(blocks_.back().W_out.to(at::kDouble), W_U.to(at::kDouble));  // [M, P]
}

std::optional<AttentionSite> Transformer::attention_site() const {
  return AttentionSite{block_name(config_.n_layers - 1, "attn.hook_pattern"), config_.n_heads, {"a", "b", "="}};
}

OperandRows Transformer::operand_rows() const { return {0, 0, 0}; }  // parameter 0 is W_E; a and b are tokens

}  // namespace grok
