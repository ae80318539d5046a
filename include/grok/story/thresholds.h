// thresholds.h — every threshold the milestones and the phases use, defined once.
//
// Definitions and sources: docs/probe-file.md, "Phases" (after Nanda et al. 2023 §5).
#pragma once

#include <cstddef>
#include <cstdint>

namespace grok {

// ---- accuracy milestones (shared spec)
inline constexpr double kMemorisedAccuracy = 0.99;  // t_mem: train accuracy at least this
inline constexpr double kGrokAccuracy = 0.99;       // t_grok: test accuracy at least this
inline constexpr double kTest50Accuracy = 0.50;     // t_50
inline constexpr double kTest95Accuracy = 0.95;     // t_95
// Liu et al. 2022's phase-diagram rule reads the steps to this train and test accuracy.
inline constexpr double kPhaseDiagramAccuracy = 0.90;  // t_train90, t_test90 (grok-sweep)
// ... and calls a run that reached both comprehension when t_test90 - t_train90 is below this
// many steps, grokking otherwise (their 10^3; grok-probe sweep --gap).
inline constexpr int64_t kComprehensionGapSteps = 1000;

// ---- clock or pizza (Zhong et al. 2023, who report clock q 0.85, s_g 0.33 and pizza q 0.17,
// s_g 0.99): the midpoints between their two models. A run is clock-like with distance
// irrelevance q at least this and gradient symmetricity below the next; pizza-like the other
// way round; neither otherwise.
inline constexpr double kClockMinDistanceIrrelevance = 0.5;
inline constexpr double kPizzaMinSymmetricity = 0.66;

// ---- robust reading of curves
// Running median over this many rows (centred): one spiking row never survives it.
inline constexpr size_t kMedianRows = 5;
// A threshold counts as crossed at the first of this many consecutive rows that all cross it.
inline constexpr size_t kPersistRows = 3;

// ---- memorisation ends: train loss "near zero", i.e. below this fraction of chance ln p.
inline constexpr double kMemorisedTrainLossFraction = 0.01;

// ---- circuit formation
// Restricted test loss has separated from its null band once it is below mean - k * std
// of the same loss with |K| random non-key frequencies.
inline constexpr double kNullBandSigmas = 3.0;
// Excluded train loss has risen away from train loss once it exceeds it by this fraction of ln p.
inline constexpr double kExcludedRiseFraction = 0.25;

// ---- cleanup
// The test loss falls "sharply" while d ln(test loss) / d ln(step) <= -kSharpFallRate,
// i.e. faster than loss ~ step^-2. Dimensionless: independent of the loss scale and of
// where in training the fall happens.
inline constexpr double kSharpFallRate = 2.0;
// A curve has levelled off at step t when over the window (t, t * (1 + kLevelWindowFraction)]
// (at least kLevelMinRows rows) it moves by at most kLevelFraction of what it moved
// between the start of cleanup and t.
inline constexpr double kLevelWindowFraction = 0.10;
inline constexpr size_t kLevelMinRows = 3;
inline constexpr double kLevelFraction = 0.05;

}  // namespace grok
