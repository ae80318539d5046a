// fourier_analysis.h — the Fourier-circuit progress measures over every checkpoint.
//
// Key frequencies are computed at one checkpoint (default: the last) and held
// fixed; every other quantity is then measured at each checkpoint:
// Fourier norms and Gini of the embedding and of W_L = W_out W_U, neuron
// frequency clusters and IPR, restricted loss (test/train/all), excluded loss
// (train; all key frequencies at once and one at a time), the logit trig fit.
#pragma once

#include <string>

#include "grok/probe/curve_table.h"
#include "grok/probe/run_checkpoints.h"

namespace grok {

struct FourierOptions {
  double tau = 0.85;          // neuron cluster threshold on frac_best
  int64_t key_step = -1;      // checkpoint step for the key frequencies; -1 = the last
  int64_t stride = 1;         // analyse every stride-th checkpoint (first and last always)
};

// Empty when the Fourier analysis applies to this run, else the reason.
std::string fourier_not_applicable(const Config& config);
// Empty when the logit projections (restricted/excluded loss, trig fit) apply.
std::string projections_not_applicable(const Config& config);

// Checkpoint indices analysed for a stride (first and last always included).
std::vector<size_t> strided_checkpoints(size_t n, int64_t stride);

// The key frequencies, from the checkpoint options.key_step (default the last).
struct KeyFrequencies {
  std::vector<int64_t> frequencies;         // 1-based, ascending
  int64_t step = 0;                         // the checkpoint they came from
  std::vector<int64_t> by_logit_projection; // top 10 frequencies by ||P_k L||^2, for comparison
  int64_t cluster_threshold = 0;            // neurons a cluster needs to make its frequency key
};
KeyFrequencies find_key_frequencies(RunCheckpoints& run, const FourierOptions& options);

ProbeTable analyse_fourier(RunCheckpoints& run, const FourierOptions& options);

}  // namespace grok
