// irreps.cpp — real orthogonal irreps of S_n (Young's orthogonal form), D_n and Z_p (see irreps.h).
#include "grok/measures/irreps.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <stdexcept>

namespace grok {
namespace {

// A standard Young tableau of shape λ holding 0..n-1: the box of each number.
struct Box {
  int64_t row, col;
};
using Tableau = std::vector<Box>;  // [n]: where number i sits

// Every standard tableau of shape lambda, in the order of a depth-first fill
// (number i goes to the lowest-indexed row that can take it first).
std::vector<Tableau> standard_tableaux(const std::vector<int64_t>& lambda) {
  int64_t n = 0;
  for (int64_t l : lambda) n += l;
  std::vector<Tableau> out;
  std::vector<int64_t> filled(lambda.size(), 0);
  Tableau t(static_cast<size_t>(n));
  std::function<void(int64_t)> fill = [&](int64_t i) {
    if (i == n) {
      out.push_back(t);
      return;
    }
    for (size_t r = 0; r < lambda.size(); ++r) {
      // i can go at the end of row r if the row has room and the row above is longer.
      if (filled[r] < lambda[r] && (r == 0 || filled[r - 1] > filled[r])) {
        t[static_cast<size_t>(i)] = {static_cast<int64_t>(r), filled[r]};
        ++filled[r];
        fill(i + 1);
        --filled[r];
      }
    }
  };
  fill(0);
  return out;
}

int64_t content(const Box& b) { return b.col - b.row; }

std::string partition_label(const std::vector<int64_t>& lambda) {
  std::string s;
  for (int64_t l : lambda) s += (s.empty() ? "" : ", ") + std::to_string(l);
  return "(" + s + ")";
}

// ρ(g) for every element from the images of generators, by a breadth-first walk of
// the Cayley graph: ρ(t·g) = ρ(t) ρ(g). Correct when the generator images satisfy
// the group's relations (tested: ρ(a)ρ(b) = ρ(a·b) for all pairs).
at::Tensor extend_from_generators(const FiniteGroup& g, const std::vector<int64_t>& generators,
                                  const std::vector<at::Tensor>& images, int64_t d) {
  at::Tensor rho = at::zeros({g.order, d, d}, at::kDouble);
  std::vector<bool> done(static_cast<size_t>(g.order), false);
  rho[g.identity] = at::eye(d, at::kDouble);
  done[static_cast<size_t>(g.identity)] = true;
  std::deque<int64_t> queue{g.identity};
  while (!queue.empty()) {
    const int64_t x = queue.front();
    queue.pop_front();
    for (size_t k = 0; k < generators.size(); ++k) {
      const int64_t y = g.mul(generators[k], x);
      if (done[static_cast<size_t>(y)]) continue;
      rho[y] = at::matmul(images[k], rho[x]);
      done[static_cast<size_t>(y)] = true;
      queue.push_back(y);
    }
  }
  if (std::find(done.begin(), done.end(), false) != done.end())
    throw std::logic_error("irreps: the generators do not generate the group");
  return rho;
}

Irrep make_irrep(std::string name, std::string label, at::Tensor matrices, int64_t frequency = 0,
                 bool real_type = true) {
  Irrep r;
  r.name = std::move(name);
  r.label = std::move(label);
  r.dim = matrices.size(1);
  r.frequency = frequency;
  r.real_type = real_type;
  r.character = matrices.diagonal(0, 1, 2).sum(1);
  r.matrices = std::move(matrices);
  return r;
}

// [|G|, 1, 1] from the values of a 1-d representation.
at::Tensor one_dim(const std::vector<double>& values) { return at::tensor(values, at::kDouble).view({-1, 1, 1}); }

// Rotation by angle t: [[cos, -sin], [sin, cos]].
at::Tensor rotation(double t) {
  return at::tensor({std::cos(t), -std::sin(t), std::sin(t), std::cos(t)}, at::kDouble).view({2, 2});
}

std::vector<Irrep> symmetric_irreps(const FiniteGroup& g) {
  const int64_t n = g.degree;
  // Adjacent transpositions as elements: the one-line notation with i and i+1 swapped.
  std::map<std::vector<int64_t>, int64_t> index;
  for (int64_t i = 0; i < g.order; ++i) index[g.elements[static_cast<size_t>(i)]] = i;
  std::vector<int64_t> generators;
  for (int64_t i = 0; i + 1 < n; ++i) {
    std::vector<int64_t> perm(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) perm[static_cast<size_t>(j)] = j;
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(i + 1)]);
    generators.push_back(index.at(perm));
  }
  // Names (Chughtai et al.'s), by partition; the first name a partition gets wins (S3's
  // standard is also (2, 1^(n-2))).
  std::map<std::vector<int64_t>, std::string> names;
  auto name = [&](std::vector<int64_t> lambda, const std::string& s) { names.emplace(std::move(lambda), s); };
  name({n}, "trivial");
  name(std::vector<int64_t>(static_cast<size_t>(n), 1), "sign");
  if (n >= 2) {
    name({n - 1, 1}, "standard");
    std::vector<int64_t> hook{2};
    hook.resize(static_cast<size_t>(n - 1), 1);
    name(hook, "standard_sign");
  }
  if (n == 4) name({2, 2}, "2d");
  if (n == 5) {
    name({2, 2, 1}, "5d_a");
    name({3, 2}, "5d_b");
    name({3, 1, 1}, "6d");
  }
  std::vector<Irrep> out;
  for (const auto& lambda : partitions(n)) {
    std::vector<at::Tensor> images;
    for (int64_t i = 0; i + 1 < n; ++i) images.push_back(young_orthogonal_generator(lambda, i));
    const int64_t d = n >= 2 ? images[0].size(0) : 1;
    auto it = names.find(lambda);
    out.push_back(make_irrep(it != names.end() ? it->second : fmt::format("{}d_{}", d, partition_label(lambda)),
                             partition_label(lambda), extend_from_generators(g, generators, images, d)));
  }
  // trivial, sign, standard, standard_sign, then the rest by name (5d_a, 5d_b, 6d).
  auto rank = [](const std::string& s) {
    const std::vector<std::string> first{"trivial", "sign", "standard", "standard_sign"};
    auto it = std::find(first.begin(), first.end(), s);
    return it == first.end() ? first.size() : static_cast<size_t>(it - first.begin());
  };
  std::stable_sort(out.begin(), out.end(), [&](const Irrep& a, const Irrep& b) {
    return rank(a.name) != rank(b.name) ? rank(a.name) < rank(b.name) : a.name < b.name;
  });
  return out;
}

std::vector<Irrep> dihedral_irreps(const FiniteGroup& g) {
  const int64_t n = g.degree, N = g.order;
  auto values = [&](double on_r, double on_s) {
    std::vector<double> v;
    for (const auto& e : g.elements) v.push_back(std::pow(on_r, e[0]) * std::pow(on_s, e[1]));
    return one_dim(v);
  };
  std::vector<Irrep> out;
  out.push_back(make_irrep("trivial", "", values(1, 1)));
  out.push_back(make_irrep("sign", "", values(1, -1)));
  if (n % 2 == 0) {
    out.push_back(make_irrep("rsign", "", values(-1, 1)));
    out.push_back(make_irrep("rsign_sign", "", values(-1, -1)));
  }
  for (int64_t k = 1; 2 * k < n; ++k) {
    at::Tensor m = at::zeros({N, 2, 2}, at::kDouble);
    const at::Tensor flip = at::tensor({1.0, 0.0, 0.0, -1.0}, at::kDouble).view({2, 2});
    for (int64_t x = 0; x < N; ++x) {
      const auto& e = g.elements[static_cast<size_t>(x)];
      at::Tensor rot = rotation(2.0 * M_PI * static_cast<double>(k * e[0]) / static_cast<double>(n));
      m[x] = e[1] == 0 ? rot : at::matmul(rot, flip);
    }
    out.push_back(make_irrep(fmt::format("freq_{}", k), fmt::format("k = {}", k), m, k));
  }
  return out;
}

std::vector<Irrep> cyclic_irreps(const FiniteGroup& g) {
  const int64_t p = g.order;
  std::vector<Irrep> out;
  out.push_back(make_irrep("trivial", "", one_dim(std::vector<double>(static_cast<size_t>(p), 1.0))));
  if (p % 2 == 0) {
    std::vector<double> v;
    for (int64_t x = 0; x < p; ++x) v.push_back(x % 2 == 0 ? 1.0 : -1.0);
    out.push_back(make_irrep("sign", fmt::format("k = {}", p / 2), one_dim(v), p / 2));
  }
  for (int64_t k = 1; 2 * k < p; ++k) {
    at::Tensor m = at::zeros({p, 2, 2}, at::kDouble);
    for (int64_t x = 0; x < p; ++x)
      m[x] = rotation(2.0 * M_PI * static_cast<double>((k * x) % p) / static_cast<double>(p));
    out.push_back(make_irrep(fmt::format("freq_{}", k), fmt::format("k = {}", k), m, k, /*real_type=*/false));
  }
  return out;
}

}  // namespace

std::vector<std::vector<int64_t>> partitions(int64_t n) {
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> current;
  std::function<void(int64_t, int64_t)> build = [&](int64_t left, int64_t largest) {
    if (left == 0) {
      out.push_back(current);
      return;
    }
    for (int64_t part = std::min(left, largest); part >= 1; --part) {
      current.push_back(part);
      build(left - part, part);
      current.pop_back();
    }
  };
  build(n, n);
  return out;
}

at::Tensor young_orthogonal_generator(const std::vector<int64_t>& lambda, int64_t i) {
  const std::vector<Tableau> tableaux = standard_tableaux(lambda);
  const int64_t f = static_cast<int64_t>(tableaux.size());
  // Tableaux by their boxes, to find s_i T.
  std::map<std::vector<int64_t>, int64_t> index;
  auto key = [](const Tableau& t) {
    std::vector<int64_t> k;
    for (const Box& b : t) {
      k.push_back(b.row);
      k.push_back(b.col);
    }
    return k;
  };
  for (int64_t j = 0; j < f; ++j) index[key(tableaux[static_cast<size_t>(j)])] = j;
  at::Tensor m = at::zeros({f, f}, at::kDouble);
  for (int64_t j = 0; j < f; ++j) {
    const Tableau& t = tableaux[static_cast<size_t>(j)];
    const Box &bi = t[static_cast<size_t>(i)], &bj = t[static_cast<size_t>(i + 1)];
    const double r = static_cast<double>(content(bj) - content(bi));  // axial distance from i to i+1
    m[j][j] = 1.0 / r;
    if (std::abs(r) > 1.0) {  // i and i+1 in neither the same row nor column: s_i T is standard
      Tableau swapped = t;
      std::swap(swapped[static_cast<size_t>(i)], swapped[static_cast<size_t>(i + 1)]);
      m[index.at(key(swapped))][j] = std::sqrt(1.0 - 1.0 / (r * r));
    }
  }
  return m;
}

std::vector<Irrep> group_irreps(const FiniteGroup& g) {
  if (g.family == "symmetric") return symmetric_irreps(g);
  if (g.family == "dihedral") return dihedral_irreps(g);
  if (g.family == "cyclic") return cyclic_irreps(g);
  throw std::invalid_argument("group_irreps: unknown group family " + g.family);
}

}  // namespace grok
