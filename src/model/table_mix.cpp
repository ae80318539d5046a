// table_mix.cpp — the table_mix kernel on the CPU, its gradients, and the ATen reference.
//
// The loops (see table_mix.h for the shapes; j = (h, pos) runs over the H * n mixed rows):
//   forward   out[k, b]         = base[k] + sum_j weight[k, b, j] * table[k, j, token[b, pos]]
//   d weight  dweight[k, b, j]  = <dout[k, b], table[k, j, token[b, pos]]>
//   d table   dtable[k, j, v]   = sum over b with token[b, pos] = v of weight[k, b, j] * dout[k, b]
//   d base    dbase[k]          = sum_b dout[k, b]
// The first two are parallel over output rows (k, b), the last two over (k, a block of
// columns), each task visiting b in order. Each output element is therefore computed by one
// thread in one fixed order: the same bits at any thread count.
#include "grok/model/table_mix.h"

#include "grok/runtime/threads.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <stdexcept>

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

// <x, y> over 16 interleaved partial sums added in a fixed order at the end: written out
// lane by lane, so the compiler may vectorise it without changing a single rounding.
template <class T>
inline __attribute__((always_inline)) T dot_body(const T* __restrict x, const T* __restrict y, int64_t n) {
  constexpr int kLanes = 16;
  T lane[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= n; c += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += x[c + l] * y[c + l];
  for (int l = 0; c + l < n; ++l) lane[l] += x[c + l] * y[c + l];
  T sum = 0;
  for (int l = 0; l < kLanes; ++l) sum += lane[l];
  return sum;
}

GROK_SIMD_CLONES void axpy(float* y, const float* x, float a, int64_t n) { axpy_body(y, x, a, n); }
GROK_SIMD_CLONES void axpy(double* y, const double* x, double a, int64_t n) { axpy_body(y, x, a, n); }
GROK_SIMD_CLONES float dot(const float* x, const float* y, int64_t n) { return dot_body(x, y, n); }
GROK_SIMD_CLONES double dot(const double* x, const double* y, int64_t n) { return dot_body(x, y, n); }

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
// Columns per task of the column-parallel loops, and of the forward's register block.
constexpr int64_t kColumnsPerTask = 64;

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
    for (int64_t row = begin; row < end; ++row) {  // row = k * B + b
      const int64_t k = row / s.B, b = row % s.B;
      for (int64_t c0 = 0; c0 < s.W; c0 += kColumnsPerTask) {  // a block of y stays in L1 across the J rows
        const int64_t width = std::min(kColumnsPerTask, s.W - c0);
        T* y = o + row * s.W + c0;
        std::copy(bias + k * s.W + c0, bias + k * s.W + c0 + width, y);
        for (int64_t j = 0; j < s.J(); ++j) axpy(y, tab + s.table_row(k, j, b, tok) + c0, w[row * s.J() + j], width);
      }
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
    for (int64_t row = begin; row < end; ++row) {
      const int64_t k = row / s.B, b = row % s.B;
      for (int64_t j = 0; j < s.J(); ++j)
        dw[row * s.J() + j] = dot(g + row * s.W, tab + s.table_row(k, j, b, tok), s.W);
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

template <class T>
void mix_grad_table(const at::Tensor& token, const at::Tensor& weight, const at::Tensor& dout, at::Tensor& dtable) {
  const Dims s(dtable, token);
  const int64_t* tok = token.data_ptr<int64_t>();
  const T* w = weight.data_ptr<T>();
  const T* g = dout.data_ptr<T>();
  T* dt = dtable.data_ptr<T>();  // zeroed by the caller
  // A task owns a block of columns of every table row: it reads each row of dout once and
  // scatters it into J rows of a block that stays in L2 (J x V x kColumnsPerTask).
  for_column_blocks(s.K, s.W, [&](int64_t k, int64_t c0, int64_t width) {
    for (int64_t b = 0; b < s.B; ++b) {
      const T* g_row = g + (k * s.B + b) * s.W + c0;
      const T* w_row = w + (k * s.B + b) * s.J();
      for (int64_t j = 0; j < s.J(); ++j) axpy(dt + s.table_row(k, j, b, tok) + c0, g_row, w_row[j], width);
    }
  });
}

template <class T>
void mix_grad_base(const at::Tensor& dout, at::Tensor& dbase) {
  const int64_t K = dout.size(0), B = dout.size(1), W = dout.size(2);
  const T* g = dout.data_ptr<T>();
  T* db = dbase.data_ptr<T>();  // zeroed by the caller
  for_column_blocks(K, W, [&](int64_t k, int64_t c0, int64_t width) {
    for (int64_t b = 0; b < B; ++b) axpy(db + k * W + c0, g + (k * B + b) * W + c0, T(1), width);
  });
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
    const at::Tensor dout = grads[0].contiguous();
    at::Tensor dtable, dweight, dbase;
    AT_DISPATCH_FLOATING_TYPES(table.scalar_type(), "table_mix_backward", [&] {
      if (ctx->needs_input_grad(0)) {
        dtable = at::zeros_like(table);
        mix_grad_table<scalar_t>(token, weight, dout, dtable);
      }
      if (ctx->needs_input_grad(2)) {
        dweight = at::empty_like(weight);
        mix_grad_weight<scalar_t>(table, token, dout, dweight);
      }
      if (ctx->needs_input_grad(3)) {
        dbase = at::zeros({dout.size(0), dout.size(2)}, dout.options());
        mix_grad_base<scalar_t>(dout, dbase);
      }
    });
    return {dtable, at::Tensor(), dweight, dbase};
  }
};

}  // namespace

at::Tensor table_mix(const at::Tensor& table, const at::Tensor& token, const at::Tensor& weight,
                     const at::Tensor& base) {
  check_operands(table, token, weight, base);
  if (!table.device().is_cpu()) return table_mix_reference(table, token, weight, base);
  return TableMix::apply(table, token, weight, base);
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

}  // namespace grok
