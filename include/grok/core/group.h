// group.h — the finite groups behind the group tasks: their elements, the canonical
// index of each element, and the multiplication table.
//
// A group task (Chughtai, Chan & Nanda 2023) maps a pair of elements (a, b) to their
// product a·b; with elements numbered 0..|G|-1 it has the shape of every other task: a
// p x p grid with p = |G| and the label of (a, b) the index of a·b.
//
// Canonical indexing (also in docs/run-file.md, "/task"):
// - S_n ("sN", n = 3..5): the n! permutations of {0..n-1} in lexicographic order of
//   their one-line notation (σ(0), ..., σ(n-1)); index 0 is the identity. Composition
//   is function composition, (a·b)(i) = a(b(i)): b acts first.
// - D_n ("dN", n >= 3; order 2n): the symmetries of the regular n-gon, r the rotation
//   by 2π/n and s a reflection, with s r s = r^-1. Index i < n is r^i; index n + i is
//   r^i s. So (r^i s^u)·(r^j s^v) = r^(i + (-1)^u j) s^(u + v). (The indexing of
//   Chughtai et al.'s code.)
// - Z_p (the task "add"): the residues 0..p-1 under addition; index = residue.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grok {

struct FiniteGroup {
  std::string name;    // "S5", "D7", "Z113"
  std::string family;  // "symmetric" | "dihedral" | "cyclic"
  int64_t degree = 0;  // n of S_n and D_n, p of Z_p
  int64_t order = 0;   // |G|
  int64_t identity = 0;
  // One row per element, in index order: S_n its one-line notation [n]; D_n {i, u} for
  // r^i s^u; Z_p {x}.
  std::vector<std::vector<int64_t>> elements;
  std::string element_layout;              // what a row of `elements` means, in words
  std::vector<std::string> element_names;  // S_n cycle notation "(0 1)(2 3 4)"; D_n "r^2 s"; Z_p "3"
  std::vector<int64_t> table;              // [order * order]: table[a * order + b] = index of a·b
  std::vector<int64_t> inverses;           // [order]

  int64_t mul(int64_t a, int64_t b) const { return table[static_cast<size_t>(a * order + b)]; }
  int64_t inverse(int64_t a) const { return inverses[static_cast<size_t>(a)]; }
};

// InputError outside the ranges the tasks support (S_n: 2 <= n <= 5; D_n: 3 <= n <= 1024;
// Z_p: 1 <= p <= 2048).
FiniteGroup symmetric_group(int64_t n);
FiniteGroup dihedral_group(int64_t n);
FiniteGroup cyclic_group(int64_t p);

// The group a task composes in: sN -> S_n, dN -> D_n, add -> Z_p (p free); nullopt for
// every other task. Throws InputError for a malformed group task name ("s9", "d2").
std::optional<FiniteGroup> task_group(const std::string& task, int64_t p);

// True for the names sN and dN (digits after the letter), whatever N.
bool is_group_task(const std::string& task);

// The grid size a group task fixes, |G| (120 for s5, 14 for d7); 0 for tasks whose p is
// free. Throws InputError for a malformed group task name.
int64_t group_task_order(const std::string& task);

}  // namespace grok
