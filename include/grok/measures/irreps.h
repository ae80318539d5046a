// irreps.h — the real irreducible representations of the task groups, as orthogonal matrices.
//
// A representation ρ of a group G (core/group.h) assigns each element g a real d x d
// matrix ρ(g) with ρ(g)ρ(h) = ρ(g·h). Ours are orthogonal, ρ(g^-1) = ρ(g)^T, so
// the character tr ρ(g) is what Chughtai et al. 2023's "character cube"
// tr ρ(a)ρ(b)ρ(c^-1) = χ(a·b·c^-1) is built from.
//
// - S_n: one irrep per partition λ of n, in Young's orthogonal form (James & Kerber
//   1981, §3.4): a basis vector v_T per standard Young tableau T of shape λ; the
//   adjacent transposition s_i = (i i+1) maps v_T to v_T / r + sqrt(1 - 1/r^2) v_{s_i T},
//   where r = c_T(i+1) - c_T(i) is the difference of the contents (column - row) of the
//   boxes holding i+1 and i (r = ±1: same row or column, s_i T is not standard and the
//   second term vanishes). ρ of any permutation is the product along a word in the s_i.
//   Names: trivial (n), sign (1^n), standard (n-1, 1), standard_sign (2, 1^(n-2)); S4:
//   2d (2, 2); S5: 5d_a (2, 2, 1), 5d_b (3, 2), 6d (3, 1, 1) — the names of Chughtai
//   et al.'s code (their s5_5d_a is the Specht module of (2, 2, 1)).
// - D_n: trivial; sign (r -> 1, s -> -1); for even n also rsign (r -> -1, s -> 1) and
//   rsign_sign (r -> -1, s -> -1); and for k = 1..ceil(n/2) - 1 the 2-d irrep freq_k:
//   ρ(r^i) the rotation by 2πki/n, ρ(r^i s) = ρ(r^i) diag(1, -1).
// - Z_p (for the reduction to the Fourier analysis): trivial; sign (x -> (-1)^x) for
//   even p; freq_k, k = 1..ceil(p/2) - 1, the rotation by 2πkx/p. These 2-d real
//   representations are irreducible over R but not over C (each is the sum of the
//   complex characters e^{±2πikx/p}): "complex type", so Σ dim^2 is not |G| for Z_p,
//   and the matrix entries of freq_k span 2 functions of x (cos, sin), not 4.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "grok/core/group.h"

namespace grok {

struct Irrep {
  std::string name;       // "sign", "standard", "5d_a", "freq_3", ...
  std::string label;      // the partition "(3, 1, 1)" for S_n; "k = 3" for freq_k; "" otherwise
  int64_t dim = 0;        // d
  int64_t frequency = 0;  // Z_p and D_n: k of freq_k (Z_p's sign: p/2); 0 otherwise
  bool real_type = true;  // irreducible over C too (false for Z_p's freq_k: complex type)
  at::Tensor matrices;    // [|G|, d, d] float64, orthogonal, in element index order
  at::Tensor character;   // [|G|] float64: tr ρ(g)
};

// Every real irrep of g, the trivial one first (S_n: trivial, sign, standard,
// standard_sign, then the others by name, as Chughtai et al. list them; D_n and Z_p:
// the 1-d ones, then freq_1, freq_2, ...).
std::vector<Irrep> group_irreps(const FiniteGroup& g);

// The partitions of n, each in non-increasing order, in reverse lexicographic order.
std::vector<std::vector<int64_t>> partitions(int64_t n);

// Young's orthogonal form of S_n's irrep λ on the adjacent transposition s_i = (i i+1),
// i = 0..n-2: [f, f] float64 with f the number of standard tableaux of shape λ.
at::Tensor young_orthogonal_generator(const std::vector<int64_t>& lambda, int64_t i);

}  // namespace grok
