// test_factored_forward.cpp — the factored forward (config.factored_forward) and its kernel, table_mix.
//
// Checked against code that shares nothing with them: table_mix against loops written out here
// (forward and both gradients) and against the ATen composition; the factored logits and every
// parameter gradient against the hooked forward (forward_members) through autograd, in float64,
// where the two orders of summation agree to ~1e-13 and any algebra slip (a missing position, the
// residual stream's direct path, W_out W_U, the constant-attention term) shows as O(1).
#include <catch2/catch.hpp>

#include <type_traits>

#include <ATen/Parallel.h>

#include "grok/core/config.h"
#include "grok/core/error.h"
#include "grok/core/presets.h"
#include "grok/model/grid.h"
#include "grok/model/model.h"
#include "grok/model/table_mix.h"
#include "grok/train/loss.h"
#include "stacked_models.h"

using grok_test::autograd_pass;
using grok_test::max_relative;
using grok_test::Pass;
using grok_test::small_nanda;
using grok_test::stacked_params;

namespace {

struct MixCase {
  at::Tensor table, token, weight, base, dout;  // [K, H, n, V, W], [B, n], [K, B, H, n], [K, W], [K, B, W]
};

// W = 150 spans three 64-column blocks (the last one partial) and a 16-lane tail of the dot products.
MixCase random_case(at::ScalarType dtype) {
  const int64_t K = 2, H = 3, V = 7, W = 150, B = 11, n = 3;
  at::manual_seed(11);
  MixCase c;
  c.table = at::randn({K, H, n, V, W}, at::kDouble).to(dtype);
  c.token = at::randint(V, {B, n}, at::kLong);
  c.token[0][0] = c.token[0][1] = 4;  // one row reads the same token twice: its rows must add up
  c.weight = at::randn({K, B, H, n}, at::kDouble).to(dtype);
  c.base = at::randn({K, W}, at::kDouble).to(dtype);
  c.dout = at::randn({K, B, W}, at::kDouble).to(dtype);
  return c;
}

// The three sums of table_mix.h, as plain loops over accessors, in T, in the kernel's documented
// order of operations (this file is compiled with -ffp-contract=off too): out = base, then
// + w * row for j = (h, pos) ascending; d weight as dot_group's 16 lanes (lane l sums columns
// l, l + 16, ...; the lanes added 0..15); d table and d base from zero, adding batch rows in
// ascending b. In float64 they are the reference values; in float32 equal bits pin the order,
// not just the values: a reassociated sum, another lane count or a gather visiting b out of
// order would differ.
struct Written {
  at::Tensor out, dtable, dweight, dbase;
};
template <class T>
Written written_out(const MixCase& c) {
  constexpr at::ScalarType dtype = std::is_same<T, double>::value ? at::kDouble : at::kFloat;
  const auto t = c.table.to(dtype), w = c.weight.to(dtype), g = c.dout.to(dtype), base = c.base.to(dtype);
  const int64_t K = t.size(0), H = t.size(1), n = t.size(2), W = t.size(4), B = c.token.size(0);
  Written r{at::zeros({K, B, W}, dtype), at::zeros_like(t), at::zeros_like(w), at::zeros_like(base)};
  auto Tab = t.accessor<T, 5>();
  auto Wt = w.accessor<T, 4>();
  auto G = g.accessor<T, 3>();
  auto Base = base.accessor<T, 2>();
  auto tok = c.token.accessor<int64_t, 2>();
  auto O = r.out.accessor<T, 3>();
  auto dT = r.dtable.accessor<T, 5>();
  auto dW = r.dweight.accessor<T, 4>();
  auto dB = r.dbase.accessor<T, 2>();
  for (int64_t k = 0; k < K; ++k)
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t col = 0; col < W; ++col) {
        O[k][b][col] = Base[k][col];
        dB[k][col] += G[k][b][col];
      }
      for (int64_t h = 0; h < H; ++h)
        for (int64_t pos = 0; pos < n; ++pos) {
          const int64_t v = tok[b][pos];
          T lane[16] = {};
          for (int64_t col = 0; col < W; ++col) {
            O[k][b][col] += Wt[k][b][h][pos] * Tab[k][h][pos][v][col];
            dT[k][h][pos][v][col] += Wt[k][b][h][pos] * G[k][b][col];
            lane[col % 16] += G[k][b][col] * Tab[k][h][pos][v][col];
          }
          T sum = 0;
          for (T l : lane) sum += l;
          dW[k][b][h][pos] = sum;
        }
    }
  return r;
}

struct Kernel {
  at::Tensor out, dtable, dweight, dbase;
};
// How the sums are computed: autograd through table_mix (the kernel) or through its ATen
// reference, or the gradients without autograd (table_mix_gradients, the written-out step's
// call) and their ATen version (what it runs off the CPU).
enum class Path { kernel, reference, gradients, gradients_reference };
const char* name(Path path) {
  const char* names[] = {"kernel", "ATen reference", "table_mix_gradients", "table_mix_gradients_reference"};
  return names[static_cast<int>(path)];
}
Kernel run_kernel(const MixCase& c, Path path = Path::kernel) {
  if (path == Path::gradients || path == Path::gradients_reference) {
    const grok::TableMixGradients d = path == Path::gradients
                                          ? grok::table_mix_gradients(c.table, c.token, c.weight, c.dout)
                                          : grok::table_mix_gradients_reference(c.table, c.token, c.weight, c.dout);
    return {grok::table_mix(c.table, c.token, c.weight, c.base), d.table, d.weight, d.base};
  }
  const at::Tensor table = c.table.clone().requires_grad_(true), weight = c.weight.clone().requires_grad_(true);
  const at::Tensor base = c.base.clone().requires_grad_(true);
  const at::Tensor out = path == Path::reference ? grok::table_mix_reference(table, c.token, weight, base)
                                                 : grok::table_mix(table, c.token, weight, base);
  out.backward(c.dout);
  return {out.detach(), table.grad(), weight.grad(), base.grad()};
}

}  // namespace

TEST_CASE("table_mix equals the sums written out, forward and both gradients", "[factored]") {
  for (at::ScalarType dtype : {at::kDouble, at::kFloat}) {
    const MixCase c = random_case(dtype);
    const Written want = written_out<double>(c);
    const double tolerance = dtype == at::kDouble ? 1e-13 : 1e-6;
    for (Path path : {Path::kernel, Path::reference, Path::gradients, Path::gradients_reference}) {
      INFO(name(path) << ", " << (dtype == at::kDouble ? "float64" : "float32"));
      const Kernel got = run_kernel(c, path);
      CHECK(max_relative(got.out, want.out) < tolerance);
      CHECK(max_relative(got.dtable, want.dtable) < tolerance);
      CHECK(max_relative(got.dweight, want.dweight) < tolerance);
      CHECK(max_relative(got.dbase, want.dbase) < tolerance);
    }
  }
}

TEST_CASE("table_mix computes its sums in the documented order, bit for bit", "[factored]") {
  const MixCase c = random_case(at::kFloat);  // W = 150: two full column blocks, a partial one, a 6-lane tail
  const Written want = written_out<float>(c);
  for (Path path : {Path::kernel, Path::gradients}) {
    INFO(name(path));
    const Kernel got = run_kernel(c, path);
    CHECK(at::equal(got.out, want.out));
    CHECK(at::equal(got.dtable, want.dtable));
    CHECK(at::equal(got.dweight, want.dweight));
    CHECK(at::equal(got.dbase, want.dbase));
  }
}

TEST_CASE("table_mix_gradients of an empty batch: zero table and base gradients", "[factored][manual]") {
  MixCase c = random_case(at::kFloat);
  c.token = c.token.narrow(0, 0, 0), c.weight = c.weight.narrow(1, 0, 0), c.dout = c.dout.narrow(1, 0, 0);
  const grok::TableMixGradients d = grok::table_mix_gradients(c.table, c.token, c.weight, c.dout);
  CHECK(d.table.sizes() == c.table.sizes());
  CHECK(d.table.abs().max().item<float>() == 0);
  CHECK(d.weight.numel() == 0);
  CHECK(d.base.abs().max().item<float>() == 0);
}

TEST_CASE("table_mix gives the same bits at 1 and 2 threads", "[factored]") {
  const int threads = at::get_num_threads();
  const MixCase c = random_case(at::kFloat);
  at::set_num_threads(1);
  const Kernel one = run_kernel(c);
  at::set_num_threads(2);
  const Kernel two = run_kernel(c);
  at::set_num_threads(threads);
  CHECK(at::equal(one.out, two.out));
  CHECK(at::equal(one.dtable, two.dtable));
  CHECK(at::equal(one.dweight, two.dweight));
  CHECK(at::equal(one.dbase, two.dbase));
}

TEST_CASE("table_mix_gradients computes what table_mix's backward does, bit for bit", "[factored][manual]") {
  const MixCase c = random_case(at::kFloat);
  const Kernel autograd = run_kernel(c), direct = run_kernel(c, Path::gradients);
  CHECK(at::equal(direct.dtable, autograd.dtable));
  CHECK(at::equal(direct.dweight, autograd.dweight));
  CHECK(at::equal(direct.dbase, autograd.dbase));
  MixCase wrong = c;
  wrong.dout = c.dout.narrow(1, 0, 5);
  CHECK_THROWS_AS(grok::table_mix_gradients(wrong.table, wrong.token, wrong.weight, wrong.dout), std::invalid_argument);
}

TEST_CASE("table_mix refuses a token outside its table", "[factored]") {
  MixCase c = random_case(at::kFloat);
  c.token[3][1] = 7;  // V = 7
  CHECK_THROWS_WITH(grok::table_mix(c.table, c.token, c.weight, c.base),
                    Catch::Contains("token out of the table's range"));
}

TEST_CASE("the factored forward computes the hooked forward's logits and gradients", "[factored]") {
  // float64: both orders of summation agree to rounding, so 1e-10 separates algebra from rounding.
  for (double rate : {1.0, 0.3, 0.0})
    for (const char* act : {"relu", "gelu", "quadratic"}) {
      grok::Config c = small_nanda();
      c.attention_rate = rate, c.act = act, c.factored_forward = true;
      INFO("attention_rate " << rate << ", act " << act);
      const auto model = grok::make_model(c);
      const std::vector<at::Tensor> stacked = stacked_params(c, 2, at::kDouble);
      const at::Tensor pairs = grok::grid_pairs(c.p);  // [p^2, 2]
      const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
      const Pass hooked = autograd_pass(*model, stacked, pairs, labels, false);
      const Pass factored = autograd_pass(*model, stacked, pairs, labels, true);
      CHECK(max_relative(factored.logits, hooked.logits) < 1e-12);
      for (size_t i = 0; i < stacked.size(); ++i) {
        INFO("gradient of " << model->parameters()[i].name);
        CHECK(max_relative(factored.grads[i], hooked.grads[i]) < 1e-10);
      }
    }
}

TEST_CASE("the factored forward in float32 stays within float32 rounding of the hooked one", "[factored]") {
  // nanda2023's own shapes (p 113, d_model 128, d_mlp 512) on a quarter of the grid.
  grok::Config c = grok::load_preset("nanda2023");
  c.factored_forward = true;
  const auto model = grok::make_model(c);
  const std::vector<at::Tensor> stacked = stacked_params(c, 1, at::kFloat);
  const std::vector<at::Tensor> exact = stacked_params(c, 1, at::kDouble);
  const at::Tensor pairs = grok::grid_pairs(c.p).slice(0, 0, 3000);
  const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
  const Pass want = autograd_pass(*model, exact, pairs, labels, false);  // float64: the truth for both
  const Pass factored = autograd_pass(*model, stacked, pairs, labels, true);
  const Pass hooked = autograd_pass(*model, stacked, pairs, labels, false);
  // Each float32 path is as close to the float64 truth as the other (measured: both ~1e-6).
  CHECK(max_relative(factored.logits, want.logits) < 1e-5);
  for (size_t i = 0; i < stacked.size(); ++i) {
    INFO("gradient of " << model->parameters()[i].name << ": hooked path's error "
                        << max_relative(hooked.grads[i], want.grads[i]));
    CHECK(max_relative(factored.grads[i], want.grads[i]) < 1e-5);
  }
}

TEST_CASE("member k of a factored batch computes model k alone, bit for bit", "[factored][ensemble]") {
  grok::Config c = small_nanda(29);
  c.factored_forward = true;
  const auto model = grok::make_model(c);
  const std::vector<at::Tensor> stacked = stacked_params(c, 3, at::kFloat);
  const at::Tensor pairs = grok::grid_pairs(c.p).slice(0, 0, 400);
  const at::Tensor labels = at::randint(c.p, {pairs.size(0)}, at::kLong);
  const Pass together = autograd_pass(*model, stacked, pairs, labels, true);
  for (int64_t k = 0; k < 3; ++k) {
    std::vector<at::Tensor> one;
    for (const at::Tensor& s : stacked) one.push_back(s.detach().slice(0, k, k + 1));
    const Pass alone = autograd_pass(*model, one, pairs, labels, true);
    INFO("member " << k);
    CHECK(at::equal(together.logits[k], alone.logits[0]));
    for (size_t i = 0; i < stacked.size(); ++i) CHECK(at::equal(together.grads[i][k], alone.grads[i][0]));
  }
}

TEST_CASE("factored_forward is refused where the tables do not hold", "[factored]") {
  grok::Config c = small_nanda();
  c.factored_forward = true;
  c.n_layers = 2;
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  c.n_layers = 1, c.bias = true;
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  c.bias = false, c.model = "mlp";
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
}

namespace {

at::Tensor bf(const at::Tensor& t) { return t.to(at::kBFloat16).to(at::kDouble); }  // rounded to bfloat16

// The residual stream at '=' after attention, [B, D], written out in float64 from one model's
// float32 weights: per head, softmax over the three keys of q . k / sqrt(d), values through W_O.
at::Tensor resid_mid_written_out(const grok::Model& m, const at::Tensor& pairs, int64_t p) {
  auto W = [&](const char* name) { return m.param(name).detach().to(at::kDouble); };
  const at::Tensor W_E = W("embed.W_E"), W_pos = W("pos_embed.W_pos");
  const at::Tensor W_Q = W("blocks.0.attn.W_Q"), W_K = W("blocks.0.attn.W_K"), W_V = W("blocks.0.attn.W_V"),
                   W_O = W("blocks.0.attn.W_O");
  const int64_t B = pairs.size(0), H = W_Q.size(0);
  const std::vector<at::Tensor> x{W_E.index_select(0, pairs.select(1, 0)) + W_pos[0],
                                  W_E.index_select(0, pairs.select(1, 1)) + W_pos[1],
                                  W_E[p].expand({B, -1}) + W_pos[2]};
  at::Tensor resid = x[2].clone();
  for (int64_t h = 0; h < H; ++h) {
    const at::Tensor q = at::matmul(x[2], W_Q[h]);  // [B, d]
    std::vector<at::Tensor> scores;
    for (const at::Tensor& xj : x) scores.push_back((q * at::matmul(xj, W_K[h])).sum(-1) / std::sqrt(W_Q.size(2)));
    const at::Tensor pattern = at::softmax(at::stack(scores, 1), 1);  // [B, 3]
    for (size_t j = 0; j < x.size(); ++j)
      resid += pattern.select(1, static_cast<int64_t>(j)).unsqueeze(1) * at::matmul(at::matmul(x[j], W_V[h]), W_O[h]);
  }
  return resid;
}

double mean_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().mean().item<double>();
}

}  // namespace

TEST_CASE("precision bf16 rounds exactly the batch-wide products, written out", "[factored][precision]") {
  // The bf16 logits must sit on the float64 computation with those products' operands and
  // results rounded to bfloat16 (and nothing else), much nearer than the float32 logits do:
  // bf16 left out, or applied to another product (attention, the factored forward's tables),
  // moves them as far from it as float32 is.
  c10::NoGradGuard no_grad;
  grok::Config c = small_nanda(53);
  c.d_mlp = 128;
  const at::Tensor pairs = grok::grid_pairs(c.p);
  for (bool factored : {false, true}) {
    INFO((factored ? "factored" : "hooked") << " forward");
    c.factored_forward = factored;
    c.precision = "fp32";
    const auto fp32 = grok::make_model(c);
    c.precision = "bf16";
    const auto bf16 = grok::make_model(c);
    auto W = [&](const char* name) { return bf16->param(name).detach().to(at::kDouble); };
    const at::Tensor resid = resid_mid_written_out(*bf16, pairs, c.p), W_in = W("blocks.0.mlp.W_in"),
                     W_out = W("blocks.0.mlp.W_out"), W_U = W("unembed.W_U");
    at::Tensor want;
    if (!factored) {  // MLP in, MLP out and unembedding, each rounded
      const at::Tensor post = at::relu(bf(at::matmul(bf(resid), bf(W_in))));
      const at::Tensor resid_post = resid + bf(at::matmul(bf(post), bf(W_out)));
      want = bf(at::matmul(bf(resid_post), bf(W_U)));
    } else {  // one product: post @ (W_out W_U)
      const at::Tensor post = at::relu(at::matmul(resid, W_in));
      want = at::matmul(resid, W_U) + bf(at::matmul(bf(post), bf(at::matmul(W_out, W_U))));
    }
    const at::Tensor got = bf16->logits_members(bf16->one_member_stack(), pairs)[0];
    const at::Tensor got_fp32 = fp32->logits_members(fp32->one_member_stack(), pairs)[0];
    const double bf16_error = mean_abs_diff(got, want), fp32_error = mean_abs_diff(got_fp32, want);
    INFO("mean |bf16 - written out| " << bf16_error << ", mean |fp32 - written out| " << fp32_error);
    CHECK(bf16_error < 0.01 * fp32_error);
    CHECK(max_relative(got, want) < 1.0 / 64);  // a few bfloat16 steps where a rounding flipped
    if (!factored) CHECK(at::equal(got, got.to(at::kBFloat16).to(at::kFloat)));  // the last product's result
  }
  c.precision = "bf16", c.model = "mlp", c.factored_forward = false;
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  c.model = "transformer", c.precision = "fp16";
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
}

TEST_CASE("bfloat16 products in float32: operands and result rounded once, gradients likewise, written out",
          "[factored][precision]") {
  // What a CPU without bfloat16 instructions computes for --precision bf16 (every CPU runs this
  // test, whichever path its transformer takes). Written out: the float64 product of the rounded
  // operands, rounded. float32 sums may flip a rounding now and then (one bfloat16 step), so most
  // entries must equal it and none may be further. Catches a result left unrounded (it would not be
  // bfloat16 numbers), operands left unrounded (most entries off by a step), and gradients that
  // skip a rounding.
  at::manual_seed(7);
  const at::Tensor x = at::randn({2, 50, 64}).requires_grad_(true);  // [K, B, A]
  const at::Tensor W = at::randn({2, 64, 40}).requires_grad_(true);  // [K, A, C]
  const at::Tensor G = at::randn({2, 50, 40});                       // d loss / d result
  const at::Tensor got = grok::member_matmul_bf16_in_float32(x, W);
  (got * G).sum().backward();
  auto check_rounded_once = [](const char* what, const at::Tensor& value, const at::Tensor& want64) {
    INFO(what);
    const at::Tensor v = value.detach().to(at::kDouble), want = bf(want64);
    CHECK(value.scalar_type() == at::kFloat);
    CHECK(at::equal(v, bf(v)));     // bfloat16 numbers
    const double step = 1.0 / 128;  // a bfloat16 step, relative: 8 significant bits
    const at::Tensor off = (v - want).abs() > 0;
    CHECK(off.to(at::kDouble).mean().item<double>() < 0.02);
    CHECK(((v - want).abs() <= want.abs() * step * 1.0001).all().item<bool>());
  };
  const at::Tensor x64 = bf(x.detach()), W64 = bf(W.detach()), G64 = bf(G);
  check_rounded_once("result", got, at::matmul(x64, W64));
  check_rounded_once("d x", x.grad(), at::matmul(G64, W64.transpose(1, 2)));
  check_rounded_once("d W", W.grad(), at::matmul(x64.transpose(1, 2), G64));
}
