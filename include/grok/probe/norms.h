// norms.h — weight norms over training: total and per tensor, and distance from initialisation.
//
// Read from the run's /metrics, where grok-train logs them at every evaluated
// step, so this needs no checkpoint and no model.
#pragma once

#include <vector>

#include "grok/probe/curve_table.h"
#include "grok/runfile/run_file.h"

namespace grok {

struct NormsResult {
  std::vector<int64_t> steps;                   // every evaluated step
  std::vector<double> total_norm;               // ||theta||
  std::vector<double> total_sq_norm;            // ||theta||^2
  std::vector<double> dist_from_init;           // ||theta - theta_0||
  std::vector<NamedTensor> per_tensor_sq_norm;  // [n_eval] float64 per parameter
};

NormsResult analyse_norms(const RunMetrics& metrics);

// The probe file's /norms group and `grok-probe norms --json`.
CurveTable norms_table(const NormsResult& result);

}  // namespace grok
