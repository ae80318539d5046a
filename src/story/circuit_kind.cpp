// circuit_kind.cpp — clock or pizza (see circuit_kind.h).
#include "grok/story/circuit_kind.h"

#include <fmt/core.h>

#include "grok/story/thresholds.h"

namespace grok {

CircuitKind clock_or_pizza(double distance_irrelevance, std::optional<double> symmetricity) {
  const double q = distance_irrelevance, s_g = symmetricity.value_or(1.0);
  const bool distance_matters = q < kClockMinDistanceIrrelevance;
  const bool symmetric = s_g >= kPizzaMinSymmetricity;
  CircuitKind c;
  c.kind = !distance_matters && !symmetric ? "clock" : distance_matters && symmetric ? "pizza" : "neither";
  c.why = fmt::format("distance irrelevance q {:.2f} ({} {}), gradient symmetricity s_g {}", q,
                      distance_matters ? "<" : ">=", kClockMinDistanceIrrelevance,
                      symmetricity ? fmt::format("{:.2f} ({} {})", s_g, symmetric ? ">=" : "<", kPizzaMinSymmetricity)
                                   : std::string("1 by construction (the operands enter additively)"));
  return c;
}

}  // namespace grok
