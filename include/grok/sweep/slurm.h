// slurm.h — a sweep's unfinished rows as one Slurm job array.
//
// grok-sweep writes DIR/slurm/array-N.sh, a plain batch script: array task i runs the
// grok-train command of its row(s), output to DIR/logs/rNNNN.log as in a local sweep, so
// collecting works the same way. The script names grok-train, the run files and the logs by
// absolute path: on a real cluster, the build and the sweep directory must be on a file
// system every node sees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grok/sweep/sweep_file.h"

namespace grok {

// Slurm's default MaxArraySize is 1001: larger sweeps give each array task several rows.
constexpr int64_t kMaxArrayTasks = 1000;

struct SlurmArray {
  std::string script;                      // absolute path of the batch script
  std::vector<std::vector<int64_t>> rows;  // rows[i]: the row ids array task i trains, in order
};

// Writes the batch script for the rows of `sweep` that are not complete (none: empty rows).
SlurmArray write_slurm_array(const Sweep& sweep, const std::string& dir, const std::string& grok_train);

// `sbatch --parsable [extra_args...] SCRIPT`; returns the job id. InputError with sbatch's
// own message when it refuses (no Slurm, bad --slurm-args).
std::string submit_slurm_array(const SlurmArray& array, const std::string& extra_args);

// Array tasks of `job_id` still pending or running (squeue); -1 if squeue itself failed.
int64_t slurm_tasks_left(const std::string& job_id);

// Asks the running tasks to stop cleanly (SIGINT: grok-train checkpoints) and drops the
// pending ones.
void cancel_slurm_array(const std::string& job_id);

// After the job: a row it was to train with no complete run file is interrupted (it has a
// run file: stopped by `cancelled`, or ended early, e.g. a time limit), pending (cancelled
// before it started) or failed (the last line of its log says why).
void mark_unfinished_slurm_rows(Sweep& sweep, const SlurmArray& array, const std::string& dir, bool cancelled);

// Shell words of `text` (whitespace-separated; single and double quotes group).
std::vector<std::string> split_shell_words(const std::string& text);

}  // namespace grok
