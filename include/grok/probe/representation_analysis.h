// representation_analysis.h — representation probes and weight norms over checkpoints.
#pragma once

#include <string>
#include <vector>

#include "grok/probe/curve_table.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/story/story.h"

namespace grok {

struct ProbeOptions {
  std::string hook;                    // hook to probe; empty = the last MLP's hook_post
  std::vector<int64_t> key_frequencies;  // probe targets' frequencies (from the Fourier analysis)
  double ridge_lambda = 1e-2;
  int64_t pca_components = 6;
  double rqi_delta = 0.01;
  int64_t symmetricity_samples = 64;
  int64_t stride = 1;
};

// Linear-probe R^2 (test pairs) for cos/sin(w_k a), (w_k b), (w_k (a+b)) and
// the answer's one-hot accuracy; PCA of the embedding; RQI; gradient
// symmetricity and distance irrelevance; softmax collapse; efficiency.
ProbeTable analyse_probes(RunCheckpoints& run, const ProbeOptions& options);

// The curves the phases are read from: the run's metrics, plus the Fourier
// curves when the analysis applied (`fourier` may be null; `note` says why not).
PhaseInputs phase_inputs(const RunReader& reader, int64_t p, const ProbeTable* fourier, const std::string& note);

// Per-tensor and total weight norms and distance from initialisation, at every
// evaluated step (read from the run's metrics, where training logged them).
ProbeTable analyse_norms(const RunReader& reader);

}  // namespace grok
