// bench_step — ms per nanda2023 training step: grokscope (C++) vs eager PyTorch (Python), side by side.
//
// One full-batch step = forward on the 3,831 train pairs, float64 loss,
// backward, AdamW update: exactly what grok-train does between evaluations.
// Runs the C++ step at 1 and 2 threads, then bench/nanda_step.py (Debian
// python3-torch) at the same thread counts in the same invocation, and prints
// the ratio. Run on an idle machine: a busy core distorts OpenMP timings.
//
//   build/bench/bench_step [--steps N] [--python /usr/bin/python3]
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
#include "grok/train/optimizer.h"

namespace {

double cpp_ms_per_step(int threads, int steps) {
  at::set_num_threads(threads);
  grok::Config c = grok::load_preset("nanda2023");
  grok::Task task = grok::make_task(c.task, c.p, 0);
  grok::Split split = grok::make_split(task, c.frac_train, 0);
  at::Tensor idx = at::tensor(split.train, at::kLong);
  at::Tensor pairs = grok::pairs_of(idx, c.p);
  std::vector<int64_t> y;
  for (int64_t i : split.train) y.push_back(task.labels[static_cast<size_t>(i)]);
  at::Tensor labels = at::tensor(y, at::kLong);
  auto model = grok::make_model(c);
  grok::Optimizer opt(c, model->parameters());
  auto step = [&] {
    at::Tensor logits = model->forward(pairs);
    at::Tensor loss = at::nll_loss(at::log_softmax(logits.to(at::kDouble), -1), labels);
    loss.backward();
    opt.step(c.lr);
    opt.zero_grad();
  };
  for (int i = 0; i < 3; ++i) step();
  std::vector<double> ms;
  for (int i = 0; i < steps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
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
  std::string python = "/usr/bin/python3";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--steps") steps = std::stoi(argv[i + 1]);
    if (flag == "--python") python = argv[i + 1];
  }
  const std::string script = GROK_BENCH_DIR "/nanda_step.py";
  grok::retain_freed_memory();  // as grok-train does
  at::set_num_threads(1);
  fmt::print("nanda2023 full-batch training step (3,831 pairs, p = 113), median of {} steps after 3 warm-up\n", steps);
  fmt::print("{}\n\n", grok::describe(grok::blas_info()));
  fmt::print("{:>8} {:>14} {:>18} {:>10}\n", "threads", "C++ ms/step", "PyTorch ms/step", "speed-up");
  for (int threads : {1, 2}) {
    double cpp = cpp_ms_per_step(threads, steps);
    double py = python_ms_per_step(python, script, threads, steps);
    fmt::print("{:>8} {:>14.1f} {:>18.1f} {:>9.2f}x\n", threads, cpp, py, py > 0 ? py / cpp : 0.0);
  }
  return 0;
}
