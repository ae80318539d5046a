// bench_step — ms per nanda2023 training step: grokscope (C++) vs eager PyTorch (Python), side by side.
//
// One full-batch step = forward on the 3,831 train pairs, float64 loss,
// backward, AdamW update: exactly what grok-train does between evaluations.
// Runs the C++ step at 1 and 2 threads, then bench/nanda_step.py (Debian
// python3-torch) at the same thread counts in the same invocation, and prints
// the ratio. Run on an idle machine: a busy core distorts OpenMP timings.
//
//   build/bench/bench_step [--steps N] [--python /usr/bin/python3]
//                          [--only hooked|factored|manual|factored-manual [--preset NAME]
//                           [--precision fp32|bf16]]
//
// --only times that C++ step alone at 1 and 2 threads (for a profiler), without PyTorch, on the
// nanda2023 preset or --preset NAME, and splits it: forward, loss + backward, optimizer.
#include <ATen/Parallel.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "grok/core/presets.h"
#include "grok/core/task.h"
#include "grok/model/grid.h"
#include "grok/model/model.h"
#include "grok/runtime/allocator.h"
#include "grok/runtime/blas_info.h"
#include "grok/runtime/cpu_features.h"
#include "grok/train/loss.h"
#include "grok/train/optimizer.h"

namespace {

// path: hooked (the reference forward), factored (config.factored_forward: per-token tables,
// transformer.cpp), manual (config.backward = manual: the written-out step, transformer_backward.cpp)
// or factored-manual (both: the factored forward's written-out step, grok-train's default for
// nanda2023; in bf16 too).
// Medians of one step's phases, ms: forward (logits), loss + backward, optimizer (update + zero_grad).
struct StepPhases {
  double forward = 0, backward = 0, optimizer = 0, total = 0;
};

StepPhases cpp_step_phases(int threads, int steps, const std::string& path, const std::string& preset = "nanda2023",
                           const std::string& precision = "fp32") {
  at::set_num_threads(threads);
  grok::Config c = grok::load_preset(preset);
  c.factored_forward = path == "factored" || path == "factored-manual";
  c.backward = path == "manual" || path == "factored-manual" ? "manual" : "autograd";
  c.precision = precision;
  grok::Task task = grok::make_task(c.task, c.p, 0);
  grok::Split split = grok::make_split(task, c.frac_train, 0);
  at::Tensor idx = at::tensor(split.train, at::kLong);
  at::Tensor pairs = grok::pairs_of(idx, c.p);
  std::vector<int64_t> y;
  for (int64_t i : split.train) y.push_back(task.labels[static_cast<size_t>(i)]);
  at::Tensor labels = at::tensor(y, at::kLong);
  auto model = grok::make_model(c);
  // A stack of one member [1, ...] as leaves of their own, with the optimizer over the stacks:
  // what grok-train trains (trainer.cpp), even for a run of one model.
  std::vector<grok::NamedTensor> stacks;
  std::vector<at::Tensor> one;
  for (const grok::NamedTensor& p : model->parameters()) {
    stacks.push_back({p.name, p.value.detach().unsqueeze(0).clone().requires_grad_(true), {}});
    one.push_back(stacks.back().value);
  }
  grok::Optimizer opt(c, stacks, /*member_axis=*/true);
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
  };
  std::vector<double> fwd, bwd, upd, total;
  auto step = [&] {
    const auto t0 = clock::now();
    if (c.backward == "manual") {  // as grok-train's update() does it (trainer.cpp)
      std::unique_ptr<grok::ManualPass> pass;
      {
        c10::NoGradGuard no_grad;
        pass = model->manual_pass(one, pairs);
      }
      fwd.push_back(ms_since(t0));
      const auto t1 = clock::now();
      const grok::LossWithGradient lg = grok::loss_with_gradient(c.loss, pass->logits(), labels);
      (void)lg.loss[0].item<double>();  // the train metric
      std::vector<at::Tensor> grads = pass->gradients(lg.gradient);
      for (size_t i = 0; i < grads.size(); ++i) one[i].mutable_grad() = grads[i];
      bwd.push_back(ms_since(t1));
    } else {
      at::Tensor logits = model->logits_members(one, pairs).select(0, 0);
      fwd.push_back(ms_since(t0));
      const auto t1 = clock::now();
      at::Tensor loss = grok::loss_value(c.loss, logits, labels);
      loss.backward();
      bwd.push_back(ms_since(t1));
    }
    const auto t2 = clock::now();
    opt.step(c.lr);
    opt.zero_grad();
    upd.push_back(ms_since(t2));
    total.push_back(ms_since(t0));
  };
  for (int i = 0; i < 3; ++i) step();
  fwd.clear(), bwd.clear(), upd.clear(), total.clear();
  for (int i = 0; i < steps; ++i) step();
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return {median(fwd), median(bwd), median(upd), median(total)};
}

double cpp_ms_per_step(int threads, int steps, const std::string& path, const std::string& precision = "fp32") {
  return cpp_step_phases(threads, steps, path, "nanda2023", precision).total;
}

double python_ms_per_step(const std::string& python, const std::string& script, int threads, int steps) {
  std::string cmd =
      fmt::format("OMP_NUM_THREADS={0} {1} {2} --threads {0} --steps {3}", threads, python, script, steps);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  double ms = -1;
  char line[256];
  while (fgets(line, sizeof line, pipe))
    if (std::sscanf(line, "ms_per_step %lf", &ms) == 1) break;
  pclose(pipe);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 30;
  std::string python = "/usr/bin/python3", only, preset = "nanda2023", precision = "fp32";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--steps") steps = std::stoi(argv[i + 1]);
    if (flag == "--python") python = argv[i + 1];
    if (flag == "--only") only = argv[i + 1];
    if (flag == "--preset") preset = argv[i + 1];
    if (flag == "--precision") precision = argv[i + 1];
  }
  grok::retain_freed_memory();  // as grok-train does
  if (!only.empty()) {
    for (int threads : {1, 2}) {
      const StepPhases t = cpp_step_phases(threads, steps, only, preset, precision);
      fmt::print("{} {} {} step, {} thread(s): {:.2f} ms (forward {:.2f}, loss + backward {:.2f}, optimizer {:.2f})\n",
                 preset, only, precision, threads, t.total, t.forward, t.backward, t.optimizer);
    }
    return 0;
  }
  const std::string script = GROK_BENCH_DIR "/nanda_step.py";
  at::set_num_threads(1);
  fmt::print("nanda2023 full-batch training step (3,831 pairs, p = 113), median of {} steps after 3 warm-up\n", steps);
  fmt::print("{}\n", grok::describe(grok::blas_info()));
  fmt::print("bfloat16 arithmetic in this CPU (AVX512-BF16 or AMX-BF16): {}\n\n",
             grok::cpu_has_bfloat16_arithmetic() ? "yes" : "no, so bf16 products run in float32");
  fmt::print("{:>8} {:>10} {:>12} {:>18} {:>10} {:>19} {:>24} {:>17}   {}\n", "threads", "hooked ms", "factored ms",
             "factored bf16 ms", "manual ms", "factored manual ms", "factored manual bf16 ms", "PyTorch eager ms",
             "speed-up (hooked / factored / bf16 / manual / factored manual / factored manual bf16)");
  for (int threads : {1, 2}) {
    const double hooked = cpp_ms_per_step(threads, steps, "hooked");
    const double factored = cpp_ms_per_step(threads, steps, "factored");
    const double bf16 = cpp_ms_per_step(threads, steps, "factored", "bf16");
    const double manual = cpp_ms_per_step(threads, steps, "manual");
    const double factored_manual = cpp_ms_per_step(threads, steps, "factored-manual");
    const double factored_manual_bf16 = cpp_ms_per_step(threads, steps, "factored-manual", "bf16");
    const double py = python_ms_per_step(python, script, threads, steps);
    auto ratio = [&](double ms) { return py > 0 ? py / ms : 0.0; };
    fmt::print(
        "{:>8} {:>10.1f} {:>12.1f} {:>18.1f} {:>10.1f} {:>19.1f} {:>24.1f} {:>17.1f}   {:.2f}x / {:.2f}x / {:.2f}x / "
        "{:.2f}x / {:.2f}x / {:.2f}x\n",
        threads, hooked, factored, bf16, manual, factored_manual, factored_manual_bf16, py, ratio(hooked),
        ratio(factored), ratio(bf16), ratio(manual), ratio(factored_manual), ratio(factored_manual_bf16));
  }
  return 0;
}
