// representation_analysis.h — what the model's representations encode, over checkpoints:
// linear probes, PCA of the embedding, RQI, clock/pizza measures, softmax collapse, efficiency.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "grok/probe/curve_table.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/story/circuit_kind.h"

namespace grok {

struct RepresentationOptions {
  std::string hook;                      // hook to probe; empty = the model's neuron_hook()
  std::vector<int64_t> key_frequencies;  // probe targets' frequencies (from the Fourier analysis)
  double ridge_lambda = 1e-2;
  int64_t pca_components = 6;
  double rqi_delta = 0.01;
  int64_t symmetricity_samples = 64;
  int64_t stride = 1;
};

// Everything measured at one checkpoint.
struct RepresentationCheckpoint {
  at::Tensor r2;  // [|K|, 3 (a | b | a+b), 2 (cos | sin)] test R^2; undefined without key frequencies
  double answer_accuracy = 0, rqi_int = 0, rqi_mod = 0, symmetricity = 0, distance_irrelevance = 0;
  double collapse_sum = 0, collapse_loss = 0;                  // float32, as the spec's "softmax collapse"
  double collapse_sum_trained = 0, collapse_loss_trained = 0;  // float64: the precision grok-train's loss uses
  double efficiency = 0;
  at::Tensor gradient_weight_cosine;  // [n_params + 1]: cos(grad L_train, theta) per tensor, then all together
  at::Tensor explained_variance, dominant_frequency;  // [components] float64, int64

  double mean_r2(int64_t operand) const;  // mean over K and cos/sin of r2[:, operand, :]
};

struct RepresentationResult {
  RepresentationOptions options;          // as used (hook resolved)
  bool clock_pizza = false;               // distance irrelevance measured (add or rand on odd prime p)
  bool symmetricity = false;              // gradient symmetricity measured: clock_pizza and the operands interact
  std::string symmetricity_note;          // why not, when clock_pizza holds but symmetricity does not
  std::vector<std::string> tensor_names;  // gradient_weight_cosine's entries: parameters, then "all"
  std::vector<int64_t> steps;
  std::vector<RepresentationCheckpoint> at;  // one per step

  // Clock or pizza at the last analysed checkpoint (needs clock_pizza; circuit_kind.h).
  CircuitKind final_circuit_kind() const;
};

// Linear-probe R^2 (test pairs) for cos/sin(w_k a), (w_k b), (w_k (a+b)) and
// the answer's one-hot accuracy; PCA of the embedding; RQI; gradient
// symmetricity and distance irrelevance; softmax collapse; efficiency.
RepresentationResult analyse_representations(RunCheckpoints& run, const RepresentationOptions& options);

// The probe file's /probes group and `grok-probe probes --json` (docs/probe-file.md).
CurveTable representation_table(const RepresentationResult& result);

}  // namespace grok
