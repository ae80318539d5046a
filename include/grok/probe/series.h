// series.h — one scalar field of a typed per-checkpoint result, as a curve.
//
//   series(fourier.at, &FourierCheckpoint::restricted_test)  ->  [n] doubles, one per step
//
// A pointer to member, not a name: a typo does not compile.
#pragma once

#include <vector>

namespace grok {

template <class Checkpoint>
std::vector<double> series(const std::vector<Checkpoint>& at, double Checkpoint::*field) {
  std::vector<double> out;
  out.reserve(at.size());
  for (const Checkpoint& c : at) out.push_back(c.*field);
  return out;
}

}  // namespace grok
