// task.h — algorithmic tasks: binary operations on Z_p and their label tables.
//
// A task maps a pair (a, b), a, b in 0..p-1, to a label c in 0..n_out-1. The
// full input grid is the p*p pairs in row-major order, index i = a*p + b.
// Pairs a task does not define (b = 0 for division) carry label -1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grok {

struct TaskInfo {
  std::string name;
  std::string formula;  // the label, in words
  bool needs_prime;     // rejects composite p (division needs inverses)
};

// Every task grok-train knows, in the order --help lists them. The group tasks are
// two families, listed as "sN" and "dN" (core/group.h).
const std::vector<TaskInfo>& task_catalog();
// The label of a task in words: its catalog formula; for sN and dN the group, its order
// and how its elements are indexed. Empty for an unknown name.
std::string task_formula(const std::string& name);
// How the tools name a run's task in one line: "add mod 113", or for a group task "s5
// (S5, 120 elements)".
std::string task_title(const std::string& name, int64_t p);

struct Task {
  std::string name;
  int64_t p = 0;                // modulus; the grid is p x p
  int64_t n_out = 0;            // number of labels (p for the modular tasks)
  std::vector<int64_t> labels;  // [p*p], row-major over (a, b); -1 = invalid pair

  int64_t label(int64_t a, int64_t b) const { return labels[static_cast<size_t>(a * p + b)]; }
  int64_t grid_size() const { return p * p; }
  // Grid indices of the pairs with a label, ascending.
  std::vector<int64_t> valid_pairs() const;
};

// Builds the label table. Throws InputError for an unknown task, p < 2, a
// composite p for a task that needs a prime, or a group task (sN, dN) whose p is
// not the group's order. `data_seed` only matters for rand.
Task make_task(const std::string& name, int64_t p, uint64_t data_seed);

bool is_prime(int64_t n);
// b^e mod m for 0 <= b < m, m < 2^31.
int64_t pow_mod(int64_t b, int64_t e, int64_t m);

// The train/test split: disjoint, ascending grid indices covering the valid pairs.
struct Split {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};

// A uniformly random subset of round(frac_train * n_valid) valid pairs, drawn
// from the data seed alone (so model seeds can vary with the split fixed).
Split make_split(const Task& task, double frac_train, uint64_t data_seed);

// The labels the model is trained on, [n_train], aligned with split.train:
// the task's label, except that exactly round(label_noise * n_train) training
// pairs, chosen uniformly, carry a uniformly random wrong label (never the
// true one). Drawn from the data seed alone (its own stream), so model seeds
// can vary with the noisy labels fixed; label_noise = 0 gives the task's
// labels. InputError unless label_noise is in [0, 1).
std::vector<int64_t> noisy_train_labels(const Task& task, const Split& split, double label_noise, uint64_t data_seed);

}  // namespace grok
