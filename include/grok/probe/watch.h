// watch.h — `grok-probe watch`: a live view of a run while it trains.
//
// Each refresh reads the run file as an SWMR reader (never blocking the writer), takes its
// metric curves, the phase reached so far (from the metrics alone: no checkpoint pass) and
// the key frequencies at the newest checkpoint, and renders one frame: sparklines over log
// steps on a terminal, one plain line otherwise (logs, pipes, `ssh` without a tty).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grok/probe/run_checkpoints.h"
#include "grok/runfile/run_file.h"
#include "grok/story/story.h"

namespace grok {

struct WatchFrame {
  std::string title;        // "add mod 113, transformer: ..."
  std::string status;       // the run file's status: running, complete, interrupted, failed
  int64_t total_steps = 0;  // config.steps
  RunMetrics metrics;
  Phases phases;                         // from the metrics: milestones and the phases they show
  std::string phase_reached;             // "memorisation", "circuit formation", "cleanup", "generalised"
  std::vector<int64_t> key_frequencies;  // at the newest checkpoint (empty: none yet or not applicable)
  std::optional<int64_t> key_step;       // that checkpoint's step
  bool group_task = false;               // sN, dN: key irreps instead of key frequencies
  std::vector<std::string> key_irreps;   // at the newest checkpoint
};

// Reads one frame from `run` (reopened by the caller for each refresh to see new rows).
WatchFrame read_watch_frame(RunCheckpoints& run);

// `values` resampled at `width` log-spaced steps between the first and last of `steps`
// (step 0 drawn as step 1) and drawn with the eight block characters ▁..█, scaled between
// the curve's min and max (on log values when `log_scale`). Empty input: "".
std::string sparkline(const std::vector<int64_t>& steps, const std::vector<double>& values, size_t width,
                      bool log_scale);

// The frame for a terminal (several lines, sparklines `width` wide) or as one plain line.
std::string render_watch_frame(const WatchFrame& frame, bool terminal, size_t width);

}  // namespace grok
