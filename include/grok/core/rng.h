// rng.h — small portable random helpers for data-side randomness.
//
// The split, the rand task's table, label noise and minibatch order are drawn from
// std::mt19937_64 (fully specified by the C++ standard) with our own bounded
// draw, so they are identical on every platform and standard library —
// unlike std::uniform_int_distribution or std::shuffle.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace grok {

// Mixes a seed with a stream id so that independent uses of one seed (split,
// rand table, epoch order, label noise) never share a random sequence (splitmix64 finaliser).
inline uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform integer in [0, n) by rejection (no modulo bias).
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

// Fisher–Yates shuffle in place.
template <class T>
void shuffle_in_place(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_below(rng, i)]);
}

// Random-stream ids, one per use of the data seed.
enum RngStream : uint64_t { kSplitStream = 1, kRandTableStream = 2, kEpochStream = 3, kLabelNoiseStream = 4 };
// The stream of grok-sweep's random search (mixed with --sweep-seed, not a data seed).
constexpr uint64_t kSweepStream = 16;

}  // namespace grok
