// run_file.h — the HDF5 run file, schema v1 (documented in docs/run-file.md).
//
// Everything that grows during training is an extendable dataset created up
// front, so the writer can switch the file to SWMR mode (single writer,
// multiple readers) and only ever append: readers can follow a run live, and
// a process killed at any moment leaves a valid file that loses at most the
// rows since the last flush.
//
//   /config, /task, /split             written once at creation
//   /metrics/<name>       [n_eval]     one row per evaluated step
//   /checkpoints/params/<TL name> [n_ckpt, ...]
//   /activations/<hook>   [n_snap, p, p, ...]
//   /resume/slot_{0,1}/   latest full state (weights + optimizer), two slots
//                         written alternately so one is always complete
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grok/core/config.h"
#include "grok/core/task.h"
#include "grok/h5/h5.h"
#include "grok/model/model.h"
#include "grok/runfile/writer_lock.h"

namespace grok {

inline constexpr int64_t kSchemaVersion = 1;

// Scalar metric columns, in file order (all float64, one value per row).
const std::vector<std::string>& scalar_metric_names();

struct MetricsRow {
  int64_t step = 0;
  std::vector<double> scalars;        // in scalar_metric_names() order
  std::vector<double> param_sq_norm;  // per parameter, in model order
};

// The /metrics curves, read back typed (one entry per evaluated step).
struct RunMetrics {
  std::vector<int64_t> steps;
  std::vector<double> train_loss, test_loss, train_acc, test_acc, lr, total_sq_norm, dist_from_init, wall_time_s;
  std::vector<NamedTensor> param_sq_norm;  // per parameter, [n_eval] float64 each, model order

  std::vector<double> total_norm() const;  // sqrt(total_sq_norm): ||theta||
};

// The state needed to continue training exactly.
struct ResumeState {
  int64_t step = -1;  // updates applied so far
  int64_t optimizer_steps = 0;
  std::vector<NamedTensor> params;     // TL name -> float32 tensor
  std::vector<NamedTensor> optimizer;  // state name -> float32 tensor
};

struct RunHeader {
  Config config;
  std::string command_line;
  Task task;
  Split split;
  std::vector<int64_t> train_labels;   // [n_train], the labels trained on (label_noise); empty = the task's
  std::vector<NamedTensor> params;     // names and shapes (values unused)
  std::vector<NamedTensor> optimizer;  // names and shapes of optimizer state
  std::vector<HookInfo> hooks;         // activations to record
};

class RunWriter {
 public:
  // Creates a new run file (fails if it exists: the caller decides about
  // --force) with every group and extendable dataset, then enters SWMR mode.
  // The writer holds the file's WriterLock until it is destroyed.
  static RunWriter create(const std::string& path, const RunHeader& header);
  // Reopens a run for --resume under `lock` (taken before the file was read):
  // drops rows recorded at or after `resume_step` (the loop records that step again if
  // it is on the schedule; rows an interruption added off it vanish), then enters SWMR.
  static RunWriter reopen(const std::string& path, const RunHeader& header, int64_t resume_step, WriterLock lock);

  void append_metrics(const MetricsRow& row);
  void append_checkpoint(int64_t step, const std::vector<NamedTensor>& params,
                         const std::vector<NamedTensor>& optimizer);
  void append_activations(int64_t step, const ActivationCache& cache);
  void write_resume_state(int64_t step, int64_t optimizer_steps, const std::vector<NamedTensor>& params,
                          const std::vector<NamedTensor>& optimizer);
  void flush();
  const std::string& path() const { return path_; }
  // Leaves SWMR mode and stamps the root with status ("complete",
  // "interrupted") and the final step.
  void finish(const std::string& status, int64_t final_step);

  RunWriter(RunWriter&&) = default;
  ~RunWriter();

 private:
  RunWriter(std::string path, h5::File file, const RunHeader& header);
  void open_datasets();

  std::string path_;
  std::optional<WriterLock> lock_;  // declared first, destroyed last: released after file_ closes
  h5::File file_;
  RunHeader header_;
  std::unique_ptr<h5::Dataset> metric_step_;
  std::vector<h5::Dataset> metric_scalars_, metric_param_norms_;
  std::unique_ptr<h5::Dataset> ckpt_step_, act_step_, resume_step_, resume_opt_steps_;
  std::vector<h5::Dataset> ckpt_params_, ckpt_optimizer_, activations_;
  std::vector<std::vector<h5::Dataset>> resume_params_, resume_optimizer_;  // [slot][i]
  int next_slot_ = 0;
};

// Makes a run file whose writer was killed readable by every HDF5 reader (h5py,
// h5dump, HDFView): under the writer lock, clears HDF5's stale "open for write"
// flag and marks a status still saying "running" as "interrupted". InputError
// while a writer is alive. `grok-train --resume` does the same by itself.
// Under the writer lock: clears the "open for write" flag a killed writer left (true if it was
// set). InputError when HDF5 cannot open the file even so (truncated or damaged).
bool clear_stale_write_flag(const std::string& path);

// h5::check_metadata_in_child for an HDF5 file a tool is given (a run, probe or sweep file):
// one that HDF5 cannot read without crashing or hanging becomes InputError (exit 2, one line)
// before this process touches it. A path that is not an HDF5 file is left to the reader.
void check_hdf5_in_child(const std::string& path);

struct Recovery {
  bool flag_was_set = false;
  std::string status_before;
};
Recovery recover_run(const std::string& path);

// Runs f() on a run file being read: what HDF5 or the JSON parser throws because the file lacks
// or garbles something a run file has becomes InputError "PATH: damaged run file (WHAT)" (a bad
// file is bad input: exit 2, one line).
[[noreturn]] void throw_damaged_run(const std::string& path, const std::exception& e);
template <class F>
auto reading_run(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const h5::Error& e) {
    throw_damaged_run(path, e);
  } catch (const nlohmann::json::exception& e) {
    throw_damaged_run(path, e);
  }
}

// Reading a run file back (for --resume, tests and analysis). A file that is not a readable run
// file gives InputError (see reading_run).
class RunReader {
 public:
  explicit RunReader(const std::string& path);  // read-only, SWMR-aware
  int64_t schema_version() const;
  Config config() const;
  std::string status() const;
  std::vector<int64_t> labels() const;  // [p*p]
  Split split() const;
  // The label each training pair was trained on, [n_train], aligned with split().train:
  // /split/train_labels (noisy under label_noise), or the task's labels in files from before 0.3.
  std::vector<int64_t> train_labels() const;
  std::vector<int64_t> metric_steps() const;
  std::vector<double> metric(const std::string& name) const;  // a column of /metrics
  RunMetrics metrics() const;                                 // all of /metrics
  std::vector<int64_t> checkpoint_steps() const;
  at::Tensor checkpoint_param(size_t index, const std::string& name) const;
  std::vector<int64_t> activation_steps() const;
  at::Tensor activation(size_t index, const std::string& hook) const;  // [p, p, ...]
  // The most recent complete resume slot (step -1 if none); with `at_most`, the most recent
  // one at or before that step (an ensemble resumes its members from a step they all hold).
  ResumeState resume_state(int64_t at_most = std::numeric_limits<int64_t>::max()) const;
  const h5::File& file() const { return file_; }
  const std::string& path() const { return path_; }

 private:
  RunMetrics read_metrics() const;
  ResumeState read_resume_state(int64_t at_most) const;

  std::string path_;
  h5::File file_;
};

}  // namespace grok
