// circuit_kind.h — clock or pizza (Zhong et al. 2023), read from the two measures their paper
// uses: distance irrelevance q (how little the correct logit depends on a - b) and gradient
// symmetricity s_g (how alike d logit / d E_a and d logit / d E_b are). Thresholds: thresholds.h.
#pragma once

#include <optional>
#include <string>

namespace grok {

struct CircuitKind {
  std::string kind;  // "clock", "pizza" or "neither"
  std::string why;   // the two numbers against their thresholds, for people
};

// `symmetricity` absent: the operands enter additively, so s_g = 1 by construction.
CircuitKind clock_or_pizza(double distance_irrelevance, std::optional<double> symmetricity);

}  // namespace grok
