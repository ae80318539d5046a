// runner.cpp — planning a sweep, running its rows as grok-train processes, collecting results.
#include "grok/sweep/runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "grok/core/error.h"
#include "grok/core/options.h"
#include "grok/core/presets.h"
#include "grok/probe/fourier_analysis.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/runfile/run_file.h"
#include "grok/runfile/writer_lock.h"
#include "grok/story/milestones.h"
#include "grok/story/thresholds.h"

extern char** environ;

namespace grok {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Base overrides, then the point's values (the point wins).
nlohmann::json merged_overrides(const SweepSpec& spec, const SweepPoint& point) {
  nlohmann::json all = spec.base_overrides;
  for (const auto& [k, v] : point.items()) all[k] = v;
  all["threads"] = spec.threads_per_run;
  return all;
}

// Training time of a run that may have been resumed: wall_time_s restarts at every process.
double summed_wall_time(const std::vector<double>& wall) {
  double total = 0;
  for (size_t i = 0; i < wall.size(); ++i)
    if (i + 1 == wall.size() || wall[i + 1] < wall[i]) total += wall[i];
  return total;
}

std::vector<int64_t> final_key_frequencies(const std::string& path, const Config& config) {
  if (!fourier_not_applicable(config).empty()) return {};
  try {
    RunCheckpoints run(path);
    if (run.checkpoint_steps().empty()) return {};
    return find_key_frequencies(run, FourierOptions{}).frequencies;
  } catch (const std::exception&) {
    return {};  // a run too short or odd to have key frequencies has none
  }
}

// A new pending row for `point`, numbered after the last.
void append_row(Sweep& sweep, const SweepPoint& point) {
  SweepRow row;
  row.id = static_cast<int64_t>(sweep.rows.size());
  row.point = point;
  row.run_file = run_file_name(row.id);
  sweep.rows.push_back(std::move(row));
}

struct Child {
  size_t row = 0;  // index into sweep.rows
  Clock::time_point started;
};

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: a terminal's Ctrl-C reaches grok-sweep alone, which then sends
  // each run exactly one SIGINT (a second one would kill grok-train at once).
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int err = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) throw InputError(fmt::format("cannot start {}: {}", argv[0], std::strerror(err)));
  return pid;
}

}  // namespace

std::string row_log_path(const std::string& dir, int64_t id) {
  return (fs::path(dir) / fmt::format("logs/r{:04d}.log", id)).string();
}

std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

std::vector<SweepPoint> spec_points(const SweepSpec& spec) {
  return spec.random > 0 ? random_points(spec.axes, spec.random, static_cast<uint64_t>(spec.sweep_seed))
                         : grid_points(spec.axes);
}

Config row_config(const SweepSpec& spec, const SweepPoint& point) {
  const nlohmann::json overrides = merged_overrides(spec, point);
  Config config = with_group_order(config_from_json(overrides, load_preset(spec.preset)), overrides.contains("p"));
  validate(config);
  return config;
}

Sweep plan_sweep(const SweepSpec& spec, const std::optional<Sweep>& existing, bool extend) {
  const std::vector<SweepPoint> points = spec_points(spec);
  Sweep sweep;
  sweep.spec = spec;
  if (!existing) {
    for (const auto& point : points) append_row(sweep, point);
    return sweep;
  }
  const SweepSpec& old = existing->spec;
  if (old.preset != spec.preset || old.base_overrides != spec.base_overrides ||
      old.threads_per_run != spec.threads_per_run)
    throw InputError(
        fmt::format("this directory holds a sweep with other settings (preset {}, options {}, threads {}); "
                    "use another --out",
                    old.preset, old.base_overrides.dump(), old.threads_per_run));
  sweep = *existing;
  std::set<std::string> known;
  for (const auto& row : sweep.rows) known.insert(row.point.dump());
  std::vector<SweepPoint> fresh;
  std::set<std::string> asked;
  for (const auto& point : points) {
    asked.insert(point.dump());
    if (!known.count(point.dump())) fresh.push_back(point);
  }
  const auto dropped = std::count_if(sweep.rows.begin(), sweep.rows.end(),
                                     [&](const SweepRow& r) { return !asked.count(r.point.dump()); });
  if (!extend && (!fresh.empty() || dropped > 0))
    throw InputError(
        fmt::format("the grid differs from this directory's sweep ({} new points, {} of its points not asked for); "
                    "rerun with --extend to add the new points, or use another --out",
                    fresh.size(), dropped));
  if (extend) {
    // The axes now list every value any row has; rows keep their ids.
    sweep.spec.axes = spec.axes;
    sweep.spec.random = spec.random;
    sweep.spec.sweep_seed = spec.sweep_seed;
    for (const auto& old_axis : old.axes) {
      auto it = std::find_if(sweep.spec.axes.begin(), sweep.spec.axes.end(),
                             [&](const SweepAxis& a) { return a.name == old_axis.name; });
      if (it == sweep.spec.axes.end())
        throw InputError("--extend must keep the axes (" + old_axis.name + " is missing); use another --out");
      for (const auto& v : old_axis.values)
        if (std::find(it->values.begin(), it->values.end(), v) == it->values.end()) it->values.push_back(v);
    }
    if (sweep.spec.axes.size() != old.axes.size())
      throw InputError("--extend must keep the axes (a new axis was given); use another --out");
  }
  for (const auto& point : fresh) append_row(sweep, point);
  return sweep;
}

std::vector<std::string> train_command(const std::string& grok_train, const SweepSpec& spec, const SweepRow& row,
                                       const std::string& dir) {
  const std::string run = (fs::path(dir) / row.run_file).string();
  std::vector<std::string> argv{grok_train};
  if (fs::exists(run)) {
    argv.insert(argv.end(), {"--resume", run, fmt::format("--threads={}", spec.threads_per_run), "--quiet"});
    return argv;
  }
  argv.push_back("--preset=" + spec.preset);
  const nlohmann::json overrides = merged_overrides(spec, row.point);
  for (const auto& [k, v] : overrides.items()) argv.push_back(fmt::format("--{}={}", flag_name(k), format_value(v)));
  argv.insert(argv.end(), {"--out", run, "--quiet"});
  return argv;
}

RowResult read_row_result(const std::string& path, std::string* status) {
  RunReader reader(path);
  if (status) *status = reader.status();
  const RunMetrics m = reader.metrics();
  RowResult r;
  if (m.steps.empty()) return r;
  r.final_step = m.steps.back();
  auto step_or_none = [](std::optional<int64_t> s) { return s ? *s : int64_t{-1}; };
  r.t_mem = step_or_none(first_step_at_least(m.steps, m.train_acc, kMemorisedAccuracy));
  r.t_grok = step_or_none(first_step_at_least(m.steps, m.test_acc, kGrokAccuracy));
  r.t_train90 = step_or_none(first_step_at_least(m.steps, m.train_acc, kPhaseDiagramAccuracy));
  r.t_test90 = step_or_none(first_step_at_least(m.steps, m.test_acc, kPhaseDiagramAccuracy));
  r.final_train_loss = m.train_loss.back();
  r.final_test_loss = m.test_loss.back();
  r.final_train_acc = m.train_acc.back();
  r.final_test_acc = m.test_acc.back();
  r.min_test_loss = *std::min_element(m.test_loss.begin(), m.test_loss.end());
  r.wall_s = summed_wall_time(m.wall_time_s);
  r.key_frequencies = final_key_frequencies(path, reader.config());
  return r;
}

void refresh_row(SweepRow& row, const std::string& dir) {
  const std::string path = (fs::path(dir) / row.run_file).string();
  if (!fs::exists(path)) {
    if (row.status == "running" || row.status == "interrupted" || row.status == "complete") row.status = "pending";
    row.result = RowResult{};
    return;
  }
  std::string status;
  try {
    row.result = read_row_result(path, &status);
  } catch (const std::exception& e) {
    row.status = "failed";
    row.error = fmt::format("unreadable run file: {}", e.what());
    return;
  }
  if (status == "complete") {
    row.status = "complete";
    row.error.clear();
  } else if (WriterLock::held_elsewhere(path)) {
    row.status = "running";
  } else if (row.status != "failed") {
    row.status = "interrupted";
  }
}

SweepProgress count_rows(const Sweep& sweep) {
  SweepProgress p;
  p.total = static_cast<int64_t>(sweep.rows.size());
  for (const auto& row : sweep.rows) {
    if (row.status == "complete")
      ++p.complete;
    else if (row.status == "running")
      ++p.running;
    else if (row.status == "failed")
      ++p.failed;
    else if (row.status == "interrupted")
      ++p.interrupted;
    else
      ++p.pending;
  }
  return p;
}

std::string describe_progress(const SweepProgress& p) {
  std::string s = fmt::format("{}/{} complete, {} running", p.complete, p.total, p.running);
  if (p.failed) s += fmt::format(", {} failed", p.failed);
  if (p.interrupted) s += fmt::format(", {} interrupted", p.interrupted);
  s += fmt::format("; {}", format_duration(p.elapsed_s));
  if (p.eta_s >= 0) s += fmt::format(", about {} to go", format_duration(p.eta_s));
  return s;
}

SweepProgress run_local(Sweep& sweep, const std::string& dir, const LocalRunOptions& options) {
  fs::create_directories(fs::path(dir) / "runs");
  fs::create_directories(fs::path(dir) / "logs");
  const std::string sweep_path = (fs::path(dir) / "sweep.h5").string();
  const auto start = Clock::now();
  std::vector<size_t> queue;
  for (size_t i = 0; i < sweep.rows.size(); ++i)
    if (sweep.rows[i].status != "complete") queue.push_back(i);
  std::reverse(queue.begin(), queue.end());  // pop_back takes the lowest id first
  std::map<pid_t, Child> running;
  double finished_seconds = 0;
  int64_t finished_here = 0;
  bool signalled = false;

  auto progress = [&] {
    SweepProgress p = count_rows(sweep);
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    if (finished_here > 0) {
      const double per_run = finished_seconds / static_cast<double>(finished_here);
      const double left = static_cast<double>(queue.size()) + 0.5 * static_cast<double>(running.size());
      p.eta_s = per_run * left / static_cast<double>(std::max<int64_t>(options.jobs, 1));
    }
    return p;
  };
  auto report = [&] {
    if (options.on_progress) options.on_progress(progress());
  };
  auto save = [&] { write_sweep_file(sweep_path, sweep); };

  auto start_next = [&] {
    SweepRow& row = sweep.rows[queue.back()];
    const size_t index = queue.back();
    queue.pop_back();
    try {
      row_config(sweep.spec, row.point);  // a bad row fails here, with grok-train's own message
    } catch (const InputError& e) {
      row.status = "failed";
      row.error = e.what();
      return;
    }
    const pid_t pid = spawn(train_command(options.grok_train, sweep.spec, row, dir), row_log_path(dir, row.id));
    row.status = "running";
    row.error.clear();
    running[pid] = Child{index, Clock::now()};
  };

  auto finish = [&](pid_t pid, int wait_status) {
    Child child = running.at(pid);
    running.erase(pid);
    SweepRow& row = sweep.rows[child.row];
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
    row.status = "running";  // refresh_row decides from the run file
    refresh_row(row, dir);
    if (code == 0 && row.status == "complete") {
      finished_seconds += std::chrono::duration<double>(Clock::now() - child.started).count();
      ++finished_here;
    } else if (code == 130 && row.status != "complete") {
      row.status = "interrupted";
    } else if (code != 0) {
      row.status = "failed";
      const std::string why = last_line(row_log_path(dir, row.id));
      row.error = fmt::format("exit {}: {}", code, why.empty() ? "no output" : why);
    }
  };

  save();
  auto last_report = Clock::now() - std::chrono::seconds(10);
  while (!queue.empty() || !running.empty()) {
    const bool stopping = options.stop && options.stop->load();
    if (stopping && !signalled) {
      for (const auto& entry : running) ::kill(entry.first, SIGINT);
      signalled = true;
      queue.clear();
    }
    bool changed = false;
    while (!stopping && static_cast<int64_t>(running.size()) < options.jobs && !queue.empty()) {
      start_next();
      changed = true;
    }
    int wait_status = 0;
    const pid_t pid = ::waitpid(-1, &wait_status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      finish(pid, wait_status);
      // The freed slot is filled at the top of the loop before the change is reported.
      if (!stopping && !queue.empty()) continue;
      changed = true;
    }
    if (changed) save();
    if (changed || Clock::now() - last_report > std::chrono::seconds(1)) {
      report();
      last_report = Clock::now();
    }
    if (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  save();
  report();
  return progress();
}

}  // namespace grok
