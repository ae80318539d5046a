// bench_probe — time grok-probe's analyses over a nanda2023-sized run (p = 113, 400 checkpoints).
//
//   build/bench/bench_probe [RUN.h5]
//
// Without an argument it first writes a synthetic run of nanda2023's shape
// (random weights drifting over 400 checkpoints; the analyses do the same work
// whatever the weights are). Prints seconds per analysis and per checkpoint.
#include <ATen/Parallel.h>
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>

#include "grok/core/presets.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/norms.h"
#include "grok/probe/representation_analysis.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/runfile/run_file.h"
#include "grok/runtime/allocator.h"
#include "grok/train/optimizer.h"

namespace {

std::string synthetic_run(int64_t n_checkpoints) {
  const std::string path = (std::filesystem::temp_directory_path() / "grokscope-bench-probe.h5").string();
  std::filesystem::remove(path);
  grok::Config c = grok::load_preset("nanda2023");
  grok::Task task = grok::make_task(c.task, c.p, 0);
  auto model = grok::make_model(c);
  grok::Optimizer opt(c, model->parameters());
  grok::RunHeader h{c,  "bench_probe",       task,        grok::make_split(task, c.frac_train, 0),
                    {}, model->parameters(), opt.state(), grok::select_hooks(*model, c.hooks)};
  grok::RunWriter w = grok::RunWriter::create(path, h);
  c10::NoGradGuard no_grad;
  for (int64_t i = 0; i < n_checkpoints; ++i) {
    const int64_t step = i * 100;
    for (auto& p : model->parameters()) p.value.add_(at::randn_like(p.value), 0.01);
    grok::MetricsRow row{step, {4.0, 4.0, 0.5, 0.5, 1e-3, 100.0, 1.0, 0.0}, std::vector<double>(9, 10.0)};
    w.append_metrics(row);
    w.append_checkpoint(step, model->parameters(), opt.state());
  }
  w.finish("complete", (n_checkpoints - 1) * 100);
  return path;
}

template <class F>
double seconds(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  grok::retain_freed_memory();  // as grok-probe does
  at::set_num_threads(2);
  std::string path = argc > 1 ? argv[1] : synthetic_run(400);
  grok::RunCheckpoints run(path);
  const size_t n = run.checkpoint_steps().size();
  fmt::print("{}: p = {}, {} checkpoints, 2 threads\n", path, run.p(), n);
  // Random weights have no key frequencies; then measure with the paper's five, so that
  // the restricted/excluded losses, the null baseline and the drift are all timed.
  grok::FourierOptions fo;
  if (grok::find_key_frequencies(run, fo).frequencies.empty()) fo.key_frequencies = {14, 35, 41, 42, 52};
  grok::FourierResult fourier;
  double t_fourier = seconds([&] { fourier = grok::analyse_fourier(run, fo); });
  fmt::print("{:<38} {:7.1f} s  ({:.0f} ms per checkpoint; key frequencies {}{}, null of {} draws)\n",
             "fourier (every checkpoint)", t_fourier, 1000 * t_fourier / static_cast<double>(n),
             fmt::join(fourier.key.frequencies, ","), fourier.key.given ? " given" : "", fourier.null_draws);
  double t_norms = seconds([&] { grok::analyse_norms(run.reader().metrics()); });
  fmt::print("{:<38} {:7.1f} s\n", "norms", t_norms);
  grok::RepresentationOptions o;
  o.key_frequencies = fourier.key.frequencies;
  o.stride = 10;
  double t_probes = seconds([&] { grok::analyse_representations(run, o); });
  const size_t n_probed = grok::strided_checkpoints(n, o.stride).size();
  fmt::print("{:<38} {:7.1f} s  ({:.0f} ms per checkpoint, {} checkpoints)\n", "probes (every 10th checkpoint)",
             t_probes, 1000 * t_probes / static_cast<double>(n_probed), n_probed);
  fmt::print("{:<38} {:7.1f} s  (bar: 30 s)\n", "full Fourier analysis + norms", t_fourier + t_norms);
  return 0;
}
