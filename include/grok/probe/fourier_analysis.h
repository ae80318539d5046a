// fourier_analysis.h — the Fourier-circuit progress measures over every checkpoint.
//
// Key frequencies are computed at one checkpoint (default: the last) and held
// fixed; every other quantity is then measured at each checkpoint:
// Fourier norms and Gini of the embedding and of W_L = W_out W_U, neuron
// frequency clusters and IPR, restricted loss (test/train/all), excluded loss
// (train; all key frequencies at once and one at a time), the logit trig fit,
// Gromov's per-neuron phase relation (add).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "grok/measures/neuron_frequencies.h"
#include "grok/probe/curve_table.h"
#include "grok/probe/run_checkpoints.h"

namespace grok {

struct FourierOptions {
  double tau = kClusterThreshold;        // neuron cluster threshold on frac_best
  int64_t key_step = -1;                 // checkpoint step for the key frequencies; -1 = the last
  std::vector<int64_t> key_frequencies;  // given key frequencies (1..floor(p/2)); empty = find them
  int64_t stride = 1;                    // analyse every stride-th checkpoint (first and last always)
  int64_t null_draws = 20;               // random frequency sets for the restricted-loss null baseline
  uint64_t null_seed = 0;                // their seed (the same sets at every checkpoint)
};

// Empty when the Fourier analysis applies to this run, else the reason.
std::string fourier_not_applicable(const Config& config);
// Empty when the logit projections (restricted/excluded loss, trig fit) apply.
std::string projections_not_applicable(const Config& config);

// The key frequencies, from the checkpoint options.key_step (default the last).
struct KeyFrequencies {
  std::vector<int64_t> frequencies;          // 1-based, ascending
  int64_t step = 0;                          // the checkpoint they came from
  bool given = false;                        // given by the user (FourierOptions::key_frequencies)
  std::vector<int64_t> by_logit_projection;  // top 10 frequencies by ||P_k L||^2, for comparison
  int64_t cluster_threshold = 0;             // neurons a cluster needs to make its frequency key
};
KeyFrequencies find_key_frequencies(RunCheckpoints& run, const FourierOptions& options);

// Everything the Fourier analysis measures at one checkpoint. n_freq = floor(p/2),
// M = d_mlp neurons; frequencies are 1-based (index k-1).
struct FourierCheckpoint {
  at::Tensor embed_norms, wl_norms;  // [n_freq] squared Fourier norms of W_E[:p] and of W_L along outputs
  double embed_gini = 0, wl_gini = 0;
  at::Tensor cluster_sizes;    // [n_freq] int64
  at::Tensor best, best_frac;  // [M] int64 best frequency, [M] float64 its frac
  double fraction_clustered = 0, mean_ipr = 0;
  double train_loss = 0, test_loss = 0;
  at::Tensor key_now;          // [n_freq] int64: 1 where k is a key frequency at this checkpoint
  double key_overlap = 0;      // |K_now ∩ K| / |K| (NaN without key frequencies)
  at::Tensor logit_alignment;  // [n_freq] mean W_L-row alignment of cluster k's neurons (NaN: empty)
  // Logit projections (zero / undefined when they do not apply):
  double restricted_test = 0, restricted_train = 0, restricted_all = 0, excluded_train = 0;
  // Restricted test loss on |K| random non-key frequencies: mean and sd over the
  // null draws (NaN without key frequencies), and on this checkpoint's own key set.
  double restricted_null_mean = 0, restricted_null_sd = 0, restricted_test_current = 0;
  at::Tensor logit_family_fraction;  // [n_freq, 4] share of ||L'||^2 per wave family (logit_structure.h)
  at::Tensor excluded_per_key;       // [|K|] excluded train loss removing one key frequency
  at::Tensor trig_coefficient;       // [n_freq] C_k
  double fit_cosine = 0, fit_residual = 0;
  at::Tensor projection_norms;  // [n_freq] ||P_k L||^2
  // Gromov's phase relation (neuron_phases.h), task add only (NaN / undefined otherwise):
  double phase_alignment = 0;         // weighted mean over neurons of cos(phi_a + phi_b - psi)
  at::Tensor neuron_phase_alignment;  // [M] per neuron
};

// The Fourier analysis of a run: key frequencies, then one FourierCheckpoint per analysed step.
struct FourierResult {
  KeyFrequencies key;
  double tau = 0;
  double chance_loss = 0;                  // ln p
  std::string projections_not_applicable;  // empty when the logit projections were measured
  bool phases_measured = false;            // Gromov's phase relation (task add)
  int64_t null_draws = 0;                  // restricted-loss null baseline: draws and seed
  uint64_t null_seed = 0;
  std::vector<std::vector<int64_t>> null_sets;  // the frequency sets drawn (empty without a null)
  std::vector<int64_t> steps;                   // the checkpoint steps analysed
  std::vector<FourierCheckpoint> at;            // one per step

  bool projections_apply() const { return projections_not_applicable.empty(); }
  // For each key frequency: the first analysed step at which it was key (-1: never).
  std::vector<int64_t> key_first_steps() const;
};

FourierResult analyse_fourier(RunCheckpoints& run, const FourierOptions& options);

// The probe file's /fourier group and `grok-probe fourier --json` (docs/probe-file.md).
CurveTable fourier_table(const FourierResult& result);

}  // namespace grok
