// irrep_analysis.h — the group-representation progress measures over every checkpoint
// (Chughtai, Chan & Nanda 2023, "A toy model of universality"; definitions from their
// code, rep_theory/utils/metrics.py; docs/probe-file.md, "/irreps").
//
// Key irreps are found at one checkpoint (default: the last) and held fixed: the
// non-trivial irreps whose character similarity with the logits exceeds 0.005 (their
// threshold). At every checkpoint: each irrep's character similarity and its square
// (the share of the centred logits' variance along its character cube), which irreps
// are above the threshold there, the restricted loss (logits projected on the span of
// the key irreps' ρ(a·b) entries; test, train and all pairs), the excluded loss (that
// span removed; train pairs; all key irreps at once and one at a time), and the share
// of the number embedding in each irrep's span.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "grok/core/group.h"
#include "grok/measures/irreps.h"
#include "grok/probe/curve_table.h"
#include "grok/probe/run_checkpoints.h"

namespace grok {

// Chughtai et al.'s threshold on the character similarity (utils/metrics.py, determine_key_reps).
inline constexpr double kKeyIrrepThreshold = 0.005;

struct IrrepOptions {
  double threshold = kKeyIrrepThreshold;  // key: similarity > threshold (signed, as in their code)
  int64_t key_step = -1;                  // checkpoint step for the key irreps; -1 = the last
  std::vector<std::string> key_irreps;    // given key irreps by name; empty = find them
  int64_t stride = 1;                     // analyse every stride-th checkpoint (first and last always)
};

// Empty when the irrep analysis applies (tasks sN, dN, and add as the cyclic group Z_p), else why not.
std::string irreps_not_applicable(const Config& config);

// The key irreps, from the checkpoint options.key_step (default the last).
struct KeyIrreps {
  std::vector<size_t> indices;     // into IrrepResult::irreps, ascending
  std::vector<std::string> names;  // the same irreps' names
  int64_t step = 0;                // the checkpoint they came from
  bool given = false;              // given by the user (IrrepOptions::key_irreps)
  std::vector<double> similarity;  // every irrep's character similarity at that checkpoint
};

// One irrep as the analysis reports it (the matrices stay in measures/irreps.h).
struct IrrepInfo {
  std::string name, label;
  int64_t dim = 0, frequency = 0;
};

// Everything the irrep analysis measures at one checkpoint; R = number of irreps.
struct IrrepCheckpoint {
  at::Tensor similarity;                // [R] cos(L', character cube)
  at::Tensor variance_explained;        // [R] similarity^2
  double variance_explained_total = 0;  // Σ over the non-trivial irreps (their percent_logits_explained)
  double variance_explained_key = 0;    // Σ over the key irreps
  at::Tensor key_now;                   // [R] int64: 1 where the irrep is above the threshold at this checkpoint
  double key_overlap = 0;               // |key now ∩ key| / |key| (NaN without key irreps)
  double train_loss = 0, test_loss = 0;
  double restricted_test = 0, restricted_train = 0, restricted_all = 0, excluded_train = 0;
  at::Tensor excluded_per_key;  // [|K|] excluded train loss removing one key irrep
  at::Tensor embed_fraction;    // [R] share of ||number embedding||^2 in each irrep's span
};

struct IrrepResult {
  std::string group;  // "S5", "D7", "Z113"
  std::vector<IrrepInfo> irreps;
  KeyIrreps key;
  double threshold = 0;
  double chance_loss = 0;      // ln |G|
  std::vector<int64_t> steps;  // the checkpoint steps analysed
  std::vector<IrrepCheckpoint> at;

  // For each key irrep: the first analysed step at which it was above the threshold (-1: never).
  std::vector<int64_t> key_first_steps() const;
};

IrrepResult analyse_irreps(RunCheckpoints& run, const IrrepOptions& options);

// The probe file's /irreps group and `grok-probe irreps --json` (docs/probe-file.md).
CurveTable irrep_table(const IrrepResult& result);

}  // namespace grok
