// test_model.cpp — TransformerLens names and shapes, hooks, fast forward vs textbook forward.
#include <catch2/catch.hpp>

#include "grok/core/error.h"
#include "grok/core/presets.h"
#include "grok/model/grid.h"
#include "grok/model/mlp.h"
#include "grok/model/transformer.h"
#include "grok/runtime/cpu_features.h"
#include "grok/runtime/device.h"

#include <fstream>
#include <set>
#include <sstream>

namespace {

grok::Config small_transformer() {
  grok::Config c = grok::load_preset("nanda2023");
  c.p = 11;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_head = 8;
  c.d_mlp = 32;
  return c;
}

at::Tensor some_pairs(int64_t p) { return grok::grid_pairs(p); }

std::vector<int64_t> sizes(const at::Tensor& t) { return t.sizes().vec(); }

}  // namespace

TEST_CASE("transformer parameters carry TransformerLens names and shapes", "[model]") {
  grok::Config c = small_transformer();
  c.bias = true;
  grok::Transformer m(c);
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected = {
      {"embed.W_E", {12, 16}},           {"pos_embed.W_pos", {3, 16}},
      {"blocks.0.attn.W_Q", {2, 16, 8}}, {"blocks.0.attn.W_K", {2, 16, 8}},
      {"blocks.0.attn.W_V", {2, 16, 8}}, {"blocks.0.attn.W_O", {2, 8, 16}},
      {"blocks.0.attn.b_Q", {2, 8}},     {"blocks.0.attn.b_K", {2, 8}},
      {"blocks.0.attn.b_V", {2, 8}},     {"blocks.0.attn.b_O", {16}},
      {"blocks.0.mlp.W_in", {16, 32}},   {"blocks.0.mlp.b_in", {32}},
      {"blocks.0.mlp.W_out", {32, 16}},  {"blocks.0.mlp.b_out", {16}},
      {"unembed.W_U", {16, 11}},         {"unembed.b_U", {11}}};
  REQUIRE(m.parameters().size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(m.parameters()[i].name == expected[i].first);
    CHECK(sizes(m.parameters()[i].value) == expected[i].second);
  }
  // Biases start at zero; weights are N(0, 1/d_model) (W_U: N(0, 1/p)).
  CHECK(m.param("blocks.0.attn.b_Q").abs().sum().item<double>() == 0.0);
  grok::Config big = grok::load_preset("nanda2023");
  grok::Transformer mb(big);
  CHECK(mb.param("blocks.0.mlp.W_in").std().item<double>() == Approx(1 / std::sqrt(128.0)).epsilon(0.02));
  CHECK(mb.param("unembed.W_U").std().item<double>() == Approx(1 / std::sqrt(113.0)).epsilon(0.02));
}

TEST_CASE("without biases there are no b_* tensors", "[model]") {
  grok::Transformer m(small_transformer());
  for (const auto& p : m.parameters()) CHECK(p.name.find(".b_") == std::string::npos);
  CHECK(m.parameters().size() == 9);
}

TEST_CASE("the hook list is TransformerLens's, and every hook has its declared shape", "[model]") {
  grok::Config c = small_transformer();
  c.n_layers = 2;
  grok::Transformer m(c);
  std::vector<std::string> names;
  for (const auto& h : m.hooks()) names.push_back(h.name);
  std::vector<std::string> expected{"hook_embed", "hook_pos_embed"};
  for (std::string l : {"0", "1"})
    for (std::string rest : {"hook_resid_pre", "attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_attn_scores",
                             "attn.hook_pattern", "attn.hook_z", "hook_attn_out", "hook_resid_mid", "mlp.hook_pre",
                             "mlp.hook_post", "hook_mlp_out", "hook_resid_post"})
      expected.push_back("blocks." + l + "." + rest);
  expected.push_back("logits");
  CHECK(names == expected);

  grok::ActivationCache cache;
  c10::NoGradGuard no_grad;
  at::Tensor logits = m.forward(some_pairs(11), &cache);
  CHECK(sizes(logits) == std::vector<int64_t>{121, 11});
  for (const auto& h : m.hooks()) {
    INFO(h.name);
    REQUIRE(cache.count(h.name) == 1);
    std::vector<int64_t> want{121};
    want.insert(want.end(), h.shape.begin(), h.shape.end());
    CHECK(sizes(cache.at(h.name)) == want);
  }
  CHECK(cache.size() == m.hooks().size());
  // Attention patterns at the last position sum to one over the keys.
  CHECK(at::allclose(cache.at("blocks.1.attn.hook_pattern").sum(-1), at::ones({121, 2})));
  CHECK(at::allclose(cache.at("logits"), logits));
}

TEST_CASE("the fast forward equals the textbook forward", "[model]") {
  c10::NoGradGuard no_grad;
  for (int64_t layers : {1, 2}) {
    for (bool bias : {false, true}) {
      for (double rate : {1.0, 0.3, 0.0}) {
        grok::Config c = small_transformer();
        c.n_layers = layers;
        c.bias = bias;
        c.attention_rate = rate;
        grok::Transformer m(c);
        if (bias)  // make biases matter
          for (auto& p : m.parameters())
            if (p.name.find(".b_") != std::string::npos) p.value.normal_();
        at::Tensor pairs = some_pairs(11);
        INFO("layers " << layers << " bias " << bias << " attention rate " << rate);
        CHECK(at::allclose(m.forward(pairs), m.reference_forward(pairs), 1e-4, 1e-5));
      }
    }
  }
}

TEST_CASE("attention rate: the pattern is rate * softmax(scores) + (1 - rate) on every key", "[model][pizza]") {
  c10::NoGradGuard no_grad;
  grok::Config c = small_transformer();
  c.attention_rate = 0.25;
  grok::Transformer m(c);
  grok::ActivationCache cache;
  m.forward(some_pairs(11), &cache);
  const at::Tensor scores = cache.at("blocks.0.attn.hook_attn_scores");  // [B, H, 3]
  const at::Tensor pattern = cache.at("blocks.0.attn.hook_pattern");
  // Written out: softmax over the three keys by exp / sum, then the mix.
  const at::Tensor e = (scores - std::get<0>(scores.max(-1, true))).exp();
  CHECK(at::allclose(pattern, 0.25 * e / e.sum(-1, true) + 0.75, 1e-5, 1e-6));
  CHECK(m.operands_enter_additively() == false);
}

TEST_CASE("attention rate 0, one layer: logits of the written-out constant-attention model", "[model][pizza]") {
  // Zhong et al.'s model B: each key weighted 1, so the '=' residual is
  // x_2 + sum_j sum_h (x_j W_V^h) W_O^h with x_j = W_E[token_j] + W_pos[j]; then the MLP and W_U.
  c10::NoGradGuard no_grad;
  grok::Config c = small_transformer();
  c.attention_rate = 0.0;
  grok::Transformer m(c);
  const at::Tensor pairs = some_pairs(11);
  const at::Tensor W_E = m.param("embed.W_E"), W_pos = m.param("pos_embed.W_pos");
  const at::Tensor W_V = m.param("blocks.0.attn.W_V"), W_O = m.param("blocks.0.attn.W_O");
  const int64_t B = pairs.size(0);
  std::vector<at::Tensor> x;  // per position, [B, D]
  x.push_back(W_E.index_select(0, pairs.select(1, 0)) + W_pos[0]);
  x.push_back(W_E.index_select(0, pairs.select(1, 1)) + W_pos[1]);
  x.push_back(W_E[11].expand({B, -1}) + W_pos[2]);
  at::Tensor resid = x[2].clone();
  for (int64_t h = 0; h < c.n_heads; ++h)
    for (const at::Tensor& xj : x) resid += at::matmul(at::matmul(xj, W_V[h]), W_O[h]);
  const at::Tensor post = at::relu(at::matmul(resid, m.param("blocks.0.mlp.W_in")));
  const at::Tensor expected =
      at::matmul(resid + at::matmul(post, m.param("blocks.0.mlp.W_out")), m.param("unembed.W_U"));
  CHECK(at::allclose(m.forward(pairs), expected, 1e-4, 1e-5));
  CHECK(m.operands_enter_additively());  // so the probes know gradient symmetricity is 1 by construction
}

TEST_CASE("the same seed gives the same weights, another seed does not", "[model]") {
  grok::Config c = small_transformer();
  grok::Transformer a(c), b(c);
  c.seed = 1;
  grok::Transformer d(c);
  CHECK(at::equal(a.param("embed.W_E"), b.param("embed.W_E")));
  CHECK_FALSE(at::equal(a.param("embed.W_E"), d.param("embed.W_E")));
}

TEST_CASE("MLP family: shapes, names and hooks for both input kinds", "[model]") {
  grok::Config c = small_transformer();
  c.model = "mlp";
  c.act = "quadratic";
  grok::Mlp embed(c);
  CHECK(embed.parameters()[0].name == "embed.W_E");
  CHECK(sizes(embed.param("mlp.W_in")) == std::vector<int64_t>{16, 32});
  CHECK(sizes(embed.param("unembed.W_U")) == std::vector<int64_t>{32, 11});
  c.mlp_input = "onehot";
  grok::Mlp onehot(c);
  CHECK(sizes(onehot.param("mlp.W_in")) == std::vector<int64_t>{22, 32});
  grok::ActivationCache cache;
  c10::NoGradGuard no_grad;
  at::Tensor pairs = some_pairs(11);
  at::Tensor logits = onehot.forward(pairs, &cache);
  CHECK(sizes(logits) == std::vector<int64_t>{121, 11});
  // One-hot lookup equals the explicit concat(one_hot(a), one_hot(b)) @ W_in, squared.
  at::Tensor x = at::cat({at::one_hot(pairs.select(1, 0), 11), at::one_hot(pairs.select(1, 1), 11)}, 1).to(at::kFloat);
  at::Tensor h = at::matmul(x, onehot.param("mlp.W_in"));
  CHECK(at::allclose(cache.at("mlp.hook_post"), h * h, 1e-5, 1e-6));
  CHECK(at::allclose(logits, at::matmul(h * h, onehot.param("unembed.W_U")), 1e-4, 1e-5));
}

TEST_CASE("hook selection: default, all, and unknown names", "[model]") {
  grok::Transformer m(small_transformer());
  auto def = grok::select_hooks(m, "default");
  REQUIRE(def.size() == 2);
  CHECK(def[0].name == "blocks.0.mlp.hook_post");
  CHECK(def[1].name == "logits");
  CHECK(grok::select_hooks(m, "all").size() == m.hooks().size());
  CHECK_THROWS_WITH(grok::select_hooks(m, "logits,blocks.0.hook_nope"), Catch::Contains("unknown hook"));
}

namespace {

// A model's float32 parameter as float64, for the written-out computations below.
at::Tensor f64(const grok::Model& m, const std::string& name) { return m.param(name).detach().to(at::kDouble); }

}  // namespace

TEST_CASE("transformer anatomy: W_E, W_neur through attention, W_L, hooks and axes, written out", "[model][anatomy]") {
  grok::Config c = grok::load_preset("demo");
  c.p = 7;
  c.d_model = 6;
  c.n_heads = 2;
  c.d_head = 3;
  c.d_mlp = 5;
  for (int64_t layers : {1, 2}) {
    c.n_layers = layers;
    grok::Transformer t(c);
    const std::string last = "blocks." + std::to_string(layers - 1);
    INFO("n_layers = " << layers);
    at::Tensor W_E = f64(t, "embed.W_E"), W_V = f64(t, "blocks.0.attn.W_V"), W_O = f64(t, "blocks.0.attn.W_O");
    at::Tensor W_in = f64(t, last + ".mlp.W_in"), W_out = f64(t, last + ".mlp.W_out"), W_U = f64(t, "unembed.W_U");
    CHECK(at::equal(t.number_embedding(), W_E.slice(0, 0, 7)));
    // Nanda et al.'s W_neur = W_E W_V W_O W_in, summed over heads, by explicit loops.
    at::Tensor expected = at::zeros({7, 5}, at::kDouble);
    for (int64_t x = 0; x < 7; ++x)
      for (int64_t m = 0; m < 5; ++m) {
        double sum = 0;
        for (int64_t h = 0; h < 2; ++h)
          for (int64_t i = 0; i < 6; ++i)
            for (int64_t j = 0; j < 3; ++j)
              for (int64_t l = 0; l < 6; ++l)
                sum += W_E[x][i].item<double>() * W_V[h][i][j].item<double>() * W_O[h][j][l].item<double>() *
                       W_in[l][m].item<double>();
        expected[x][m] = sum;
      }
    CHECK(at::allclose(t.neuron_input_map(), expected, 1e-12, 1e-12));
    CHECK_FALSE(at::allclose(t.neuron_input_map(), at::matmul(W_E.slice(0, 0, 7), W_in), 1e-3, 1e-3));
    at::Tensor wl = at::zeros({5, 7}, at::kDouble);
    for (int64_t m = 0; m < 5; ++m)
      for (int64_t k = 0; k < 7; ++k)
        for (int64_t l = 0; l < 6; ++l) wl[m][k] += W_out[m][l].item<double>() * W_U[l][k].item<double>();
    CHECK(at::allclose(t.neuron_logit_map(), wl, 1e-12, 1e-12));
    CHECK(t.neuron_hook() == last + ".mlp.hook_post");
    REQUIRE(t.attention_site());
    CHECK(t.attention_site()->hook == last + ".attn.hook_pattern");
    CHECK(t.attention_site()->heads == 2);
    CHECK(t.attention_site()->key_names == std::vector<std::string>{"a", "b", "="});
    CHECK_FALSE(t.operands_enter_additively());
    CHECK(t.parameters().at(t.operand_rows().parameter).name == "embed.W_E");
    CHECK(t.default_hooks() == std::vector<std::string>{last + ".mlp.hook_post", "logits"});
    for (const grok::NamedTensor& param : t.parameters()) {
      INFO(param.name);
      CHECK(param.axes.size() == static_cast<size_t>(param.value.dim()));
    }
    CHECK(t.parameters().at(2).name == "blocks.0.attn.W_Q");
    CHECK(t.parameters().at(2).axes == std::vector<std::string>{"head", "d_model", "d_head"});
  }
  c.n_layers = 1;
  c.act = "quadratic";
  CHECK(grok::Transformer(c).neuron_hook() == "blocks.0.mlp.hook_pre");  // x^2 doubles frequencies
}

TEST_CASE("MLP anatomy: one-hot and embedded inputs, written out", "[model][anatomy]") {
  grok::Config c = grok::load_preset("demo");
  c.model = "mlp";
  c.p = 7;
  c.d_model = 4;
  c.d_mlp = 5;
  c.mlp_input = "onehot";
  grok::Mlp onehot(c);
  at::Tensor W_in = f64(onehot, "mlp.W_in");  // [2p, M]: rows 0..p-1 read a, p..2p-1 read b
  CHECK(at::equal(onehot.number_embedding(), W_in.slice(0, 0, 7)));
  CHECK(at::equal(onehot.neuron_input_map(), W_in.slice(0, 0, 7)));
  CHECK(at::equal(onehot.neuron_logit_map(), f64(onehot, "unembed.W_U")));
  const grok::OperandRows rows = onehot.operand_rows();
  CHECK(onehot.parameters().at(rows.parameter).name == "mlp.W_in");
  CHECK(rows.a_offset == 0);
  CHECK(rows.b_offset == 7);
  CHECK(onehot.operands_enter_additively());
  CHECK_FALSE(onehot.attention_site());
  CHECK(onehot.parameters().at(0).axes == std::vector<std::string>{"input", "d_mlp"});

  c.mlp_input = "embed";
  grok::Mlp embed(c);
  at::Tensor W_E = f64(embed, "embed.W_E"), W_in_e = f64(embed, "mlp.W_in");
  at::Tensor expected = at::zeros({7, 5}, at::kDouble);
  for (int64_t x = 0; x < 7; ++x)
    for (int64_t m = 0; m < 5; ++m)
      for (int64_t i = 0; i < 4; ++i) expected[x][m] += W_E[x][i].item<double>() * W_in_e[i][m].item<double>();
  CHECK(at::allclose(embed.neuron_input_map(), expected, 1e-12, 1e-12));
  CHECK(embed.operand_rows().b_offset == 0);  // a and b share W_E's rows
  CHECK(embed.neuron_hook() == "mlp.hook_post");
}

TEST_CASE("MLP readout: logits = hook_post @ W_U + b_U, written out, and the transformer declares none",
          "[model][anatomy]") {
  grok::Config c = grok::load_preset("demo");
  c.model = "mlp";
  c.p = 5;
  c.d_model = 4;
  c.d_mlp = 3;
  for (bool bias : {false, true}) {
    INFO("bias " << bias);
    c.bias = bias;
    grok::Mlp m(c);
    const std::optional<grok::Readout> r = m.readout();
    REQUIRE(r);
    CHECK(r->features_hook == "mlp.hook_post");
    CHECK(m.parameters().at(r->weight).name == "unembed.W_U");
    CHECK(r->bias.has_value() == bias);
    if (bias) CHECK(m.parameters().at(*r->bias).name == "unembed.b_U");
    c10::NoGradGuard no_grad;
    if (bias) m.parameters().at(*r->bias).value.normal_();  // b_U starts at zero; make it count
    grok::ActivationCache cache;
    at::Tensor logits = m.forward(grok::grid_pairs(5), &cache).to(at::kDouble);
    at::Tensor h = cache.at(r->features_hook).to(at::kDouble), W = f64(m, "unembed.W_U");
    for (int64_t i : {0, 7, 24})
      for (int64_t k = 0; k < 5; ++k) {
        double expected = bias ? f64(m, "unembed.b_U")[k].item<double>() : 0.0;
        for (int64_t j = 0; j < 3; ++j) expected += h[i][j].item<double>() * W[j][k].item<double>();
        CHECK(logits[i][k].item<double>() == Approx(expected).epsilon(1e-5).margin(1e-6));
      }
  }
  CHECK_FALSE(grok::Transformer(small_transformer()).readout());
}

// Device placement, checked on the "meta" device (shapes without data), which every LibTorch
// build has. Meta has no index_select in LibTorch 1.13, so a forward cannot run there; the
// anatomy can (slices and matmuls of the family's named handles). It fails if to_device() leaves
// a parameter behind, drops requires_grad, or if a family's handle (W_E, W_in, W_out, W_U, a
// block's W_V/W_O) still points at the CPU tensor.
TEST_CASE("to_device moves every weight and rebinds the family's handles", "[model][device]") {
  const c10::Device meta(c10::kMeta);
  auto check_moved = [&](grok::Model& m) {
    const auto before = m.parameters().size();
    m.to_device(meta);
    REQUIRE(m.parameters().size() == before);
    for (const auto& p : m.parameters()) {
      CHECK(p.value.device().is_meta());
      CHECK(p.value.requires_grad());
    }
    CHECK(m.number_embedding().device().is_meta());
    CHECK(m.neuron_input_map().device().is_meta());
    CHECK(m.neuron_input_map_b().device().is_meta());
    CHECK(m.neuron_logit_map().device().is_meta());
  };
  for (int64_t layers : {1, 2}) {
    for (bool bias : {false, true}) {
      grok::Config c = small_transformer();
      c.n_layers = layers;
      c.bias = bias;
      grok::Transformer m(c);
      check_moved(m);
    }
  }
  for (std::string input : {"embed", "onehot"}) {
    grok::Config c = grok::load_preset("nanda2023");
    c.model = "mlp";
    c.mlp_input = input;
    c.p = 7;
    c.d_mlp = 16;
    c.d_model = 8;
    grok::Mlp m(c);
    check_moved(m);
  }
}

// Moving to the device the weights are on changes nothing: the same tensors, the same logits.
TEST_CASE("to_device onto the CPU keeps the very tensors and the forward", "[model][device]") {
  grok::Config c = small_transformer();
  c.n_layers = 2;
  grok::Transformer m(c);
  const at::Tensor W_E = m.param("embed.W_E");
  const at::Tensor before = m.forward(some_pairs(c.p)).detach();
  m.to_device(c10::Device(c10::kCPU));
  CHECK(m.param("embed.W_E").is_same(W_E));
  CHECK(at::equal(m.forward(some_pairs(c.p)).detach(), before));
}

TEST_CASE("device selection: cpu always, cuda only where LibTorch has a GPU, auto picks", "[model][device]") {
  CHECK(grok::resolve_device("cpu").is_cpu());
  if (grok::cuda_usable()) {
    CHECK(grok::resolve_device("cuda").is_cuda());
    CHECK(grok::resolve_device("auto").is_cuda());
  } else {
    REQUIRE_THROWS_AS(grok::resolve_device("cuda"), grok::InputError);
    try {
      grok::resolve_device("cuda");
    } catch (const grok::InputError& e) {
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      CHECK_THAT(e.what(), Catch::Contains("--device cuda") && Catch::Contains("--device cpu"));
    }
    CHECK(grok::resolve_device("auto").is_cpu());
  }
  REQUIRE_THROWS_AS(grok::resolve_device("tpu"), grok::InputError);
}

// The kernel's reading of the CPU, independent of our CPUID bits: the flags of /proc/cpuinfo's
// first processor (Linux names AVX512-BF16 "avx512_bf16" and AMX-BF16 "amx_bf16").
static std::set<std::string> kernel_cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

TEST_CASE("bfloat16 arithmetic is read as the kernel reports it, and bf16 on such a CPU is warned of",
          "[model][device]") {
  // Catches a wrong CPUID leaf, subleaf, register or bit (e.g. AVX512-VNNI's or AVX-VNNI's), and
  // the warning given on the wrong machines, for the wrong precision or for a GPU.
  const std::set<std::string> flags = kernel_cpu_flags();
  if (flags.empty()) {
    WARN("no flags line in /proc/cpuinfo: nothing to compare with");
    return;
  }
  const grok::Bfloat16Instructions found = grok::cpu_bfloat16_instructions();
  CHECK(found.avx512f == (flags.count("avx512f") == 1));
  CHECK(found.avx512_bf16 == (flags.count("avx512_bf16") == 1));
  CHECK(found.amx_bf16 == (flags.count("amx_bf16") == 1));
  const bool expected = (flags.count("avx512_bf16") && flags.count("avx512f")) || flags.count("amx_bf16");
  CHECK(grok::cpu_has_bfloat16_arithmetic() == expected);
  const c10::Device cpu(c10::kCPU), gpu(c10::kCUDA, 0);
  CHECK(grok::precision_warning("fp32", cpu).empty());
  CHECK(grok::precision_warning("bf16", gpu).empty());
  const std::string warning = grok::precision_warning("bf16", cpu);
  CHECK(warning.empty() == expected);
  if (!expected) {
    CHECK(warning.find('\n') == std::string::npos);
    CHECK_THAT(warning, Catch::Contains("--precision bf16") && Catch::Contains("not faster"));
  }
}
