// transformer.h — the Nanda et al. 2023 style transformer (TransformerLens names).
//
// Input tokens [a, b, '='] with '=' = token id p: vocab p+1 in, p out.
// Learned token and positional embeddings, n_layers blocks of causal
// multi-head attention + MLP, no LayerNorm, untied unembedding read at the
// last position.
//
// Only the last position feeds the loss, so the last block is evaluated at the
// last query position only, and layer 0's queries/keys/values (for a one-layer
// model its attention scores and values) are looked up from per-token tables
// (W_E @ W_Q etc.) instead of being recomputed for every pair: the same numbers
// as the textbook forward, a fraction of the work.
#pragma once

#include "grok/model/model.h"

namespace grok {

class Transformer : public Model {
 public:
  explicit Transformer(const Config& config);
  // stacked: every parameter with a leading member axis [K, ...]; pairs [B, 2] -> logits [K, B, P].
  at::Tensor forward_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs,
                             ActivationCache* cache = nullptr) const override;
  // With config.factored_forward: the same function through per-token tables (see
  // transformer.cpp), about 2.2x fewer FLOPs for nanda2023; otherwise forward_members().
  at::Tensor logits_members(const std::vector<at::Tensor>& stacked, const at::Tensor& pairs) const override;
  // One layer, no biases, float32 (config validation): the forward at the last position and
  // its backward written out (transformer_backward.cpp).
  std::unique_ptr<ManualPass> manual_pass(const std::vector<at::Tensor>& stacked,
                                          const at::Tensor& pairs) const override;
  std::vector<HookInfo> hooks() const override;
  std::vector<std::string> default_hooks() const override;
  std::string describe() const override;
  at::Tensor number_embedding() const override;  // W_E[:p]
  at::Tensor neuron_input_map() const override;  // W_E[:p] (sum_h W_V^h W_O^h of block 0) W_in of the last block
  std::string neuron_hook() const override;      // blocks.{L-1}.mlp.hook_post (hook_pre for act = quadratic)
  at::Tensor neuron_logit_map() const override;  // W_out of the last block @ W_U
  std::optional<AttentionSite> attention_site() const override;
  // With constant attention (attention_rate 0) one layer sees a and b only as
  // OV(E_a) + OV(E_b): additive, the pizza paper's "model B".
  bool operands_enter_additively() const override { return config_.attention_rate == 0.0 && config_.n_layers == 1; }
  OperandRows operand_rows() const override;

  // The textbook forward (every position, every product), for tests: must
  // agree with forward() to float32 rounding.
  at::Tensor reference_forward(const at::Tensor& pairs) const;

 private:
  struct Block {
    at::Tensor W_Q, W_K, W_V, W_O, b_Q, b_K, b_V, b_O;  // [H, d_model, d_head] ... (TL shapes)
    at::Tensor W_in, b_in, W_out, b_out;                // [d_model, d_mlp], [d_mlp], [d_mlp, d_model], [d_model]
  };
  // Every weight by role: this model's own ([...]) or a stack of members' ([K, ...]).
  struct Weights {
    at::Tensor W_E, W_pos, W_U, b_U;
    std::vector<Block> blocks;
  };
  // x [K, ..., A] @ W [K, A, C] -> [K, ..., C] for the products whose cost grows with the batch,
  // in config.precision: bf16 rounds both operands and the result to bfloat16 (then float32),
  // with the sums in float32 between (as oneDNN's bfloat16 products and tensor cores do).
  at::Tensor batch_product(const at::Tensor& x, const at::Tensor& W) const;
  // `values` in parameters() order -> the same tensors by role (undefined where absent).
  Weights weights_of(const std::vector<at::Tensor>& values) const;
  std::string mlp_hook(const std::string& site) const;  // the last block's MLP hook `site`
  at::Tensor tokens(const at::Tensor& pairs) const;     // [B, 2] -> [B, n_ctx]
  // Below, every tensor has the leading member axis K. x @ W for W in TL shape
  // [K, H, d_model, d_head] (+ b), x [K, ..., d_model] -> [K, ..., H, d_head].
  at::Tensor project(const at::Tensor& x, const at::Tensor& W, const at::Tensor& b) const;
  at::Tensor mlp(const Block& blk, const at::Tensor& x, int64_t layer, ActivationCache* cache) const;
  at::Tensor attn_out(const Block& blk, const at::Tensor& z) const;
  // softmax over the keys, mixed with constant attention by config.attention_rate
  // (see forward()). scores [..., n_keys]; `allowed` [n_query, n_keys] marks the keys
  // a query may see (undefined: all of them).
  at::Tensor attention_pattern(const at::Tensor& scores, const at::Tensor& allowed = {}) const;
  // Layer 0 reads W_E[token] + W_pos[position], so its projection x @ W (+ b)
  // is by_token[token] + by_pos[position]: [K, V, H, d] and [K, n, H, d] (b in by_pos).
  struct EmbeddingProjection {
    at::Tensor by_token, by_pos;
  };
  EmbeddingProjection project_embeddings(const Weights& w, const at::Tensor& W, const at::Tensor& b) const;
  // Layer-0 attention from the last position, when layer 0 is also the last
  // layer: every key and value is W_E[token] + W_pos[position] through a fixed
  // matrix, so scores and values are per-token table lookups.
  struct LastQueryAttention {
    at::Tensor q, k, v;          // [K, B, H, d] at the last position
    at::Tensor scores, pattern;  // [K, B, H, n]
    at::Tensor z;                // [K, B, H, d]
  };
  // Attention scores of the last query over the n keys, and what they were made of.
  struct LastQueryScores {
    at::Tensor q;             // [K, 1, H, d]
    EmbeddingProjection key;  // [K, V, H, d], [K, n, H, d]
    at::Tensor scores;        // [K, B, H, n]
  };
  LastQueryScores last_query_scores(const Weights& w, const Block& blk, const at::Tensor& tok) const;
  LastQueryAttention attend_by_table(const Weights& w, const Block& blk, const at::Tensor& tok) const;

  void bind_weights() override;

  int64_t p_, n_ctx_ = 3, d_vocab_;
  // The CPU multiplies bfloat16 in hardware (runtime/cpu_features.h); where it does not, bf16
  // products on the CPU are float32 products of bfloat16-rounded operands (batch_product).
  bool cpu_bfloat16_;
  at::Tensor W_E, W_pos, W_U, b_U;  // this model's own weights, for the anatomy
  std::vector<Block> blocks_;
};

}  // namespace grok
