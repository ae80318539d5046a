// trainer.h — the training loop: task -> model -> optimizer -> run file.
//
// Step s means "s updates applied". At an evaluated step the model's state
// theta_s is measured (train and test loss/accuracy, norms) before update s
// is applied; checkpoints and activation snapshots likewise hold theta_s.
// The first (s = 0) and the final state are always recorded. With solver =
// min_norm there is one update, the closed-form readout solve (steps = 1).
// The train metrics are measured against the labels trained on (label_noise).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grok/core/config.h"
#include "grok/story/milestones.h"

namespace grok {

struct ProgressEvent {
  int64_t member = 0;  // which of the models trained together (0 alone): its index in the seeds trained
  int64_t step = 0;
  int64_t total_steps = 0;
  double train_loss = 0, test_loss = 0, train_acc = 0, test_acc = 0;
  double steps_per_second = 0;
  double elapsed_s = 0;
};

struct TrainHooks {
  // Checked after every step; when it becomes true the current step finishes,
  // a final checkpoint is written and train() returns with interrupted = true.
  const std::atomic<bool>* stop = nullptr;
  // Called once the run file is open, before the first step (once per member file).
  std::function<void(const std::string& path, int64_t start_step, int64_t parameter_count)> on_start;
  // Called once, before on_start, with each one-line warning about the run's settings on this
  // machine (bf16 on a CPU without bfloat16 instructions: runtime/cpu_features.h).
  std::function<void(const std::string& warning)> on_warning;
  // Called after every evaluated step (of every member).
  std::function<void(const ProgressEvent&)> on_eval;
  // Tests: with config.cuda_graph on a CPU, act as if the step were captured (step_graph.h
  // Emulate::capture): the optimizer counts on the device and replays check their tensors.
  bool emulate_graph_capture = false;
};

// Where a run's wall time went, in seconds (grok-train --verbose prints it).
struct TimeSplit {
  double training = 0;     // the steps: forward on the batch, loss, backward, update
  double evaluation = 0;   // metrics rows: forwards on the train and test pairs, norms
  double checkpoints = 0;  // checkpoints and resume slots written
  double activations = 0;  // grid forwards and activation snapshots written
  double flush = 0;        // HDF5 flushes (what makes progress visible to SWMR readers)
  double recording() const { return evaluation + checkpoints + activations + flush; }
};

struct TrainResult {
  std::string path;
  int64_t start_step = 0;
  int64_t final_step = 0;
  bool interrupted = false;
  double seconds = 0;
  TimeSplit time;
  AccuracyMilestones milestones;  // over the whole run, resumed parts included
};

// The config a run trains with: with_implied_settings() for the device config.device resolves to
// (what the run file records, and what grok-train --verbose prints).
Config run_config(const Config& config);

// Trains a new run into `out`. An existing `out` is an InputError unless
// `overwrite`; it is replaced only once the config has been fully checked.
// Parent directories are created.
TrainResult train_new(const Config& config, const std::string& out, const std::string& command_line,
                      const TrainHooks& hooks = {}, bool overwrite = false);

// Trains one model per seed of `seeds` (config.seed ignored) as one batched model: stacked
// parameters, batched matmuls, one optimizer over the stacks, a loss per model. Model k
// writes the ordinary run file dir/member_file_name(seeds[k]), the same (on the CPU), bit for bit in
// metrics, checkpoints and activations, as train_new() of that seed alone at the same
// thread count (the command line it records differs). Each model stops at its own end
// (stop_after_grok); the batch trains until the last one does. InputError for an empty
// seed list, a seed given twice, or an existing member file without `overwrite`.
std::vector<TrainResult> train_ensemble(const Config& config, const std::vector<int64_t>& seeds, const std::string& dir,
                                        const std::string& command_line, const TrainHooks& hooks = {},
                                        bool overwrite = false);

// grok-train --resume DIR: continues the members of an ensemble (DIR's seed-N.h5 files) as
// one batched model again, from the newest step that all of them hold a resume slot for
// (a kill between two members' checkpoints leaves some one checkpoint ahead). Members whose
// run has ended (their steps, or their grok step + stop_after_grok) are left as they are.
// `overrides` as for train_resume. Each file ends as train_resume() of it alone would end it.
struct EnsembleResume {
  std::vector<TrainResult> resumed;
  std::vector<std::string> ended;  // member files left as they were
};
EnsembleResume train_resume_ensemble(const std::string& dir, const nlohmann::json& overrides,
                                     const TrainHooks& hooks = {});

// The run file of seed `seed` in an ensemble's directory: "seed-<seed>.h5".
std::string member_file_name(int64_t seed);

// Continues `path` from its newest complete resume slot. A file whose writer was
// killed (kill -9, OOM, pre-emption) resumes with no manual step: under the
// writer lock the stale "open for write" flag is cleared first. InputError while
// another grok-train is still writing it. `overrides` may
// change steps, threads, device and stop_after_grok only (InputError otherwise).
TrainResult train_resume(const std::string& path, const nlohmann::json& overrides, const TrainHooks& hooks = {});

}  // namespace grok
