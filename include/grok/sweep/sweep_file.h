// sweep_file.h — a sweep's index: what was asked for, one row per run, and what each run did.
//
// `DIR/sweep.h5` (schema in docs/sweep-file.md) is rewritten whole — under a temporary name,
// then renamed — whenever a row changes, so any reader at any moment sees a complete file.
// The run files in `DIR/runs/` are the truth: every result column can be rebuilt from them
// (grok-sweep --collect), and the status of a row is re-read from its run file on every start.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grok/sweep/grid.h"

namespace grok {

constexpr int64_t kSweepSchemaVersion = 1;

// What the sweep is: fixed when the sweep is created. A rerun must ask for the same spec
// (or, with --extend, the same base and more points).
struct SweepSpec {
  std::string preset;                                        // grok-train --preset
  nlohmann::json base_overrides = nlohmann::json::object();  // grok-train flags every run gets
  std::vector<SweepAxis> axes;                               // in command-line order, seeds last
  int64_t random = 0;                                        // --random N (0 = grid search)
  int64_t sweep_seed = 0;                                    // --sweep-seed
  int64_t threads_per_run = 1;
};

constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// What one run did, read from its run file. Steps are -1 where never reached.
struct RowResult {
  int64_t final_step = -1;
  int64_t t_mem = -1, t_grok = -1;        // first step with train / test accuracy >= 99%
  int64_t t_train90 = -1, t_test90 = -1;  // first step with train / test accuracy >= 90% (Liu et al.)
  double final_train_loss = kUnknown, final_test_loss = kUnknown;
  double final_train_acc = kUnknown, final_test_acc = kUnknown;
  double min_test_loss = kUnknown;
  std::vector<int64_t> key_frequencies;  // at the final checkpoint (empty: none or not applicable)
  double wall_s = kUnknown;              // training time, summed over the run's processes
};

// Row status: pending (not started), running, complete, interrupted (resumable), failed.
struct SweepRow {
  int64_t id = 0;
  SweepPoint point;      // axis name -> value
  std::string run_file;  // relative to the sweep directory: "runs/r0007.h5"
  std::string status = "pending";
  std::string error;  // why it failed (one line), else empty
  RowResult result;
};

struct Sweep {
  SweepSpec spec;
  std::vector<SweepRow> rows;
  std::string created_utc;
  std::string command_line;  // of the latest grok-sweep that wrote the file
};

// The run file name of row `id`.
std::string run_file_name(int64_t id);

// Writes `sweep` to `path` atomically (PATH.part, then rename).
void write_sweep_file(const std::string& path, const Sweep& sweep);
// InputError (one line) for a missing file, a file that is not a sweep, or a newer schema.
Sweep read_sweep_file(const std::string& path);
// The directory a sweep file's run files are relative to ("." for a bare file name).
std::string sweep_directory(const std::string& sweep_path);
// The root attribute "format" of a readable HDF5 file ("grokscope.run", "grokscope.sweep"; "" when
// it has none); std::nullopt for a missing, non-HDF5 or damaged file. Tools ask it which reader to use.
std::optional<std::string> file_format(const std::string& path);

}  // namespace grok
