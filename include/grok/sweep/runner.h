// runner.h — a sweep's rows as grok-train processes: planning, running locally, collecting.
//
// A row is trained by an ordinary `grok-train` process writing `DIR/runs/rNNNN.h5`, its
// output in `DIR/logs/rNNNN.log`: the same program a user runs by hand, so a sweep's run
// files are ordinary run files, and a row that crashes takes nothing else down. Whether a
// row still needs work is read from its run file each time: missing -> train it, present
// but not complete -> `grok-train --resume` it, complete -> only collect its results.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "grok/core/config.h"
#include "grok/sweep/sweep_file.h"

namespace grok {

// The points `spec` asks for (grid or random search), in row order.
std::vector<SweepPoint> spec_points(const SweepSpec& spec);

// The resolved config of one row: preset < spec.base_overrides < point, threads set; validated.
Config row_config(const SweepSpec& spec, const SweepPoint& point);

// The sweep to run: new rows for a new sweep; the rows on disk when the same sweep is asked
// for again. A different preset or base config is an InputError; so is a changed set of
// points unless `extend`, which keeps every existing row (and its id) and appends the new.
Sweep plan_sweep(const SweepSpec& spec, const std::optional<Sweep>& existing, bool extend);

// argv of the grok-train process for `row` (argv[0] = `grok_train`): a new run, or
// `--resume` when its run file exists.
std::vector<std::string> train_command(const std::string& grok_train, const SweepSpec& spec, const SweepRow& row,
                                       const std::string& dir);

// What the run file at `path` says: status and results. InputError if unreadable.
RowResult read_row_result(const std::string& path, std::string* status = nullptr);

// Re-reads `row`'s run file (status, results); a row with no run file keeps its status
// unless it was running (then pending). A run file that is not complete and has no live
// writer reads as interrupted.
void refresh_row(SweepRow& row, const std::string& dir);

struct SweepProgress {
  int64_t total = 0, complete = 0, running = 0, failed = 0, interrupted = 0, pending = 0;
  double elapsed_s = 0;
  double eta_s = -1;  // -1: not known yet
};
// "12/48 complete, 2 running, 1 failed; 1m12s, about 3m10s to go".
std::string describe_progress(const SweepProgress& p);

struct LocalRunOptions {
  int64_t jobs = 1;
  std::string grok_train;                                 // path of the grok-train executable
  const std::atomic<bool>* stop = nullptr;                // set (e.g. by SIGINT): stop every run cleanly and return
  std::function<void(const SweepProgress&)> on_progress;  // about once a second and at every change
};

// Trains every row that is not complete, `jobs` processes at a time, and writes
// DIR/sweep.h5 whenever a row starts or ends. On stop, every running grok-train gets one
// SIGINT, finishes its step, checkpoints (status interrupted) and is waited for.
SweepProgress run_local(Sweep& sweep, const std::string& dir, const LocalRunOptions& options);

// Counts rows by status.
SweepProgress count_rows(const Sweep& sweep);

}  // namespace grok
