// bench_table_mix — the table_mix kernel (the factored forward's reads of the residual stream at
// '=' through per-token tables) and its gradients, against the same sums from ATen ops
// (table_mix_reference / table_mix_gradients_reference), side by side, at nanda2023's shapes:
// 3,831 train pairs, 4 heads x 3 positions, 114 tokens, read by W_in (width 512) and W_U (113).
// The tokens are the train split's (a ascending, b jumping). Minimum of 100 calls each,
// interleaved (the minimum: this VM's minutes differ by 1.5x), 1 and 2 threads. Run on an idle
// machine.
//
//   build/bench/bench_table_mix
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "grok/core/presets.h"
#include "grok/core/task.h"
#include "grok/model/grid.h"
#include "grok/model/table_mix.h"
#include "grok/runtime/allocator.h"

int main() {
  grok::retain_freed_memory();  // as grok-train does: no mmap and page faults per call
  c10::NoGradGuard no_grad;     // the written-out step calls the kernels outside autograd
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  // The tokens of nanda2023's train pairs, in the trainer's order (the split's pairs ascending,
  // so the first operand's rows are contiguous and only the second's jump): a, b, '=' (p).
  const grok::Config c = grok::load_preset("nanda2023");
  const grok::Split split = grok::make_split(grok::make_task(c.task, c.p, c.data_seed), c.frac_train, c.data_seed);
  const at::Tensor pairs = grok::pairs_of(at::tensor(split.train, at::kLong), c.p);            // [B, 2]
  const at::Tensor token = at::cat({pairs, at::full({pairs.size(0), 1}, c.p, at::kLong)}, 1);  // [B, n]
  const int64_t B = token.size(0), n = token.size(1), H = c.n_heads, V = c.p + 1;
  at::manual_seed(0);
  const at::Tensor weight = at::softmax(at::randn({1, B, H, n}), -1);  // [1, B, H, n]
  fmt::print("table_mix on nanda2023's train pairs: B {}, H {}, n {}, V {}; min of 100 calls, ms\n\n", B, H, n, V);
  fmt::print("{:>14} {:>8} {:>14} {:>10} {:>8} {:>18} {:>10} {:>8}\n", "reader", "threads", "forward", "ATen", "ratio",
             "gradients", "ATen", "ratio");
  for (int64_t W : {512, 113}) {
    const at::Tensor table = at::randn({1, H, n, V, W});  // [1, H, n, V, W]
    const at::Tensor base = at::randn({1, W});            // [1, W]
    const at::Tensor dout = at::randn({1, B, W});         // [1, B, W]
    for (int threads : {1, 2}) {
      at::set_num_threads(threads);
      double fwd = 1e30, fwd_aten = 1e30, grad = 1e30, grad_aten = 1e30;
      for (int i = 0; i < 100; ++i) {
        const auto t0 = clock::now();
        (void)grok::table_mix(table, token, weight, base);
        const auto t1 = clock::now();
        (void)grok::table_mix_reference(table, token, weight, base);
        const auto t2 = clock::now();
        (void)grok::table_mix_gradients(table, token, weight, dout);
        const auto t3 = clock::now();
        (void)grok::table_mix_gradients_reference(table, token, weight, dout);
        const auto t4 = clock::now();
        fwd = std::min(fwd, ms(t0, t1)), fwd_aten = std::min(fwd_aten, ms(t1, t2));
        grad = std::min(grad, ms(t2, t3)), grad_aten = std::min(grad_aten, ms(t3, t4));
      }
      fmt::print("{:>14} {:>8} {:>14.2f} {:>10.2f} {:>7.1f}x {:>18.2f} {:>10.2f} {:>7.1f}x\n",
                 W == 512 ? "W_in (512)" : "W_U (113)", threads, fwd, fwd_aten, fwd_aten / fwd, grad, grad_aten,
                 grad_aten / grad);
    }
  }
}
