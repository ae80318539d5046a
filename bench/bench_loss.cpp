// bench_loss — the cross-entropy and its gradient: one float64 pass (loss_with_gradient, what the
// written-out step and the evaluation use) against ATen's log_softmax + nll_loss then softmax -
// one_hot (loss_value + loss_gradient, what they used before), side by side, at the logits'
// shapes of nanda2023's and the demo's train sets, 1 and 2 threads. Minimum of 300 calls each,
// interleaved (the minimum: this VM's minutes differ by 1.5x). Run on an idle machine.
//
//   build/bench/bench_loss
#include <ATen/Parallel.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include "grok/runtime/allocator.h"
#include "grok/runtime/vector_math.h"
#include "grok/train/loss.h"

int main() {
  grok::retain_freed_memory();  // as grok-train does: no mmap and page faults per call
  using clock = std::chrono::steady_clock;
  auto us = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double, std::micro>(b - a).count();
  };
  fmt::print("cross-entropy + gradient of float32 logits [1, B, C], float64 inside; min of 300 calls, us\n");
  fmt::print("exp: {}\n\n", grok::exp_in_place_is_vectorised() ? "SLEEF AVX2" : "SLEEF scalar (no AVX2 + FMA)");
  fmt::print("{:>28} {:>8} {:>10} {:>10} {:>8}\n", "logits", "threads", "one pass", "ATen", "ratio");
  struct Shape {
    const char* name;
    int64_t B, C;
  };
  for (const Shape& s : {Shape{"nanda2023 [1, 3831, 113]", 3831, 113}, Shape{"demo [1, 983, 53]", 983, 53}}) {
    at::manual_seed(0);
    const at::Tensor logits = 4 * at::randn({1, s.B, s.C});
    const at::Tensor labels = at::randint(s.C, {s.B}, at::kLong);
    for (int threads : {1, 2}) {
      at::set_num_threads(threads);
      double fused = 1e30, aten = 1e30;
      for (int i = 0; i < 300; ++i) {
        const auto t0 = clock::now();
        {
          const grok::LossWithGradient lg = grok::loss_with_gradient("ce", logits, labels);
          (void)lg.loss[0].item<double>();
        }
        const auto t1 = clock::now();
        {
          (void)grok::loss_value("ce", logits[0], labels).item<double>();
          (void)grok::loss_gradient("ce", logits, labels);
        }
        const auto t2 = clock::now();
        fused = std::min(fused, us(t0, t1)), aten = std::min(aten, us(t1, t2));
      }
      fmt::print("{:>28} {:>8} {:>10.0f} {:>10.0f} {:>7.1f}x\n", s.name, threads, fused, aten, aten / fused);
    }
  }
}
