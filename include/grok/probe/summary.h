// summary.h — the summary pipeline, once: the run's metrics, the Fourier analysis
// on a subset of checkpoints (where it applies), the phases and the story.
//
// `grok-probe summary` prints it and the report draws it; both call summarise().
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "grok/probe/fourier_analysis.h"
#include "grok/probe/irrep_analysis.h"
#include "grok/runfile/run_file.h"
#include "grok/story/story.h"

namespace grok {

// The summary analyses at most this many checkpoints (evenly strided, first
// and last included): enough to place every phase boundary to within ~2% of the run.
inline constexpr int64_t kSummaryCheckpoints = 60;

struct RunSummary {
  RunMetrics metrics;
  std::optional<FourierResult> fourier;  // absent when the Fourier analysis does not apply
  std::string fourier_note;              // why it does not apply
  // Group tasks (sN, dN), where the Fourier analysis does not apply: the irrep analysis
  // on the same checkpoints, whose restricted and excluded losses the phases read.
  std::optional<IrrepResult> irreps;
  PhaseInputs inputs;  // the curves the phases are read from
  Phases phases;
};

// options.stride 0 means: at most kSummaryCheckpoints checkpoints.
RunSummary summarise(RunCheckpoints& run, FourierOptions options);

// The curves the phases are read from: the run's metrics, plus the Fourier
// curves when the analysis applied (`fourier` may be null; `note` says why not),
// or else the irrep analysis' curves (`irreps`, group tasks).
// The loss-based boundaries compare cross-entropy with chance (ln p): a run
// trained with loss = mse has MSE loss curves, so they are left out and its
// phases rest on accuracy and the (cross-entropy) Fourier curves.
PhaseInputs phase_inputs(const RunMetrics& metrics, const Config& config, const FourierResult* fourier,
                         const std::string& note, const IrrepResult* irreps = nullptr);

// {"t_mem", ..., "story"}: the probe file's /phases attributes and `grok-probe summary --json`.
nlohmann::ordered_json summary_json(const RunSummary& summary);

}  // namespace grok
