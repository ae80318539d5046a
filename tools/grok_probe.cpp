// grok-probe — progress measures that explain grokking, read from grok-train run files.
//
//   grok-probe summary RUN.h5 [--json]     phases and the story (run this first)
//   grok-probe fourier RUN.h5 [--json]     Fourier circuit measures at every checkpoint
//   grok-probe norms   RUN.h5 [--json]     weight norms and distance from init over steps
//   grok-probe probes  RUN.h5 [--json]     linear probes, PCA, RQI, clock/pizza, collapse, efficiency
//   grok-probe irreps  RUN.h5 [--json]     group tasks: key irreps, character similarity, restricted/excluded loss
//   grok-probe inspect RUN.h5 [--json]     what the file holds, in human terms (fast)
//   grok-probe report  RUN.h5 [-o FILE]    one offline HTML page with the story and interactive plots
//   grok-probe sweep   DIR/sweep.h5 [--json]   a sweep's rows, cells (median over seeds) and phases
//   grok-probe report  DIR/sweep.h5 [-o FILE]  one offline HTML page: phase diagram, seeds, double descent
//
// Results also go to RUN.probe.h5 (docs/probe-file.md). Exit 0 ok, 2 bad input, 1 runtime error.
#include <fmt/core.h>
#include <boost/program_options.hpp>

#include "grok/core/options.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "grok/core/error.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/irrep_analysis.h"
#include "grok/probe/norms.h"
#include "grok/probe/probe_file.h"
#include "grok/probe/representation_analysis.h"
#include "grok/probe/series.h"
#include "grok/probe/summary.h"
#include "grok/probe/watch.h"
#include "grok/report/report.h"
#include "grok/report/sweep_report.h"
#include "grok/runfile/inspect.h"
#include "grok/runfile/writer_lock.h"
#include "grok/runtime/allocator.h"
#include "grok/runtime/device.h"
#include "grok/runtime/shared_cores.h"
#include "grok/runtime/threads.h"
#include "grok/story/story.h"
#include "grok/story/thresholds.h"
#include "grok/sweep/sweep_view.h"

namespace po = boost::program_options;

namespace {

struct Args {
  std::string command, run, out, hook, keys, irreps;
  double threshold = grok::kKeyIrrepThreshold;
  bool json = false, watch = false;
  double tau = grok::kClusterThreshold, lambda = 1e-2;
  int64_t key_step = -1, stride = 0, threads = 0;
  double interval = 3.0;
  c10::Device device = c10::kCPU;  // where the analyses run
  std::string x, y;                // sweep: phase-diagram axes
  grok::PhaseRule rule;
};

const char* kUsage =
    "grok-probe — explain the moment a model groks, from a grok-train run file.\n\n"
    "Usage: grok-probe COMMAND RUN.h5 [options]\n\n"
    "Commands:\n"
    "  summary   the three phases, the accuracy milestones and the story in plain words — run this first\n"
    "  fourier   key frequencies and their drift, Fourier norms, Gini, neuron clusters, IPR, restricted\n"
    "            loss against its null baseline, excluded loss, logit trig fit and wave families — at every\n"
    "            checkpoint\n"
    "  norms     per-tensor and total weight norms and distance from init over steps\n"
    "  probes    linear probes (R^2 on test pairs), PCA of the embedding, RQI, gradient symmetricity,\n"
    "            distance irrelevance, softmax collapse, efficiency — over checkpoints\n"
    "  irreps    group tasks (sN, dN; add as Z_p): key irreps by character similarity, the share of the\n"
    "            logits' variance per irrep, restricted and excluded loss on the key irreps' span — at every\n"
    "            checkpoint (Chughtai et al. 2023)\n"
    "  inspect   what the run file holds: task, model, steps, checkpoints, hooks, whether it grokked\n"
    "  report    a self-contained HTML report (default RUN.report.html; -o to choose)\n"
    "  watch     a live view while the run trains: sparklines, the phase reached, key frequencies;\n"
    "            ends with the story when the run stops (plain lines when not on a terminal)\n"
    "  sweep     a grok-sweep's DIR/sweep.h5 (or DIR): every row, each cell's median t_grok over seeds and\n"
    "            Liu et al. 2022's phase (comprehension, grokking, memorisation, confusion), the phase diagram;\n"
    "            `report DIR/sweep.h5` draws them (phase diagrams, t_grok against each axis, double descent)\n\n";

Args parse(int argc, char** argv) {
  po::options_description opts("Options", 100, 50);
  opts.add_options()("help,h", "print this help")("json", "print JSON instead of tables")(
      "watch", "report: rewrite the page every --interval seconds while the run trains (it reloads itself)")(
      "out,o", po::value<std::string>()->value_name("FILE"),
      "probe file to write (default: RUN.probe.h5; report: RUN.report.html)")(
      "tau", po::value<double>()->default_value(grok::kClusterThreshold), "neuron cluster threshold on frac_k")(
      "key-step", po::value<int64_t>()->default_value(-1), "checkpoint step for the key frequencies (-1 = last)")(
      "keys", po::value<std::string>()->value_name("K,K,..."),
      "use these key frequencies instead of finding them (e.g. 14,35,41,42,52)")(
      "irreps", po::value<std::string>()->value_name("NAME,..."),
      "irreps: use these key irreps instead of finding them (e.g. sign,standard)")(
      "threshold", po::value<double>()->default_value(grok::kKeyIrrepThreshold, "0.005"),
      "irreps: key when the character similarity exceeds this (Chughtai et al.'s code: 0.005)")(
      "stride", po::value<int64_t>()->default_value(0),
      "analyse every N-th checkpoint (0 = all; summary: at most ~60 checkpoints)")(
      "hook", po::value<std::string>()->value_name("NAME"),
      "probes: hook point to probe (default: the model's neuron hook, e.g. blocks.0.mlp.hook_post)")(
      "lambda", po::value<double>()->default_value(1e-2), "probes: ridge penalty")(
      "threads", po::value<int64_t>()->default_value(0),
      "threads (0 = all cores); checkpoints are measured in parallel, one per thread, with identical results")(
      "device", po::value<std::string>()->default_value("auto")->value_name("cpu|cuda|auto"),
      "where the analyses run (auto: the first GPU when there is one; results within rounding of the CPU's)")(
      "interval", po::value<double>()->default_value(3.0), "watch: seconds between refreshes")(
      "x", po::value<std::string>()->value_name("AXIS"), "sweep: phase diagram's x axis (default: the first)")(
      "y", po::value<std::string>()->value_name("AXIS"), "sweep: phase diagram's y axis (default: the second)")(
      "gap", po::value<int64_t>()->default_value(grok::kComprehensionGapSteps)->value_name("STEPS"),
      "sweep: t_test - t_train below this is comprehension, else grokking (Liu et al.: 1000)")(
      "accuracy",
      po::value<double>()
          ->default_value(grok::kPhaseDiagramAccuracy, fmt::format("{:g}", grok::kPhaseDiagramAccuracy))
          ->value_name("A"),
      "sweep: the train/test accuracy of the phase rule (other than 0.9: re-read from the run files)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("run", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("run", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  } catch (const po::error& e) {
    throw grok::InputError(grok::option_error_message(e));
  }
  Args a;
  if (vm.count("help") || !vm.count("command")) {
    std::ostringstream s;
    s << kUsage << opts;
    a.command = "help";
    a.out = s.str();
    return a;
  }
  a.command = vm["command"].as<std::string>();
  if (!vm.count("run")) throw grok::InputError("missing RUN.h5 (grok-probe --help)");
  a.run = vm["run"].as<std::string>();
  if (vm.count("out")) a.out = vm["out"].as<std::string>();
  if (vm.count("keys")) a.keys = vm["keys"].as<std::string>();
  if (vm.count("hook")) a.hook = vm["hook"].as<std::string>();
  if (vm.count("irreps")) a.irreps = vm["irreps"].as<std::string>();
  a.threshold = vm["threshold"].as<double>();
  if (!(a.threshold >= 0 && a.threshold < 1)) throw grok::InputError("--threshold must be in [0, 1)");
  a.json = vm.count("json") > 0;
  a.watch = vm.count("watch") > 0;
  a.tau = vm["tau"].as<double>();
  a.lambda = vm["lambda"].as<double>();
  a.key_step = vm["key-step"].as<int64_t>();
  a.stride = vm["stride"].as<int64_t>();
  a.threads = vm["threads"].as<int64_t>();
  a.device = grok::resolve_device(vm["device"].as<std::string>());  // InputError: cuda without a GPU
  a.interval = vm["interval"].as<double>();
  if (vm.count("x")) a.x = vm["x"].as<std::string>();
  if (vm.count("y")) a.y = vm["y"].as<std::string>();
  a.rule.gap_steps = vm["gap"].as<int64_t>();
  a.rule.accuracy = vm["accuracy"].as<double>();
  if (a.rule.gap_steps < 1) throw grok::InputError("--gap must be at least 1 step");
  if (!(a.rule.accuracy > 0 && a.rule.accuracy <= 1)) throw grok::InputError("--accuracy must be in (0, 1]");
  if (!(a.interval > 0)) throw grok::InputError("--interval must be > 0");
  if (!(a.tau > 0 && a.tau <= 1)) throw grok::InputError("--tau must be in (0, 1]");
  if (a.stride < 0) throw grok::InputError("--stride must be >= 0");
  if (a.lambda < 0) throw grok::InputError("--lambda must be >= 0");
  return a;
}

// Row indices to print: about `rows` evenly spaced, first and last included.
std::vector<size_t> sample_rows(size_t n, size_t rows) {
  std::vector<size_t> out;
  for (size_t i = 0; i < rows && n > 0; ++i) out.push_back(i * (n - 1) / std::max<size_t>(rows - 1, 1));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// One printed column: a header and one value per step.
struct Column {
  std::string name;
  std::vector<double> values;
};

void print_table(const std::vector<int64_t>& steps, const std::vector<Column>& columns) {
  std::string header = fmt::format("{:>9}", "step");
  for (const Column& c : columns) header += fmt::format(" {:>{}}", c.name, std::max<size_t>(c.name.size(), 9));
  std::cout << header << '\n';
  for (size_t i : sample_rows(steps.size(), 16)) {
    std::string line = fmt::format("{:>9}", steps[i]);
    for (const Column& c : columns) line += fmt::format(" {:>{}.4g}", c.values[i], std::max<size_t>(c.name.size(), 9));
    std::cout << line << '\n';
  }
}

// A per-checkpoint scalar of a typed result, as a column.
template <class Checkpoint>
Column column(const std::string& name, const std::vector<Checkpoint>& at, double Checkpoint::*field) {
  return {name, grok::series(at, field)};
}

std::string list(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "{" + s + "}";
}

std::string names(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return "{" + s + "}";
}

grok::FourierOptions fourier_options(const Args& a) {
  grok::FourierOptions o;
  o.tau = a.tau;
  o.key_step = a.key_step;
  o.key_frequencies = grok::parse_int_list(a.keys, "frequency");
  o.stride = a.stride;  // 0: every checkpoint (fourier), at most kSummaryCheckpoints (summary)
  return o;
}

int run_summary(const Args& a, grok::RunCheckpoints& run, const std::string& out) {
  const grok::RunSummary s = grok::summarise(run, fourier_options(a));
  nlohmann::ordered_json j = grok::summary_json(s);
  grok::write_probe_attrs(out, a.run, "phases", j);
  if (a.json) {
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  const auto& c = run.config();
  std::cout << fmt::format("{}: {}, {} ({} steps, status {})\n\n", a.run, grok::task_title(c.task, c.p), c.model,
                           s.metrics.steps.empty() ? 0 : s.metrics.steps.back(), run.reader().status());
  auto step = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("—"); };
  const grok::Phases& ph = s.phases;
  std::cout << "  phase               from       to   (evidence: summary --json, key boundary_evidence)\n";
  for (const auto& [name, span] : {std::pair<const char*, const grok::PhaseSpan*>{"memorisation", &ph.memorisation},
                                   {"circuit_formation", &ph.circuit_formation},
                                   {"cleanup", &ph.cleanup}})
    std::cout << fmt::format("  {:<17} {:>8} {:>8}\n", name, step(span->start), step(span->end));
  if (s.irreps)  // no null band for irreps (docs/probe-file.md, "Irreps")
    std::cout << fmt::format("  restricted loss below chance from {} (no null band), excluded loss rose from {}\n\n",
                             step(ph.t_restricted_below_chance), step(ph.t_excluded_rise));
  else
    std::cout << fmt::format("  restricted loss below its null band from {}, excluded loss rose from {}\n\n",
                             step(ph.t_restricted_separates), step(ph.t_excluded_rise));
  std::cout << fmt::format("  accuracy milestones: t_mem {} (train >= {}), t_50 {}, t_95 {}, t_grok {} (test >= {})\n",
                           step(ph.acc.t_mem), grok::percent(grok::kMemorisedAccuracy), step(ph.acc.t_50),
                           step(ph.acc.t_95), step(ph.acc.t_grok), grok::percent(grok::kGrokAccuracy));
  if (s.irreps)
    std::cout << fmt::format("  key irreps: {} (character similarity > {} at step {})\n\n", names(s.irreps->key.names),
                             s.irreps->threshold, s.irreps->key.step);
  else
    std::cout << fmt::format("  key frequencies: {}\n\n",
                             s.fourier ? list(s.fourier->key.frequencies) : "n/a (" + s.fourier_note + ")");
  std::cout << grok::tell_story(s.inputs, s.phases) << "\n\nwritten: " << out << " (group /phases)\n";
  return 0;
}

int run_fourier(const Args& a, grok::RunCheckpoints& run, const std::string& out) {
  grok::FourierOptions o = fourier_options(a);
  o.stride = std::max<int64_t>(o.stride, 1);
  const grok::FourierResult r = grok::analyse_fourier(run, o);
  const grok::CurveTable t = grok::fourier_table(r);
  grok::write_probe_table(out, a.run, t);
  if (a.json) {
    std::cout << grok::to_json(t).dump() << '\n';
    return 0;
  }
  if (r.key.given)
    std::cout << fmt::format("key frequencies {} (given with --keys)\n", list(r.key.frequencies));
  else
    std::cout << fmt::format("key frequencies {} (from the checkpoint at step {}; tau {}, clusters of >= {} neurons)\n",
                             list(r.key.frequencies), r.key.step, a.tau, r.key.cluster_threshold);
  std::cout << fmt::format("frequencies by ||P_k L||^2: {}\nchance loss ln(p) = {:.3f}\n\n",
                           list(r.key.by_logit_projection), r.chance_loss);
  using F = grok::FourierCheckpoint;
  std::vector<Column> cols{column("train_loss", r.at, &F::train_loss), column("test_loss", r.at, &F::test_loss)};
  if (r.projections_apply()) {
    cols.push_back(column("restricted_loss_test", r.at, &F::restricted_test));
    if (r.null_draws > 0) cols.push_back(column("null_mean", r.at, &F::restricted_null_mean));
    cols.push_back(column("excluded_loss_train", r.at, &F::excluded_train));
  }
  for (Column c : {column("embed_gini", r.at, &F::embed_gini), column("W_L_gini", r.at, &F::wl_gini),
                   column("fraction_clustered", r.at, &F::fraction_clustered)})
    cols.push_back(std::move(c));
  if (r.projections_apply()) cols.push_back(column("trig_fit_cosine", r.at, &F::fit_cosine));
  cols.push_back(column("mean_ipr", r.at, &F::mean_ipr));
  print_table(r.steps, cols);
  std::cout << "\nwritten: " << out << " (group /fourier)\n";
  return 0;
}

grok::IrrepOptions irrep_options(const Args& a) {
  grok::IrrepOptions o;
  o.threshold = a.threshold;
  o.key_step = a.key_step;
  o.key_irreps = grok::split_list(a.irreps);
  o.stride = a.stride;
  return o;
}

int run_irreps(const Args& a, grok::RunCheckpoints& run, const std::string& out) {
  grok::IrrepOptions o = irrep_options(a);
  o.stride = std::max<int64_t>(o.stride, 1);
  const grok::IrrepResult r = grok::analyse_irreps(run, o);
  const grok::CurveTable t = grok::irrep_table(r);
  grok::write_probe_table(out, a.run, t);
  if (a.json) {
    std::cout << grok::to_json(t).dump() << '\n';
    return 0;
  }
  if (r.key.given)
    std::cout << fmt::format("{}: key irreps {} (given with --irreps)\n", r.group, names(r.key.names));
  else
    std::cout << fmt::format("{}: key irreps {} (character similarity > {} at step {})\n", r.group, names(r.key.names),
                             r.threshold, r.key.step);
  std::cout << fmt::format("chance loss ln|G| = {:.3f}\n\n  irrep            dim  similarity  variance share\n",
                           r.chance_loss);
  for (size_t i = 0; i < r.irreps.size(); ++i) {
    const double sim = r.key.similarity[i];
    const bool key = std::find(r.key.indices.begin(), r.key.indices.end(), i) != r.key.indices.end();
    std::cout << fmt::format("  {:<15} {:>4} {:>11.4f} {:>15.4f}{}\n", r.irreps[i].name, r.irreps[i].dim, sim,
                             sim * sim, key ? "  key" : "");
  }
  std::cout << '\n';
  using I = grok::IrrepCheckpoint;
  print_table(r.steps, {column("train_loss", r.at, &I::train_loss), column("test_loss", r.at, &I::test_loss),
                        column("restricted_loss_all", r.at, &I::restricted_all),
                        column("restricted_loss_test", r.at, &I::restricted_test),
                        column("excluded_loss_train", r.at, &I::excluded_train),
                        column("variance_key", r.at, &I::variance_explained_key),
                        column("variance_total", r.at, &I::variance_explained_total)});
  std::cout << "\nwritten: " << out << " (group /irreps)\n";
  return 0;
}

int run_norms(const Args& a, grok::RunCheckpoints& run, const std::string& out) {
  const grok::NormsResult r = grok::analyse_norms(run.reader().metrics());
  grok::write_probe_table(out, a.run, grok::norms_table(r));
  if (a.json) {
    std::cout << grok::to_json(grok::norms_table(r)).dump() << '\n';
    return 0;
  }
  std::vector<Column> cols{{"total_norm", r.total_norm}, {"dist_from_init", r.dist_from_init}};
  for (const grok::NamedTensor& n : r.per_tensor_sq_norm) {
    at::Tensor v = n.value.contiguous();
    cols.push_back({"sq_norm/" + n.name, {v.data_ptr<double>(), v.data_ptr<double>() + v.numel()}});
  }
  print_table(r.steps, cols);
  std::cout << "\nwritten: " << out << " (group /norms)\n";
  return 0;
}

int run_probes(const Args& a, grok::RunCheckpoints& run, const std::string& out) {
  grok::RepresentationOptions o;
  o.hook = a.hook;
  o.ridge_lambda = a.lambda;
  o.stride = a.stride > 0 ? a.stride : 1;
  if (grok::fourier_not_applicable(run.config()).empty())
    o.key_frequencies = grok::find_key_frequencies(run, fourier_options(a)).frequencies;
  const grok::RepresentationResult r = grok::analyse_representations(run, o);
  const grok::CurveTable t = grok::representation_table(r);
  grok::write_probe_table(out, a.run, t);
  if (a.json) {
    std::cout << grok::to_json(t).dump() << '\n';
    return 0;
  }
  std::cout << fmt::format("probing {} for frequencies {}\n\n", r.options.hook, list(o.key_frequencies));
  using R = grok::RepresentationCheckpoint;
  std::vector<Column> cols;
  if (!o.key_frequencies.empty()) {
    for (int64_t operand : {0, 1, 2}) {
      Column c{operand == 0 ? "r2_a" : operand == 1 ? "r2_b" : "r2_sum", {}};
      for (const R& m : r.at) c.values.push_back(m.mean_r2(operand));
      cols.push_back(std::move(c));
    }
  }
  for (Column c : {column("answer_probe_accuracy", r.at, &R::answer_accuracy), column("rqi", r.at, &R::rqi_int),
                   column("rqi_mod", r.at, &R::rqi_mod)})
    cols.push_back(std::move(c));
  if (r.symmetricity) cols.push_back(column("gradient_symmetricity", r.at, &R::symmetricity));
  if (r.clock_pizza) cols.push_back(column("distance_irrelevance", r.at, &R::distance_irrelevance));
  cols.push_back(column("softmax_collapse", r.at, &R::collapse_sum));
  cols.push_back(column("efficiency", r.at, &R::efficiency));
  print_table(r.steps, cols);
  if (r.clock_pizza && !r.at.empty()) {
    const grok::CircuitKind kind = r.final_circuit_kind();
    std::cout << fmt::format("\nclock or pizza (Zhong et al. 2023) at step {}: {} — {}\n", r.steps.back(), kind.kind,
                             kind.why);
  }
  std::cout << "\nwritten: " << out << " (group /probes)\n";
  return 0;
}

// Sparkline width for this terminal: its columns less the labels and values around them.
size_t sparkline_width(bool terminal) {
  winsize w{};
  if (!terminal || ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0 || w.ws_col == 0) return 60;
  return static_cast<size_t>(std::clamp<int>(w.ws_col - 32, 20, 120));
}

// Opens a run file that is being trained. When the run ends, its writer leaves SWMR mode and
// closes the file, and a reader that opens it just then is refused ("cannot be opened"): so a
// watcher that has read the file before tries again for a while before it reports the file as
// damaged. A file that never opened is reported at once.
std::unique_ptr<grok::RunCheckpoints> open_live_run(const std::string& path, c10::Device device, bool read_before) {
  constexpr std::chrono::milliseconds kRetryFor{10000}, kRetryEvery{200};
  const auto give_up = std::chrono::steady_clock::now() + kRetryFor;
  while (true) {
    try {
      return std::make_unique<grok::RunCheckpoints>(path, device);
    } catch (const grok::InputError&) {
      if (!read_before || std::chrono::steady_clock::now() > give_up) throw;
    }
    std::this_thread::sleep_for(kRetryEvery);
  }
}

int run_watch(const Args& a) {
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  grok::apply_threads(a.threads);
  for (bool read_before = false;; read_before = true) {
    // Reopened for each frame (an SWMR reader then sees the rows added since) and closed before
    // the pause: the writer needs the file to itself for a moment when the run ends.
    std::unique_ptr<grok::RunCheckpoints> run = open_live_run(a.run, a.device, read_before);
    const grok::WatchFrame frame = grok::read_watch_frame(*run);
    if (terminal) std::cout << "\x1b[H\x1b[2J";  // home, clear: redraw in place
    std::cout << grok::render_watch_frame(frame, terminal, sparkline_width(terminal)) << std::flush;
    if (frame.status == "running" && !grok::WriterLock::held_elsewhere(a.run)) {
      std::cout << "\nNo grok-train is writing " << a.run << " any more (killed?); `grok-train --resume " << a.run
                << "` continues it.\n";
      return 1;
    }
    if (frame.status != "running") {
      const grok::RunSummary s = grok::summarise(*run, fourier_options(a));
      std::cout << "\nThe run is " << frame.status << ". " << grok::tell_story(s.inputs, s.phases) << '\n';
      return 0;
    }
    run.reset();
    std::this_thread::sleep_for(std::chrono::duration<double>(a.interval));
  }
}

int run_inspect(const Args& a) {
  grok::RunReader reader(a.run);
  nlohmann::ordered_json facts = grok::inspect_run(reader, a.run);
  std::cout << (a.json ? facts.dump(2) + "\n" : grok::format_inspection(facts));
  return 0;
}

std::string report_path(const Args& a) {
  std::filesystem::path p(a.run);
  return a.out.empty() ? (p.parent_path() / (p.stem().string() + ".report.html")).string() : a.out;
}

grok::ReportOptions report_options(const Args& a) {
  grok::ReportOptions o;
  o.tau = a.tau;
  o.key_step = a.key_step;
  o.key_frequencies = grok::parse_int_list(a.keys, "frequency");
  return o;
}

// Written under a temporary name and renamed, so a browser reloading it never sees half a page.
void write_page(const std::string& out, const std::string& html) {
  const std::string tmp = out + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary);
    if (!(file << html)) throw grok::InputError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) throw grok::InputError("cannot write " + out + ": " + ec.message());
}

int run_report(const Args& a, grok::RunCheckpoints& run) {
  const std::string out = report_path(a);
  const std::string html = grok::render_report(run, a.run, report_options(a));
  write_page(out, html);
  std::cout << "report: " << out << fmt::format(" ({:.1f} MB)\n", static_cast<double>(html.size()) / 1e6);
  return 0;
}

// report --watch: while the run trains, the page asks the browser to reload it every
// --interval seconds and is rewritten as often; the page written once the run stopped does not.
int run_report_watch(const Args& a) {
  const std::string out = report_path(a);
  grok::ReportOptions o = report_options(a);
  grok::apply_threads(a.threads);
  for (int64_t page = 1;; ++page) {
    std::string status;
    {  // the file is open only while a page is made: the writer needs it to itself when it ends
      const std::unique_ptr<grok::RunCheckpoints> run = open_live_run(a.run, a.device, page > 1);
      status = run->reader().status();
      o.reload_after_s = status == "running" ? std::max(1, static_cast<int>(std::lround(a.interval))) : 0;
      write_page(out, grok::render_report(*run, a.run, o));
    }
    std::cout << fmt::format("report: {} (page {}, run {})\n", out, page, status) << std::flush;
    if (status != "running") return 0;
    if (!grok::WriterLock::held_elsewhere(a.run)) {
      std::cout << "No grok-train is writing " << a.run << " any more (killed?)\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(a.interval));
  }
}

// DIR -> DIR/sweep.h5: a sweep is usually named by its directory.
std::string sweep_path(const std::string& path) {
  return std::filesystem::is_directory(path) ? (std::filesystem::path(path) / "sweep.h5").string() : path;
}

// Characters on screen of UTF-8 text ("—" is one): bytes that do not continue a character.
size_t display_width(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Columns padded to their widest cell, two spaces apart.
void print_text_table(const grok::TextTable& t, const std::string& indent) {
  std::vector<size_t> width(t.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  };
  measure(t.header);
  for (const auto& row : t.rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i)
      line += row[i] + (i + 1 < row.size() ? std::string(width[i] - display_width(row[i]) + 2, ' ') : "");
    std::cout << line << '\n';
  };
  print(t.header);
  for (const auto& row : t.rows) print(row);
}

int run_sweep(const Args& a) {
  const std::string path = sweep_path(a.run);
  const grok::Sweep sweep = grok::read_sweep_file(path);
  const grok::SweepView view =
      grok::view_sweep(sweep, grok::phase_steps_for(sweep, grok::sweep_directory(path), a.rule.accuracy), a.rule);
  const grok::DiagramAxes axes = grok::diagram_axes(view, a.x, a.y);
  if (a.json) {
    nlohmann::ordered_json j = {{"file", path}};
    j.update(grok::sweep_view_json(sweep, view, axes));
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << path << '\n';
  for (const std::string& line : grok::describe_spec(sweep)) std::cout << "  " << line << '\n';
  std::cout << "\nrows:\n";
  print_text_table(grok::rows_table(view), "  ");
  const grok::TextTable incomplete = grok::incomplete_table(view);
  if (!incomplete.rows.empty()) {
    std::cout << "\nrows that did not complete (left out of the cells):\n";
    print_text_table(incomplete, "  ");
  }
  std::cout << "\ncells (median t_grok over complete seeds, never = +infinity; phase: the most common of the seeds, "
               "a tie going to the one that learned less):\n";
  print_text_table(grok::cells_table(view), "  ");
  for (const auto& [panel, grid] : grok::phase_grids(view, axes)) {
    std::cout << fmt::format("\nphase diagram{}{} (phase and median t_grok):\n", panel.empty() ? "" : " at ", panel);
    print_text_table(grid, "  ");
  }
  std::cout << '\n' << grok::headline(view) << '\n';
  return 0;
}

int run_sweep_report(const Args& a, const std::string& path) {
  std::filesystem::path p(path);
  const std::string out = a.out.empty() ? (p.parent_path() / (p.stem().string() + ".report.html")).string() : a.out;
  grok::SweepReportOptions o;
  o.rule = a.rule;
  o.x = a.x;
  o.y = a.y;
  const std::string html = grok::render_sweep_report(path, o);
  write_page(out, html);
  std::cout << "report: " << out << fmt::format(" ({:.1f} MB)\n", static_cast<double>(html.size()) / 1e6);
  return 0;
}

// report on a file: a sweep's page, or a run's; anything else in one line.
std::optional<int> report_sweep_or_check(const Args& a) {
  const std::string path = sweep_path(a.run);
  const std::optional<std::string> format = grok::file_format(path);
  if (format == "grokscope.sweep") return run_sweep_report(a, path);
  if (format && *format != "grokscope.run")
    throw grok::InputError(path + " is an HDF5 file but neither a grokscope run file nor a sweep file");
  return std::nullopt;  // a run file, or a file the run reader explains the trouble with
}

int run(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.command == "help") {
    std::cout << a.out;
    return 0;
  }
  const std::vector<std::string> commands{"summary", "fourier", "norms", "probes", "irreps",
                                          "inspect", "report",  "watch", "sweep"};
  if (std::find(commands.begin(), commands.end(), a.command) == commands.end())
    throw grok::InputError(fmt::format("unknown command '{}' (grok-probe --help)", a.command));
  // Before any work: the process's threads registered, its OpenMP waits throttled while it
  // shares oversubscribed cores. The watchers run beside a training by design: they count for no
  // cores and are always throttled.
  const bool watcher = a.command == "watch" || (a.command == "report" && a.watch);
  const grok::CoreSharing cores(grok::default_core_registry(), grok::resolved_threads(a.threads),
                                watcher ? grok::CoreSharing::Role::Observer : grok::CoreSharing::Role::Worker);
  // The files this command reads but did not write, before this process reads them.
  // A probe file that exists already is read too: its other groups are copied into the new one.
  grok::check_hdf5_in_child(sweep_path(a.run));
  const std::vector<std::string> writing_probe_files{"summary", "fourier", "norms", "probes", "irreps"};
  if (std::find(writing_probe_files.begin(), writing_probe_files.end(), a.command) != writing_probe_files.end())
    grok::check_hdf5_in_child(a.out.empty() ? grok::default_probe_path(a.run) : a.out);
  if (a.command == "sweep") return run_sweep(a);
  if (a.command == "report" && !a.watch)
    if (const std::optional<int> done = report_sweep_or_check(a)) return *done;
  if (grok::file_format(a.run) == "grokscope.sweep")
    throw grok::InputError(a.run + " is a sweep file: read it with grok-probe sweep or grok-probe report (no --watch)");
  if (a.command == "inspect") return run_inspect(a);
  if (a.command == "watch") return run_watch(a);
  if (a.command == "report" && a.watch) return run_report_watch(a);
  grok::RunCheckpoints run(a.run, a.device);
  grok::apply_threads(a.threads);
  const std::string out = a.out.empty() ? grok::default_probe_path(a.run) : a.out;
  if (a.command == "summary") return run_summary(a, run, out);
  if (a.command == "fourier") return run_fourier(a, run, out);
  if (a.command == "norms") return run_norms(a, run, out);
  if (a.command == "irreps") return run_irreps(a, run, out);
  if (a.command == "report") return run_report(a, run);
  return run_probes(a, run, out);
}

}  // namespace

int main(int argc, char** argv) {
  grok::retain_freed_memory();
  return grok::exit_code_of("grok-probe", [&] { return run(argc, argv); });
}
