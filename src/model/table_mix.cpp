// table_mix.cpp — the table_mix kernel on the CPU, its gradients, and the ATen reference.
//
// The loops (see table_mix.h for the shapes; j = (h, pos) runs over the H * n mixed rows):
//   forward   out[k, b]         = base[k] + sum_j weight[k, b, j] * table[k, j, token[b, pos]]
//   d weight  dweight[k, b, j]  = <dout[k, b], table[k, j, token[b, pos]]>
//   d table   dtable[k, j, v]   = sum over b with token[b, pos] = v of weight[k, b, j] * dout[k, b]
//   d base    dbase[k]          = sum_b dout[k, b]
// The first two are parallel over output rows (k, b), the last two over (k, a block of
// columns); every element of d table and d base gets its terms in ascending b. Each output
// element is therefore computed by one thread in one fixed order: the same bits at any thread
// count.
#include "grok/model/table_mix.h"

#include "grok/runtime/threads.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace grok {
namespace {

// The innermost loops, compiled for AVX-512, AVX2 and plain x86-64 and picked at load time.
// They are element-wise (no reassociation: the build has -ffp-contract=off and no fast-math), so
// every variant computes the same bits.
#ifdef GROK_NO_SIMD_CLONES  // sanitized builds (CMakeLists.txt)
#define GROK_SIMD_CLONES
#else
#define GROK_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

template <class T>
inline __attribute__((always_inline)) void axpy_body(T* __restrict y, const T* __restrict x, T a, int64_t n) {
  for (int64_t c = 0; c < n; ++c) y[c] += a * x[c];
}

// Columns per task of the column-parallel loops, and of the forward's register block.
constexpr int64_t kColumnsPerTask = 64;

// The loops over one output row (forward, d weight) or one column block (d table, d base), each
// one call of a SIMD clone: its dispatch is paid once per row or block, not once per 64 columns
// of one table row (that cost as much as the arithmetic, ~1 M calls a nanda2023 step).

// y = base + sum_j w[j] rows[j], a block of y kept in L1 across the J rows.
template <class T>
inline __attribute__((always_inline)) void mix_row_body(T* y, const T* base, const T* const* rows, const T* w,
                                                        int64_t J, int64_t W) {
  for (int64_t c0 = 0; c0 < W; c0 += kColumnsPerTask) {
    const int64_t width = std::min(kColumnsPerTask, W - c0);
    std::copy(base + c0, base + c0 + width, y + c0);
    for (int64_t j = 0; j < J; ++j) axpy_body(y + c0, rows[j] + c0, w[j], width);
  }
}
// 16 lanes as one vector (GCC/Clang vector extensions: element-wise IEEE arithmetic, lowered to
// 2 AVX2 or 1 AVX-512 register for float), so the compiler cannot leave them scalar.
typedef float Floats16 __attribute__((vector_size(16 * sizeof(float))));
typedef double Doubles16 __attribute__((vector_size(16 * sizeof(double))));
template <class T>
struct Lanes16;
template <>
struct Lanes16<float> {
  using type = Floats16;
};
template <>
struct Lanes16<double> {
  using type = Doubles16;
};

// dw[j] = <g, rows[j]> for R rows at once, in one documented order: lane l (0..15) sums the
// products of columns c = l, l + 16, l + 32, ... in ascending c, then the 16 lanes are added
// up in ascending l starting from zero. R rows at once give R independent chains of additions
// instead of one (a lone dot waits on its adds' latency); each row's bits are those of that
// order alone, which tests/test_factored_forward.cpp writes out as plain loops.
template <class T, int R>
inline __attribute__((always_inline)) void dot_group(T* dw, const T* g, const T* const* rows, int64_t W) {
  using V = typename Lanes16<T>::type;
  constexpr int kLanes = 16;
  V lane[R] = {};
  int64_t c = 0;
  for (; c + kLanes <= W; c += kLanes) {
    V x, y;  // unaligned loads (memcpy; no function returns a V: its ABI depends on the clone)
    std::memcpy(&x, g + c, sizeof x);
    for (int r = 0; r < R; ++r) {
      std::memcpy(&y, rows[r] + c, sizeof y);
      lane[r] += x * y;
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int l = 0; c + l < W; ++l) lane[r][l] += g[c + l] * rows[r][c + l];
    T sum = 0;
    for (int l = 0; l < kLanes; ++l) sum += lane[r][l];
    dw[r] = sum;
  }
}
template <class T>
inline __attribute__((always_inline)) void dot_rows_body(T* dw, const T* g, const T* const* rows, int64_t J,
                                                         int64_t W) {
  constexpr int kGroup = 4;  // 4 rows x 16 lanes: for float, 8 AVX2 or 4 AVX-512 accumulators
  int64_t j = 0;
  for (; j + kGroup <= J; j += kGroup) dot_group<T, kGroup>(dw + j, g, rows + j, W);
  for (; j < J; ++j) dot_group<T, 1>(dw + j, g, rows + j, W);
}
// Member k's d table, one block of columns: row (j, v) = sum over the batch rows b that read
// token v at position j % n, in ascending b, of w[b, j] g[b]. The rows b of each (position,
// token) come from by_token (a counting sort, ascending b within a token), so each table row is
// finished in L1 while the rows of g stream past, as in the forward; every element gets its
// terms in ascending b, the order of index_add_ and of the scatter this replaced.
template <class T>
inline __attribute__((always_inline)) void gather_rows_body(T* dt, const T* g, const T* w, const int64_t* first,
                                                            const int64_t* by_token, int64_t B, int64_t J, int64_t n,
                                                            int64_t V, int64_t W, int64_t width) {
  for (int64_t j = 0; j < J; ++j) {
    const int64_t pos = j % n;
    for (int64_t v = 0; v < V; ++v) {
      T* y = dt + (j * V + v) * W;
      const int64_t begin = first[pos * (V + 1) + v], end = first[pos * (V + 1) + v + 1];
      if (width == kColumnsPerTask) {  // the row block in registers (for float) across its batch rows
        T acc[kColumnsPerTask];
        std::copy(y, y + kColumnsPerTask, acc);
        for (int64_t i = begin; i < end; ++i) {
          const int64_t b = by_token[pos * B + i];
          const T a = w[b * J + j], *x = g + b * W;
          for (int64_t c = 0; c < kColumnsPerTask; ++c) acc[c] += a * x[c];
        }
        std::copy(acc, acc + kColumnsPerTask, y);
        continue;
      }
      for (int64_t i = begin; i < end; ++i) {
        const int64_t b = by_token[pos * B + i];
        axpy_body(y, g + b * W, w[b * J + j], width);
      }
    }
  }
}
// dst += the N rows of src (stride apart), in turn.
template <class T>
inline __attribute__((always_inline)) void sum_rows_body(T* dst, const T* src, int64_t stride, int64_t N,
                                                         int64_t width) {
  for (int64_t i = 0; i < N; ++i) axpy_body(dst, src + i * stride, T(1), width);
}

#define GROK_TABLE_MIX_LOOPS(T)                                                                                   \
  GROK_SIMD_CLONES void mix_row(T* y, const T* base, const T* const* rows, const T* w, int64_t J, int64_t W) {    \
    mix_row_body(y, base, rows, w, J, W);                                                                         \
  }                                                                                                               \
  GROK_SIMD_CLONES void dot_rows(T* dw, const T* g, const T* const* rows, int64_t J, int64_t W) {                 \
    dot_rows_body(dw, g, rows, J, W);                                                                             \
  }                                                                                                               \
  GROK_SIMD_CLONES void gather_rows(T* dt, const T* g, const T* w, const int64_t* first, const int64_t* by_token, \
                                    int64_t B, int64_t J, int64_t n, int64_t V, int64_t W, int64_t width) {       \
    gather_rows_body(dt, g, w, first, by_token, B, J, n, V, W, width);                                            \
  }                                                                                                               \
  GROK_SIMD_CLONES void sum_rows(T* dst, const T* src, int64_t stride, int64_t N, int64_t width) {                \
    sum_rows_body(dst, src, stride, N, width);                                                                    \
  }
GROK_TABLE_MIX_LOOPS(float)
GROK_TABLE_MIX_LOOPS(double)
#undef GROK_TABLE_MIX_LOOPS

// Sizes of one call, read from the operands (checked once, in check_operands).
struct Dims {
  int64_t K, H, n, V, W, B;
  Dims(const at::Tensor& table, const at::Tensor& token)
      : K(table.size(0)), H(table.size(1)), n(table.size(2)), V(table.size(3)), W(table.size(4)), B(token.size(0)) {}
  int64_t J() const { return H * n; }  // mixed rows per output row
  // Row j of member k's table for batch row b: table[k, h, pos, token[b, pos]].
  int64_t table_row(int64_t k, int64_t j, int64_t b, const int64_t* tok) const {
    return ((k * J() + j) * V + tok[b * n + j % n]) * W;
  }
};

void check_operands(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                    const at::Tensor& base) {
  auto fail = [](const char* what) { throw std::invalid_argument(std::string("table_mix: ") + what); };
  if (table.dim() != 5 || token.dim() != 2 || weight.dim() != 4 || base.dim() != 2)
    fail("table [K,H,n,V,W], token [B,n], weight [K,B,H,n], base [K,W]");
  if (token.scalar_type() != at::kLong) fail("token must be int64");
  if (token.device() != table.device() || weight.device() != table.device() || base.device() != table.device())
    fail("table, token, weight and base must be on one device");
  if (weight.scalar_type() != table.scalar_type() || base.scalar_type() != table.scalar_type())
    fail("weight, base and table must have one dtype");
  const int64_t K = table.size(0), H = table.size(1), n = table.size(2), W = table.size(4), B = token.size(0);
  if (token.size(1) != n || !weight.sizes().equals({K, B, H, n}) || !base.sizes().equals({K, W}))
    fail("weight must be [K, B, H, n] and base [K, W] for table [K, H, n, V, W] and token [B, n]");
  if (token.numel() > 0 && (token.min().item<int64_t>() < 0 || token.max().item<int64_t>() >= table.size(3)))
    fail("token out of the table's range");
}

// Rows of (k, b) per parallel task: enough work to amortise a task, few enough to balance.
constexpr int64_t kRowsPerTask = 16;

template <class T>
void mix_forward(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight, const at::Tensor& base,
                 at::Tensor& out) {
  const Dims s(table, token);
  const T* tab = table.data_ptr<T>();
  const int64_t* tok = token.data_ptr<int64_t>();
  const T* w = weight.data_ptr<T>();
  const T* bias = base.data_ptr<T>();
  T* o = out.data_ptr<T>();
  parallel_tasks(s.K * s.B, kRowsPerTask, [&](int64_t begin, int64_t end) {
    std::vector<const T*> rows(static_cast<size_t>(s.J()));
    for (int64_t row = begin; row < end; ++row) {  // row = k * B + b
      const int64_t k = row / s.B, b = row % s.B;
      for (int64_t j = 0; j < s.J(); ++j) rows[static_cast<size_t>(j)] = tab + s.table_row(k, j, b, tok);
      mix_row(o + row * s.W, bias + k * s.W, rows.data(), w + row * s.J(), s.J(), s.W);
    }
  });
}

template <class T>
void mix_grad_weight(const at::Tensor& table, const at::Tensor& token, const at::Tensor& dout, at::Tensor& dweight) {
  const Dims s(table, token);
  const T* tab = table.data_ptr<T>();
  const int64_t* tok = token.data_ptr<int64_t>();
  const T* g = dout.data_ptr<T>();
  T* dw = dweight.data_ptr<T>();
  parallel_tasks(s.K * s.B, kRowsPerTask, [&](int64_t begin, int64_t end) {
    std::vector<const T*> rows(static_cast<size_t>(s.J()));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t k = row / s.B, b = row % s.B;
      for (int64_t j = 0; j < s.J(); ++j) rows[static_cast<size_t>(j)] = tab + s.table_row(k, j, b, tok);
      dot_rows(dw + row * s.J(), g + row * s.W, rows.data(), s.J(), s.W);
    }
  });
}

// body(k, c0, width) for every member k and every block of kColumnsPerTask columns of a row of
// width W, one (k, block) per parallel task.
template <class Body>
void for_column_blocks(int64_t K, int64_t W, const Body& body) {
  const int64_t blocks = (W + kColumnsPerTask - 1) / kColumnsPerTask;
  parallel_tasks(K * blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {  // task = k * blocks + block
      const int64_t c0 = (task % blocks) * kColumnsPerTask;
      body(task / blocks, c0, std::min(kColumnsPerTask, W - c0));
    }
  });
}

// The batch rows of each (position, token), ascending: rows first[pos, v] .. first[pos, v + 1] - 1
// of by_token[pos] (a counting sort of token[:, pos]).
struct TokenOrder {
  std::vector<int64_t> first, by_token;  // [n, V + 1], [n, B]
  TokenOrder(const int64_t* tok, int64_t B, int64_t n, int64_t V)
      : first(static_cast<size_t>(n * (V + 1)), 0), by_token(static_cast<size_t>(n * B)) {
    for (int64_t pos = 0; pos < n; ++pos) {
      int64_t* start = first.data() + pos * (V + 1);
      for (int64_t b = 0; b < B; ++b) ++start[tok[b * n + pos] + 1];
      for (int64_t v = 0; v < V; ++v) start[v + 1] += start[v];
      std::vector<int64_t> next(start, start + V);
      for (int64_t b = 0; b < B; ++b) by_token[static_cast<size_t>(pos * B + next[tok[b * n + pos]]++)] = b;
    }
  }
};

template <class T>
void mix_grad_table(const at::Tensor& token, const at::Tensor& weight, const at::Tensor& dout, at::Tensor& dtable) {
  const Dims s(dtable, token);
  const T* w = weight.data_ptr<T>();
  const T* g = dout.data_ptr<T>();
  T* dt = dtable.data_ptr<T>();  // zeroed by the caller
  if (s.B == 0) return;          // no terms (and dout's data pointer may be null)
  const TokenOrder order(token.data_ptr<int64_t>(), s.B, s.n, s.V);
  // A task owns a block of columns of member k's table.
  for_column_blocks(s.K, s.W, [&](int64_t k, int64_t c0, int64_t width) {
    gather_rows(dt + k * s.J() * s.V * s.W + c0, g + k * s.B * s.W + c0, w + k * s.B * s.J(), order.first.data(),
                order.by_token.data(), s.B, s.J(), s.n, s.V, s.W, width);
  });
}

template <class T>
void mix_grad_base(const at::Tensor& dout, at::Tensor& dbase) {
  const int64_t K = dout.size(0), B = dout.size(1), W = dout.size(2);
  const T* g = dout.data_ptr<T>();
  T* db = dbase.data_ptr<T>();  // zeroed by the caller
  if (B == 0) return;           // no terms (and dout's data pointer may be null)
  for_column_blocks(
      K, W, [&](int64_t k, int64_t c0, int64_t width) { sum_rows(db + k * W + c0, g + k * B * W + c0, W, B, width); });
}

struct TableMix : torch::autograd::Function<TableMix> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& table_in,
                            const at::Tensor& token_in, const at::Tensor& weight_in, const at::Tensor& base_in) {
    const at::Tensor table = table_in.contiguous(), token = token_in.contiguous(), weight = weight_in.contiguous();
    const at::Tensor base = base_in.contiguous();
    at::Tensor out = at::empty({table.size(0), token.size(0), table.size(4)}, table.options());
    AT_DISPATCH_FLOATING_TYPES(table.scalar_type(), "table_mix",
                               [&] { mix_forward<scalar_t>(table, token, weight, base, out); });
    ctx->save_for_backward({table, token, weight});
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &table = saved[0], &token = saved[1], &weight = saved[2];
    const TableMixGradients d =
        cpu_gradients(table, token, weight, grads[0].contiguous(),
                      {ctx->needs_input_grad(0), ctx->needs_input_grad(2), ctx->needs_input_grad(3)});
    return {d.table, at::Tensor(), d.weight, d.base};
  }

  // The gradients asked for by `wanted` (table, weight, base); the others stay undefined.
  static TableMixGradients cpu_gradients(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                                         const at::Tensor& dout, std::array<bool, 3> wanted) {
    TableMixGradients d;
    AT_DISPATCH_FLOATING_TYPES(table.scalar_type(), "table_mix_backward", [&] {
      if (wanted[0]) {
        d.table = at::zeros_like(table);
        mix_grad_table<scalar_t>(token, weight, dout, d.table);
      }
      if (wanted[1]) {
        d.weight = at::empty_like(weight);
        mix_grad_weight<scalar_t>(table, token, dout, d.weight);
      }
      if (wanted[2]) {
        d.base = at::zeros({dout.size(0), dout.size(2)}, dout.options());
        mix_grad_base<scalar_t>(dout, d.base);
      }
    });
    return d;
  }
};

}  // namespace

at::Tensor table_mix(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                     const at::Tensor& base) {
  check_operands(table, token, weight, base);
  if (!table.device().is_cpu()) return table_mix_reference(table, token, weight, base);
  return TableMix::apply(table, token, weight, base);
}

TableMixGradients table_mix_gradients(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                                      const at::Tensor& dout) {
  if (table.dim() != 5 || token.dim() != 2 || dout.dim() != 3 || dout.size(0) != table.size(0) ||
      dout.size(1) != token.size(0) || dout.size(2) != table.size(4) || dout.scalar_type() != table.scalar_type() ||
      dout.device() != table.device())
    throw std::invalid_argument(
        "table_mix_gradients: dout must be [K, B, W] for table [K, H, n, V, W] and token [B, n], "
        "in the table's dtype and on its device");
  check_operands(table, token, weight, at::empty({table.size(0), table.size(4)}, dout.options()));
  if (!table.device().is_cpu()) return table_mix_gradients_reference(table, token, weight, dout);
  return TableMix::cpu_gradients(table.contiguous(), token.contiguous(), weight.contiguous(), dout.contiguous(),
                                 {true, true, true});
}

at::Tensor table_mix_reference(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                               const at::Tensor& base) {
  const int64_t K = table.size(0), n = table.size(2), W = table.size(4), B = token.size(0);
  // rows[k, h, pos, b, :] = table[k, h, pos, token[b, pos], :], one gather per position
  std::vector<at::Tensor> rows;
  for (int64_t pos = 0; pos < n; ++pos) rows.push_back(table.select(2, pos).index_select(2, token.select(1, pos)));
  const at::Tensor gathered = at::stack(rows, 2);                                 // [K, H, n, B, W]
  const at::Tensor weights = weight.permute({0, 2, 3, 1}).unsqueeze(-1);          // [K, H, n, B, 1]
  return (gathered * weights).sum({1, 2}) + base.unsqueeze(1).expand({K, B, W});  // [K, B, W]
}

TableMixGradients table_mix_gradients_reference(const at::Tensor& table, const at::Tensor& token,
                                                const at::Tensor& weight, const at::Tensor& dout) {
  const int64_t n = table.size(2);
  TableMixGradients d;
  d.table = at::zeros_like(table);
  std::vector<at::Tensor> dweight;  // per position: [K, B, H]
  for (int64_t pos = 0; pos < n; ++pos) {
    const at::Tensor tok = token.select(1, pos);                               // [B]
    const at::Tensor rows = table.select(2, pos).index_select(2, tok);         // [K, H, B, W]
    dweight.push_back((rows * dout.unsqueeze(1)).sum(-1).transpose(1, 2));     // [K, B, H]
    const at::Tensor w = weight.select(3, pos).transpose(1, 2).unsqueeze(-1);  // [K, H, B, 1]
    d.table.select(2, pos).index_add_(2, tok, w * dout.unsqueeze(1));          // [K, H, V, W]
  }
  d.weight = at::stack(dweight, 3);  // [K, B, H, n]
  d.base = dout.sum(1);              // [K, W]
  return d;
}

}  // namespace grok
