// grok-train — train a model on an algorithmic task and record it to an HDF5 run file.
// A thin main over the library: parse flags, install signal handlers, show
// progress, print the summary, map errors to exit codes (2 bad input, 1
// runtime error, 130 interrupted).
#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <optional>

#include "grok/core/error.h"
#include "grok/core/options.h"
#include "grok/core/presets.h"
#include "grok/core/stop_signal.h"
#include "grok/h5/h5.h"
#include "grok/model/model.h"
#include "grok/runfile/run_file.h"
#include "grok/runtime/allocator.h"
#include "grok/runtime/blas_info.h"
#include "grok/runtime/device.h"
#include "grok/runtime/shared_cores.h"
#include "grok/runtime/threads.h"
#include "grok/story/milestones.h"
#include "grok/story/thresholds.h"
#include "grok/train/trainer.h"

namespace fs = std::filesystem;

namespace {

// A live progress line on a terminal; plain log lines every few seconds otherwise.
// "time: 12.3 s = training 10.9 s (88.4%) + recording 1.4 s (11.2%: evaluation ..., ...) + other 0.1 s".
std::string describe(const grok::TimeSplit& t, double total) {
  auto pct = [&](double x) { return total > 0 ? 100.0 * x / total : 0.0; };
  return fmt::format(
      "time: {:.1f} s = training {:.1f} s ({:.1f}%) + recording {:.1f} s ({:.1f}%: evaluation {:.2f} s, checkpoints "
      "{:.2f} s, activations {:.2f} s, flushes {:.2f} s) + other {:.1f} s",
      total, t.training, pct(t.training), t.recording(), pct(t.recording()), t.evaluation, t.checkpoints, t.activations,
      t.flush, total - t.training - t.recording());
}

// "cores: shared with other grokscope processes for 1.2 s (OpenMP waits throttled)" or "cores: not shared".
std::string describe(const grok::CoreSharing& cores) {
  if (!cores.watching()) return "cores: OpenMP wait policy set by the environment; not watched";
  const double shared = cores.throttled_seconds();
  return shared > 0
             ? fmt::format("cores: shared with other grokscope processes for {:.1f} s (OpenMP waits throttled)", shared)
             : "cores: not shared";
}

class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}
  void operator()(const grok::ProgressEvent& e) {
    if (quiet_) return;
    const double interval = tty_ ? 0.2 : 5.0;
    if (e.elapsed_s - last_print_ < interval && e.step != e.total_steps && printed_) return;
    last_print_ = e.elapsed_s;
    printed_ = true;
    double eta = e.steps_per_second > 0 ? static_cast<double>(e.total_steps - e.step) / e.steps_per_second : -1;
    std::string line = fmt::format(
        "step {:>7}/{}  train loss {:.4f} acc {:5.1f}%  test loss {:.4f} acc {:5.1f}%  {:.1f} steps/s  ETA {}", e.step,
        e.total_steps, e.train_loss, 100 * e.train_acc, e.test_loss, 100 * e.test_acc, e.steps_per_second,
        grok::format_duration(eta));
    if (tty_)
      std::cerr << '\r' << line << "\033[K" << std::flush;
    else
      std::cerr << line << '\n';
  }
  void end_line() {
    if (tty_ && printed_ && !quiet_) std::cerr << '\n';
  }

 private:
  bool quiet_, tty_;
  bool printed_ = false;
  double last_print_ = 0;
};

// An ensemble's progress: one line for all its models, from each one's latest evaluation.
class EnsemblePrinter {
 public:
  explicit EnsemblePrinter(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}
  // Members report one after another at each evaluated step; a report of a later step means
  // the previous step's round is complete, and that round is what gets printed.
  void operator()(const grok::ProgressEvent& e) {
    if (!latest_.empty() && e.step != round_.step) print(false);
    const auto member = static_cast<size_t>(e.member);
    if (member >= latest_.size()) latest_.resize(member + 1);
    latest_[member] = e;
    round_ = e;
  }
  void end_line() {
    if (latest_.empty() || quiet_) return;
    print(true);
    if (tty_) std::cerr << '\n';
  }

 private:
  void print(bool last) {
    if (quiet_) return;
    const double interval = tty_ ? 0.5 : 10.0;
    if (!last && round_.elapsed_s - last_print_ < interval && printed_) return;
    last_print_ = round_.elapsed_s;
    printed_ = true;
    std::vector<double> test_acc;
    for (const grok::ProgressEvent& m : latest_) test_acc.push_back(m.test_acc);
    std::sort(test_acc.begin(), test_acc.end());
    const auto generalised =
        std::count_if(test_acc.begin(), test_acc.end(), [](double a) { return a >= grok::kGrokAccuracy; });
    const grok::ProgressEvent& e = round_;
    double eta = e.steps_per_second > 0 ? static_cast<double>(e.total_steps - e.step) / e.steps_per_second : -1;
    std::string line = fmt::format(
        "step {:>7}/{}  {} models: test acc min {:5.1f}% median {:5.1f}% max {:5.1f}%, {} at >= 99%  {:.1f} steps/s  "
        "ETA {}",
        e.step, e.total_steps, latest_.size(), 100 * test_acc.front(), 100 * test_acc[test_acc.size() / 2],
        100 * test_acc.back(), generalised, e.steps_per_second, grok::format_duration(eta));
    if (tty_)
      std::cerr << '\r' << line << "\033[K" << std::flush;
    else
      std::cerr << line << '\n';
  }

  bool quiet_, tty_;
  std::vector<grok::ProgressEvent> latest_;  // each member's latest report
  grok::ProgressEvent round_;                // the latest report of all
  bool printed_ = false;
  double last_print_ = 0;
};

std::string file_size(const std::string& path) {
  std::error_code ec;
  auto bytes = fs::file_size(path, ec);
  return ec ? "?" : fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

// The end of an ensemble's training: each member's file and milestones, the throughput.
int report_ensemble(const grok::TrainArgs& args, const std::vector<grok::TrainResult>& results,
                    const std::string& dir) {
  for (const grok::TrainResult& r : results)
    std::cout << fmt::format("{} ({}); {}\n", r.path, file_size(r.path), grok::describe_milestones(r.milestones));
  const grok::TrainResult& any = results.front();
  int64_t model_steps = 0;
  for (const grok::TrainResult& r : results) model_steps += r.final_step - r.start_step;
  std::cout << fmt::format("trained {} models, {} model-steps in {:.1f} s ({:.1f} ms per model-step)\n", results.size(),
                           model_steps, any.seconds,
                           model_steps > 0 ? 1e3 * any.seconds / static_cast<double>(model_steps) : 0.0);
  if (args.verbose) std::cerr << describe(any.time, any.seconds) << '\n';
  const auto interrupted = std::find_if(results.begin(), results.end(), [](const auto& r) { return r.interrupted; });
  if (interrupted != results.end()) {
    std::cerr << fmt::format(
        "interrupted at step {}: final checkpoints written; continue with grok-train --resume {}\n",
        interrupted->final_step, dir);
    return 130;
  }
  return 0;
}

void print_warning(const std::string& warning) { std::cerr << "grok-train: warning: " << warning << '\n'; }

// grok-train --seeds: the models of every seed at once, one run file each in a directory.
int run_ensemble(const grok::TrainArgs& args, const grok::Config& config, int threads) {
  const std::string preset = args.preset.empty() ? grok::kDefaultPreset : args.preset;
  const std::string dir = args.out.empty() ? "runs/" + preset + "-seeds" : args.out;
  if (args.verbose) std::cerr << "config: " << grok::to_json(grok::run_config(config)).dump() << '\n';
  EnsemblePrinter printer(args.quiet);
  grok::TrainHooks hooks;
  hooks.stop = &grok::stop_on_signals();
  hooks.on_eval = [&](const grok::ProgressEvent& e) { printer(e); };
  hooks.on_warning = print_warning;
  bool announced = false;
  hooks.on_start = [&](const std::string&, int64_t, int64_t n_params) {
    if (announced) return;
    announced = true;
    if (args.verbose) std::cerr << grok::describe(grok::blas_info()) << '\n';
    if (args.quiet) return;
    const c10::Device device = grok::resolve_device(config.device);
    const std::string where = device.is_cpu() ? fmt::format("{} thread{}", threads, threads == 1 ? "" : "s")
                                              : fmt::format("on {}", device.str());
    std::cerr << fmt::format("training preset {} as {} models at once ({} parameters each, {}) -> {}/seed-N.h5\n",
                             preset, args.seeds.size(), n_params, where, dir);
  };
  const std::vector<grok::TrainResult> results =
      grok::train_ensemble(config, args.seeds, dir, args.command_line, hooks, args.force);
  printer.end_line();
  return report_ensemble(args, results, dir);
}

// grok-train --resume DIR: an ensemble's unfinished members, continued at once.
int resume_ensemble(const grok::TrainArgs& args) {
  EnsemblePrinter printer(args.quiet);
  grok::TrainHooks hooks;
  hooks.stop = &grok::stop_on_signals();
  hooks.on_eval = [&](const grok::ProgressEvent& e) { printer(e); };
  hooks.on_warning = print_warning;
  size_t members = 0;
  hooks.on_start = [&](const std::string&, int64_t start_step, int64_t) {
    if (members++ == 0 && args.verbose) std::cerr << grok::describe(grok::blas_info()) << '\n';
    if (members == 1 && !args.quiet) std::cerr << fmt::format("resuming {} from step {}\n", args.resume, start_step);
  };
  const grok::EnsembleResume r = grok::train_resume_ensemble(args.resume, args.overrides, hooks);
  printer.end_line();
  for (const std::string& path : r.ended) std::cout << path << ": its run had ended; left as it was\n";
  return r.resumed.empty() ? 0 : report_ensemble(args, r.resumed, args.resume);
}

// A single run, a new ensemble or an ensemble resumed: its training and what it prints at the end.
int train(const grok::TrainArgs& args, const std::optional<grok::Config>& new_run, int threads) {
  if (!args.seeds.empty()) return run_ensemble(args, *new_run, threads);
  if (!args.resume.empty() && fs::is_directory(args.resume)) {
    if (!args.out.empty()) throw grok::InputError("--resume writes into the run files themselves; drop --out");
    return resume_ensemble(args);
  }

  ProgressPrinter printer(args.quiet);
  grok::TrainHooks hooks;
  hooks.stop = &grok::stop_on_signals();
  hooks.on_eval = [&](const grok::ProgressEvent& e) { printer(e); };
  hooks.on_warning = print_warning;

  grok::TrainResult result;
  if (!args.resume.empty()) {
    if (!args.out.empty()) throw grok::InputError("--resume writes into the run file itself; drop --out");
    hooks.on_start = [&](const std::string& path, int64_t start_step, int64_t) {
      if (args.verbose) std::cerr << grok::describe(grok::blas_info()) << '\n';
      if (!args.quiet) std::cerr << fmt::format("resuming {} from step {}\n", path, start_step);
    };
    result = grok::train_resume(args.resume, args.overrides, hooks);
  } else {
    const grok::Config& config = *new_run;
    std::string preset = args.preset.empty() ? grok::kDefaultPreset : args.preset;
    std::string out = args.out.empty() ? "runs/" + preset + ".h5" : args.out;
    if (args.verbose) std::cerr << "config: " << grok::to_json(grok::run_config(config)).dump() << '\n';
    hooks.on_start = [&](const std::string& path, int64_t, int64_t n_params) {
      if (args.verbose) std::cerr << grok::describe(grok::blas_info()) << '\n';
      if (args.quiet) return;
      const c10::Device device = grok::resolve_device(config.device);
      const std::string where = device.is_cpu() ? fmt::format("{} thread{}", threads, threads == 1 ? "" : "s")
                                                : fmt::format("on {}", device.str());
      std::cerr << fmt::format("training preset {} ({} parameters, {}) -> {}\n", preset, n_params, where, path);
    };
    result = grok::train_new(config, out, args.command_line, hooks, args.force);
  }
  printer.end_line();
  std::cout << fmt::format("run file: {} ({})\n", result.path, file_size(result.path));
  std::cout << fmt::format("trained steps {} -> {} in {:.1f} s\n", result.start_step, result.final_step,
                           result.seconds);
  std::cout << grok::describe_milestones(result.milestones) << '\n';
  if (args.verbose) std::cerr << describe(result.time, result.seconds) << '\n';
  if (result.interrupted) {
    std::cerr << fmt::format(
        "interrupted at step {}: final checkpoint written; continue with "
        "grok-train --resume {}\n",
        result.final_step, result.path);
    return 130;
  }
  return 0;
}

int run(int argc, const char* const argv[]) {
  grok::TrainArgs args = grok::parse_train_args(argc, argv);
  if (args.action == grok::TrainArgs::Action::Help) {
    std::cout << grok::train_help() << '\n' << grok::models_listing();
    return 0;
  }
  if (args.action == grok::TrainArgs::Action::ListPresets) {
    std::cout << grok::presets_listing();
    return 0;
  }
  if (args.action == grok::TrainArgs::Action::Recover) {
    const grok::Recovery r = grok::recover_run(args.recover);
    std::cout << args.recover
              << (r.flag_was_set ? ": cleared HDF5's stale open-for-write flag" : ": no stale open-for-write flag")
              << (r.status_before == "running" ? "; status running -> interrupted" : "")
              << "; every HDF5 reader opens it now (grok-train --resume continues it)\n";
    return 0;
  }

  // A new run's config, resolved once; a resume reads its own from the run file.
  const std::optional<grok::Config> new_run =
      args.resume.empty() ? std::optional<grok::Config>(grok::resolve_config(args)) : std::nullopt;
  // Before any work: the process's threads registered, its OpenMP waits throttled while it
  // shares oversubscribed cores. A resume keeps its run's thread count unless --threads is given;
  // all cores are assumed then.
  const int threads = grok::resolved_threads(new_run ? new_run->threads : args.overrides.value("threads", int64_t{0}));
  const grok::CoreSharing cores(grok::default_core_registry(), threads);
  const int status = train(args, new_run, threads);
  if (args.verbose) std::cerr << describe(cores) << '\n';
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  grok::retain_freed_memory();
  return grok::exit_code_of("grok-train", [&] { return run(argc, argv); });
}
