// grok-sweep — many grok-train runs over a grid of options, their results in one file.
//
//   grok-sweep --preset demo --grid weight_decay=0,0.3,1,3 --grid frac_train=0.2:0.8:0.1 \
//              --seeds 0-2 --out sweeps/wd-frac [--jobs N] [any grok-train option]
//   grok-sweep ... --slurm [--slurm-args "--partition=gpu --time=1:00:00"] [--no-wait]
//   grok-sweep --collect sweeps/wd-frac          re-read every run file into sweep.h5
//   grok-sweep --sweep fraction --out sweeps/fraction   a shipped sweep (--list-sweeps)
//
// Writes DIR/sweep.h5 (docs/sweep-file.md) and one ordinary run file per row in DIR/runs/.
// Rerunning the same command skips finished rows and resumes interrupted ones.
// Exit 0 all rows complete, 3 some rows failed, 130 interrupted, 2 bad input, 1 runtime error.
#include <fmt/core.h>
#include <boost/program_options.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "grok/core/error.h"
#include "grok/core/options.h"
#include "grok/core/presets.h"
#include "grok/core/stop_signal.h"
#include "grok/runfile/run_file.h"
#include "grok/runfile/writer_lock.h"
#include "grok/runtime/allocator.h"
#include "grok/runtime/threads.h"
#include "grok/sweep/runner.h"
#include "grok/sweep/slurm.h"
#include "grok/sweep/sweep_presets.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "grok-sweep — train many runs over a grid of grok-train options; one sweep.h5 indexes them.\n\n"
    "Usage:\n"
    "  grok-sweep [--preset NAME] --grid NAME=VALUES [--grid ...] [--seeds S] --out DIR [options]\n"
    "             [any grok-train option, given to every run]\n"
    "  grok-sweep ... --slurm [--slurm-args ARGS] [--no-wait]   (one Slurm job array)\n"
    "  grok-sweep --collect DIR\n"
    "  grok-sweep --sweep NAME --out DIR [options]   a shipped sweep; options given replace its own\n\n"
    "VALUES: a list 0,0.3,1 | a linear range 0.2:0.8:0.1 (ends included) | a log range 1e-4..1e-1:log:7.\n"
    "S: seeds, e.g. 0-2 or 0,5,9 (the model seed; the data seed is an ordinary --grid data_seed=...).\n"
    "Rerunning the same command skips complete rows and resumes interrupted ones; a changed grid is\n"
    "refused unless --extend. Exit 0 all rows complete, 3 some rows failed, 130 interrupted, 2 bad input.\n";

struct SweepArgs {
  std::vector<std::string> grids;
  std::string seeds, out, collect, slurm_args;
  int64_t random = 0, sweep_seed = 0, jobs = 0;
  bool extend = false, help = false, list_sweeps = false, dry_run = false, slurm = false, no_wait = false;
  std::vector<std::string> train_args;  // handed to grok-train's parser
};

// argv with `--sweep NAME` replaced by the shipped sweep's options (those given on the
// command line win).
std::vector<std::string> expand_sweep_preset(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc), rest;
  std::string name;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--sweep" && i + 1 < words.size())
      name = words[++i];
    else if (words[i].rfind("--sweep=", 0) == 0)
      name = words[i].substr(8);
    else if (words[i] == "--sweep")
      throw grok::InputError("--sweep needs a name (grok-sweep --list-sweeps)");
    else
      rest.push_back(words[i]);
  }
  if (name.empty()) return rest;
  std::vector<std::string> expanded = grok::sweep_preset_args(name, rest);
  expanded.insert(expanded.end(), rest.begin(), rest.end());
  return expanded;
}

SweepArgs parse(int argc_in, char** argv_in) {
  const std::vector<std::string> words = expand_sweep_preset(argc_in, argv_in);
  std::vector<const char*> argv_words{argv_in[0]};
  for (const auto& w : words) argv_words.push_back(w.c_str());
  const int argc = static_cast<int>(argv_words.size());
  const char* const* argv = argv_words.data();
  po::options_description opts("grok-sweep", 100, 50);
  opts.add_options()("help,h", "print this help and exit")("list-sweeps", "list the shipped sweeps and exit")(
      "grid", po::value<std::vector<std::string>>()->value_name("NAME=VALUES"),
      "an axis: a grok-train option and its values (repeat for more axes)")(
      "seeds", po::value<std::string>()->value_name("S"), "model seeds, e.g. 0-2 (the last, fastest axis)")(
      "random", po::value<int64_t>()->value_name("N"),
      "random search: N points drawn from the --grid axes (ranges uniform, log ranges log-uniform)")(
      "sweep-seed", po::value<int64_t>()->value_name("N"), "seed of the random search (default 0)")(
      "out,o", po::value<std::string>()->value_name("DIR"), "sweep directory (sweep.h5, runs/, logs/)")(
      "jobs,j", po::value<int64_t>()->value_name("N"),
      "grok-train processes at once (default: cores / threads per run)")(
      "extend", "add the new points of a changed grid to an existing sweep")(
      "dry-run", "check every row's options, list the rows and exit: nothing is trained or written")(
      "slurm", "train the unfinished rows as one Slurm job array (sbatch), wait for it and collect")(
      "slurm-args", po::value<std::string>()->value_name("ARGS"),
      "more sbatch options, e.g. \"--partition=gpu --time=1:00:00 --gres=gpu:1\"")(
      "no-wait", "with --slurm: return once submitted (collect later with --collect DIR)")(
      "collect", po::value<std::string>()->value_name("DIR"), "re-read DIR's run files into DIR/sweep.h5");
  po::variables_map vm;
  po::parsed_options parsed = [&] {
    try {
      return po::command_line_parser(argc, argv).options(opts).allow_unregistered().run();
    } catch (const po::error& e) {
      throw grok::InputError(grok::option_error_message(e));
    }
  }();
  try {
    po::store(parsed, vm);
  } catch (const po::error& e) {
    throw grok::InputError(grok::option_error_message(e));
  }
  SweepArgs a;
  a.help = vm.count("help") > 0;
  a.list_sweeps = vm.count("list-sweeps") > 0;
  if (vm.count("grid")) a.grids = vm["grid"].as<std::vector<std::string>>();
  if (vm.count("seeds")) a.seeds = vm["seeds"].as<std::string>();
  if (vm.count("random")) a.random = vm["random"].as<int64_t>();
  if (vm.count("sweep-seed")) a.sweep_seed = vm["sweep-seed"].as<int64_t>();
  if (vm.count("out")) a.out = vm["out"].as<std::string>();
  if (vm.count("jobs")) a.jobs = vm["jobs"].as<int64_t>();
  if (vm.count("collect")) a.collect = vm["collect"].as<std::string>();
  a.extend = vm.count("extend") > 0;
  a.dry_run = vm.count("dry-run") > 0;
  a.slurm = vm.count("slurm") > 0;
  a.no_wait = vm.count("no-wait") > 0;
  if (vm.count("slurm-args")) a.slurm_args = vm["slurm-args"].as<std::string>();
  if (!a.slurm && (a.no_wait || !a.slurm_args.empty()))
    throw grok::InputError("--no-wait and --slurm-args go with --slurm");
  if (a.slurm && a.jobs) throw grok::InputError("--jobs is for local sweeps; Slurm decides how many tasks run at once");
  a.train_args = po::collect_unrecognized(parsed.options, po::include_positional);
  return a;
}

grok::SweepSpec spec_from(const SweepArgs& a) {
  std::vector<const char*> argv{"grok-sweep"};
  for (const auto& s : a.train_args) argv.push_back(s.c_str());
  grok::TrainArgs t = grok::parse_train_args(static_cast<int>(argv.size()), argv.data());
  if (t.action != grok::TrainArgs::Action::Train || !t.resume.empty() || t.force || !t.out.empty())
    throw grok::InputError(
        "grok-sweep takes grok-train's options for the runs, not --resume/--recover/--force/"
        "--list-presets (see grok-sweep --help)");
  grok::SweepSpec spec;
  spec.preset = t.preset.empty() ? grok::kDefaultPreset : t.preset;
  grok::load_preset(spec.preset);  // an unknown preset fails here, in one line
  spec.base_overrides = t.overrides;
  if (spec.base_overrides.contains("threads")) {
    spec.threads_per_run = spec.base_overrides["threads"].get<int64_t>();
    spec.base_overrides.erase("threads");
    if (spec.threads_per_run < 1) throw grok::InputError("--threads must be at least 1 for a sweep's runs");
  }
  if (a.grids.empty() && a.seeds.empty()) throw grok::InputError("no axes: give --grid NAME=VALUES and/or --seeds");
  for (const auto& g : a.grids) {
    grok::SweepAxis axis = grok::parse_axis(g);
    if (axis.name == "seed") throw grok::InputError("give model seeds with --seeds, not --grid seed=...");
    for (const auto& other : spec.axes)
      if (other.name == axis.name) throw grok::InputError("--grid " + axis.name + " is given twice");
    if (spec.base_overrides.contains(axis.name))
      throw grok::InputError(fmt::format("--{} is both an axis and a fixed option", axis.name));
    spec.axes.push_back(std::move(axis));
  }
  if (!a.seeds.empty()) {
    if (spec.base_overrides.contains("seed")) throw grok::InputError("--seed and --seeds: give one");
    spec.axes.push_back(grok::parse_seeds(a.seeds));
  }
  if (a.random < 0) throw grok::InputError("--random must be positive");
  spec.random = a.random;
  spec.sweep_seed = a.sweep_seed;
  return spec;
}

std::string grok_train_path() {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  const fs::path train = self.parent_path() / "grok-train";
  if (!fs::exists(train)) throw grok::InputError("cannot find grok-train next to " + self.string());
  return train.string();
}

int64_t resolve_jobs(int64_t requested, int64_t threads_per_run) {
  const auto cores = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  if (requested == 0) return std::max<int64_t>(1, cores / threads_per_run);
  if (requested < 0) throw grok::InputError("--jobs must be at least 1");
  if (requested * threads_per_run > cores)
    throw grok::InputError(
        fmt::format("--jobs {} x --threads {} is more threads than this machine's {} cores; LibTorch processes that "
                    "oversubscribe cores run many times slower (use --jobs {})",
                    requested, threads_per_run, cores, std::max<int64_t>(1, cores / threads_per_run)));
  return requested;
}

// Only one grok-sweep works on a directory at a time.
grok::WriterLock lock_directory(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw grok::InputError(fmt::format("cannot create directory {}: {}", dir, ec.message()));
  const std::string path = (fs::path(dir) / ".lock").string();
  std::ofstream(path, std::ios::app).close();
  try {
    return grok::WriterLock::acquire(path);
  } catch (const grok::InputError&) {
    throw grok::InputError(dir + " is in use by another grok-sweep (wait for it, or stop it first)");
  }
}

void print_failures(const grok::Sweep& sweep) {
  int shown = 0;
  for (const auto& row : sweep.rows) {
    if (row.status != "failed") continue;
    if (shown++ == 5) {
      std::cerr << "  ...\n";
      break;
    }
    std::cerr << fmt::format("  r{:04d} {}: {}\n", row.id, grok::describe_point(row.point), row.error);
  }
}

int finish(const grok::Sweep& sweep, const std::string& dir, bool interrupted) {
  const grok::SweepProgress p = grok::count_rows(sweep);
  const std::string sweep_file = (fs::path(dir) / "sweep.h5").string();
  std::cout << fmt::format("sweep: {} rows: {} complete, {} failed, {} interrupted, {} pending\n", p.total, p.complete,
                           p.failed, p.interrupted, p.pending + p.running);
  std::cout << fmt::format("sweep file: {}  (grok-probe sweep {})\n", sweep_file, sweep_file);
  print_failures(sweep);
  if (interrupted) {
    std::cerr << "interrupted: every run checkpointed; rerun the same command to go on\n";
    return 130;
  }
  return p.failed > 0 ? 3 : 0;
}

// --dry-run: every row, what it would run, and how many rows are left to train.
int print_plan(const grok::Sweep& sweep, const std::string& dir, const std::string& grok_train) {
  const grok::SweepProgress p = grok::count_rows(sweep);
  for (const auto& row : sweep.rows)
    std::cout << fmt::format("r{:04d}  {:<11}  {}\n", row.id, row.status, grok::describe_point(row.point));
  if (!sweep.rows.empty()) {
    std::string command;
    for (const auto& word : grok::train_command(grok_train, sweep.spec, sweep.rows.front(), dir))
      command += (command.empty() ? "" : " ") + word;
    std::cout << fmt::format("row r0000 runs: {}\n", command);
  }
  std::cout << fmt::format("{} rows, {} to train (dry run: nothing was trained or written)\n", p.total,
                           p.total - p.complete);
  return 0;
}

int collect(const std::string& dir) {
  const std::string path = (fs::path(dir) / "sweep.h5").string();
  if (!fs::exists(path)) throw grok::InputError(path + ": no such file (is " + dir + " a sweep directory?)");
  grok::check_hdf5_in_child(path);
  grok::WriterLock lock = lock_directory(dir);
  grok::Sweep sweep = grok::read_sweep_file(path);
  for (auto& row : sweep.rows) grok::refresh_row(row, dir);
  grok::write_sweep_file(path, sweep);
  return finish(sweep, dir, false);
}

// Submits the unfinished rows as one job array; waits (unless --no-wait) and collects.
int run_slurm(grok::Sweep& sweep, const std::string& dir, const SweepArgs& args, const std::string& grok_train) {
  const std::string path = (fs::path(dir) / "sweep.h5").string();
  const grok::SlurmArray array = grok::write_slurm_array(sweep, dir, grok_train);
  grok::write_sweep_file(path, sweep);
  if (array.rows.empty()) return finish(sweep, dir, false);
  const std::string job = grok::submit_slurm_array(array, args.slurm_args);
  size_t rows = 0;
  for (const auto& task : array.rows) rows += task.size();
  std::cerr << fmt::format("submitted Slurm job {}: {} array tasks, {} rows ({})\n", job, array.rows.size(), rows,
                           array.script);
  if (args.no_wait) {
    std::cout << fmt::format("collect when it has run: grok-sweep --collect {}\n", dir);
    return 0;
  }
  const std::atomic<bool>& stop = grok::stop_on_signals();
  bool cancelled = false;
  int64_t last_left = -2;
  for (;;) {
    if (stop && !cancelled) {
      std::cerr << "stopping: running tasks checkpoint, pending tasks are dropped\n";
      grok::cancel_slurm_array(job);
      cancelled = true;
    }
    const int64_t left = grok::slurm_tasks_left(job);
    if (left == 0) break;
    if (left != last_left && left > 0) std::cerr << fmt::format("job {}: {} array tasks left\n", job, left);
    last_left = left;
    std::this_thread::sleep_for(std::chrono::milliseconds(left < 0 ? 2000 : 500));
  }
  grok::mark_unfinished_slurm_rows(sweep, array, dir, cancelled);
  grok::write_sweep_file(path, sweep);
  return finish(sweep, dir, cancelled);
}

int run(int argc, char** argv) {
  SweepArgs args = parse(argc, argv);
  if (args.help) {
    std::cout << kUsage << "Shipped sweeps:\n"
              << grok::sweep_presets_listing() << "\nRun options are grok-train's (grok-train --help lists them).\n";
    return 0;
  }
  if (args.list_sweeps) {
    std::cout << "Shipped sweeps (grok-sweep --sweep NAME --out DIR):\n" << grok::sweep_presets_listing();
    return 0;
  }
  // Results are read (key frequencies) in this process while runs train: keep it to one core.
  grok::apply_threads(1);
  if (!args.collect.empty()) return collect(args.collect);
  if (args.out.empty()) throw grok::InputError("--out DIR is required (the sweep's directory)");
  grok::SweepSpec spec = spec_from(args);
  const int64_t jobs = args.slurm ? 1 : resolve_jobs(args.jobs, spec.threads_per_run);
  const std::string grok_train = grok_train_path();

  // A dry run only reads: no lock, no directory, no file.
  std::optional<grok::WriterLock> lock;
  if (!args.dry_run) lock = lock_directory(args.out);
  const std::string path = (fs::path(args.out) / "sweep.h5").string();
  std::optional<grok::Sweep> existing;
  if (fs::exists(path)) {
    grok::check_hdf5_in_child(path);
    existing = grok::read_sweep_file(path);
  }
  grok::Sweep sweep = grok::plan_sweep(spec, existing, args.extend);
  for (int i = 0; i < argc; ++i) sweep.command_line += (i ? " " : "") + std::string(argv[i]);
  // Rows recorded unfinished (or whose run file moved) are re-read from their run files.
  for (auto& row : sweep.rows)
    if (row.status != "complete" || !fs::exists(fs::path(args.out) / row.run_file)) grok::refresh_row(row, args.out);
  // Every row's config is checked before anything trains: a typo fails now, not in row 37.
  for (auto& row : sweep.rows) {
    try {
      grok::row_config(sweep.spec, row.point);
    } catch (const grok::InputError& e) {
      throw grok::InputError(fmt::format("row r{:04d} ({}): {}", row.id, grok::describe_point(row.point), e.what()));
    }
  }

  if (args.dry_run) return print_plan(sweep, args.out, grok_train);
  if (args.slurm) return run_slurm(sweep, args.out, args, grok_train);
  const grok::SweepProgress before = grok::count_rows(sweep);
  std::cerr << fmt::format("sweep {}: {} rows ({} complete), {} job{} x {} thread{}\n", args.out, before.total,
                           before.complete, jobs, jobs == 1 ? "" : "s", spec.threads_per_run,
                           spec.threads_per_run == 1 ? "" : "s");
  const bool tty = isatty(STDERR_FILENO);
  grok::LocalRunOptions options;
  options.jobs = jobs;
  options.grok_train = grok_train;
  const std::atomic<bool>& stop = grok::stop_on_signals();
  options.stop = &stop;
  size_t last_complete = 0;
  options.on_progress = [&](const grok::SweepProgress& p) {
    const std::string line = grok::describe_progress(p);
    if (tty)
      std::cerr << "\r\033[K" << line << std::flush;
    else if (static_cast<size_t>(p.complete + p.failed) != last_complete)
      std::cerr << line << '\n';
    last_complete = static_cast<size_t>(p.complete + p.failed);
  };
  grok::run_local(sweep, args.out, options);
  if (tty) std::cerr << '\n';
  return finish(sweep, args.out, stop.load());
}

}  // namespace

int main(int argc, char** argv) {
  grok::retain_freed_memory();
  return grok::exit_code_of("grok-sweep", [&] { return run(argc, argv); });
}
