// task.cpp — label tables for the modular-arithmetic tasks and the train/test split.
#include "grok/core/task.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include "grok/core/error.h"
#include "grok/core/group.h"
#include "grok/core/rng.h"

namespace grok {
namespace {

using Op = std::function<int64_t(int64_t a, int64_t b, int64_t p)>;

struct TaskDef {
  TaskInfo info;
  Op op;  // label of (a, b), or -1 where undefined
};

int64_t mod(int64_t x, int64_t p) { return ((x % p) + p) % p; }

const std::vector<TaskDef>& task_defs() {
  static const std::vector<TaskDef> defs = {
      {{"add", "(a + b) mod p", false}, [](int64_t a, int64_t b, int64_t p) { return mod(a + b, p); }},
      {{"sub", "(a - b) mod p", false}, [](int64_t a, int64_t b, int64_t p) { return mod(a - b, p); }},
      {{"mul", "(a * b) mod p", false}, [](int64_t a, int64_t b, int64_t p) { return mod(a * b, p); }},
      {{"div", "a / b mod p = a * b^(p-2), b != 0 (p prime)", true},
       [](int64_t a, int64_t b, int64_t p) { return b == 0 ? -1 : mod(a * pow_mod(b, p - 2, p), p); }},
      {{"x2y2", "(a^2 + b^2) mod p", false}, [](int64_t a, int64_t b, int64_t p) { return mod(a * a + b * b, p); }},
      {{"x2xyy2", "(a^2 + a*b + b^2) mod p", false},
       [](int64_t a, int64_t b, int64_t p) { return mod(a * a + a * b + b * b, p); }},
      {{"x2xyy2x", "(a^2 + a*b + b^2 + a) mod p", false},
       [](int64_t a, int64_t b, int64_t p) { return mod(a * a + a * b + b * b + a, p); }},
      {{"x3xy", "(a^3 + a*b) mod p", false},
       [](int64_t a, int64_t b, int64_t p) { return mod(mod(a * a, p) * a + a * b, p); }},
      {{"x3xy2y", "(a^3 + a*b^2 + b) mod p", false},
       [](int64_t a, int64_t b, int64_t p) { return mod(mod(a * a, p) * a + mod(b * b, p) * a + b, p); }},
      // Labels come from a seeded table filled in make_task; op unused.
      {{"rand", "a fixed random table drawn from the data seed (control: cannot generalise)", false}, nullptr},
      // Group tasks (core/group.h): a family of names; labels from the group's table in make_task.
      {{"sN", "a.b in the symmetric group S_N, N = 2..5 (e.g. s5; p = N!), permutations in lexicographic order", false},
       nullptr},
      {{"dN", "a.b in the dihedral group D_N, N = 3..1024 (e.g. d7; p = 2N), index i + N u for r^i s^u", false},
       nullptr},
  };
  return defs;
}

}  // namespace

const std::vector<TaskInfo>& task_catalog() {
  static const std::vector<TaskInfo> infos = [] {
    std::vector<TaskInfo> v;
    for (const auto& d : task_defs()) v.push_back(d.info);
    return v;
  }();
  return infos;
}

bool is_prime(int64_t n) {
  if (n < 2) return false;
  for (int64_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

int64_t pow_mod(int64_t b, int64_t e, int64_t m) {
  int64_t result = 1 % m;
  b %= m;
  for (; e > 0; e >>= 1) {
    if (e & 1) result = result * b % m;
    b = b * b % m;
  }
  return result;
}

std::vector<int64_t> Task::valid_pairs() const {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < grid_size(); ++i)
    if (labels[static_cast<size_t>(i)] >= 0) out.push_back(i);
  return out;
}

std::string task_formula(const std::string& name) {
  if (std::optional<FiniteGroup> g = is_group_task(name) ? task_group(name, 0) : std::nullopt)
    return fmt::format("a.b in the {} group {} (order {}; {})", g->family, g->name, g->order, g->element_layout);
  for (const auto& d : task_defs())
    if (d.info.name == name) return d.info.formula;
  return "";
}

std::string task_title(const std::string& name, int64_t p) {
  if (!is_group_task(name)) return fmt::format("{} mod {}", name, p);
  return fmt::format("{} ({}{}, {} elements)", name, static_cast<char>(std::toupper(name[0])), name.substr(1), p);
}

Task make_task(const std::string& name, int64_t p, uint64_t data_seed) {
  if (is_group_task(name)) {
    const int64_t order = group_task_order(name);
    if (p != order)
      throw InputError(
          fmt::format("task '{}' composes in a group of order {}, so p must be {} (got p = {}; leave "
                      "--p out and it is set)",
                      name, order, order, p));
    const FiniteGroup g = *task_group(name, p);
    return Task{name, p, p, g.table};
  }
  const auto& defs = task_defs();
  auto it = std::find_if(defs.begin(), defs.end(), [&](const TaskDef& d) { return d.info.name == name; });
  if (it == defs.end() || name == "sN" || name == "dN")
    throw InputError(fmt::format("unknown task '{}' (grok-train --help lists the tasks)", name));
  if (p < 2) throw InputError(fmt::format("p must be at least 2, got {}", p));
  if (p > 2048) throw InputError(fmt::format("p = {} is too large (at most 2048: the grid has p^2 pairs)", p));
  if (it->info.needs_prime && !is_prime(p))
    throw InputError(fmt::format("task '{}' needs a prime p (b must have an inverse mod p), got p = {}", name, p));

  Task task{name, p, p, std::vector<int64_t>(static_cast<size_t>(p * p))};
  if (name == "rand") {
    std::mt19937_64 rng(mix_seed(data_seed, kRandTableStream));
    for (auto& c : task.labels) c = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(p)));
    return task;
  }
  for (int64_t a = 0; a < p; ++a)
    for (int64_t b = 0; b < p; ++b) task.labels[static_cast<size_t>(a * p + b)] = it->op(a, b, p);
  return task;
}

Split make_split(const Task& task, double frac_train, uint64_t data_seed) {
  if (!(frac_train > 0.0 && frac_train < 1.0))
    throw InputError(fmt::format("frac_train must be in (0, 1), got {}", frac_train));
  std::vector<int64_t> pairs = task.valid_pairs();
  const auto n_train = static_cast<size_t>(std::llround(frac_train * static_cast<double>(pairs.size())));
  if (n_train == 0 || n_train >= pairs.size())
    throw InputError(
        fmt::format("frac_train = {} leaves an empty train or test set ({} valid pairs)", frac_train, pairs.size()));
  std::mt19937_64 rng(mix_seed(data_seed, kSplitStream));
  shuffle_in_place(pairs, rng);
  Split split{{pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(n_train)},
              {pairs.begin() + static_cast<std::ptrdiff_t>(n_train), pairs.end()}};
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

std::vector<int64_t> noisy_train_labels(const Task& task, const Split& split, double label_noise, uint64_t data_seed) {
  if (!(label_noise >= 0.0 && label_noise < 1.0))
    throw InputError(fmt::format("label_noise must be in [0, 1), got {}", label_noise));
  std::vector<int64_t> labels;
  labels.reserve(split.train.size());
  for (int64_t i : split.train) labels.push_back(task.labels[static_cast<size_t>(i)]);
  const auto n_noisy = static_cast<size_t>(std::llround(label_noise * static_cast<double>(labels.size())));
  if (n_noisy == 0) return labels;
  // Which pairs: the first n_noisy of a uniform permutation of the train positions,
  // then, in ascending position order, a wrong label uniform over the n_out - 1 others.
  std::mt19937_64 rng(mix_seed(data_seed, kLabelNoiseStream));
  std::vector<size_t> order(labels.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  shuffle_in_place(order, rng);
  std::vector<size_t> chosen(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_noisy));
  std::sort(chosen.begin(), chosen.end());
  for (size_t i : chosen) {
    const auto r = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(task.n_out - 1)));
    labels[i] = r < labels[i] ? r : r + 1;  // skips the true label
  }
  return labels;
}

}  // namespace grok
