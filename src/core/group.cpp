// group.cpp — S_n, D_n and Z_p with their canonical indexing (see group.h).
#include "grok/core/group.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>

#include "grok/core/error.h"

namespace grok {
namespace {

// Fills `inverses` and `identity` from `table`; checks that it is a group table
// (closure and a two-sided identity and inverses; associativity is the
// constructions' business and is tested).
void finish(FiniteGroup& g) {
  const int64_t n = g.order;
  g.identity = -1;
  for (int64_t e = 0; e < n && g.identity < 0; ++e) {
    bool is_identity = true;
    for (int64_t x = 0; x < n && is_identity; ++x) is_identity = g.mul(e, x) == x && g.mul(x, e) == x;
    if (is_identity) g.identity = e;
  }
  g.inverses.assign(static_cast<size_t>(n), -1);
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b)
      if (g.mul(a, b) == g.identity) g.inverses[static_cast<size_t>(a)] = b;
}

// Cycle notation of a permutation in one-line notation, fixed points left out: "(0 1)(2 3 4)", "()".
std::string cycle_name(const std::vector<int64_t>& perm) {
  std::vector<bool> seen(perm.size(), false);
  std::string s;
  for (size_t start = 0; start < perm.size(); ++start) {
    if (seen[start] || perm[start] == static_cast<int64_t>(start)) continue;
    std::string cycle;
    for (size_t i = start; !seen[i]; i = static_cast<size_t>(perm[i])) {
      seen[i] = true;
      cycle += (cycle.empty() ? "" : " ") + std::to_string(i);
    }
    s += "(" + cycle + ")";
  }
  return s.empty() ? "()" : s;
}

}  // namespace

FiniteGroup symmetric_group(int64_t n) {
  if (n < 2 || n > 5) throw InputError(fmt::format("symmetric groups S_n are supported for n = 2..5, got n = {}", n));
  FiniteGroup g;
  g.name = fmt::format("S{}", n);
  g.family = "symmetric";
  g.degree = n;
  g.element_layout = fmt::format(
      "one-line notation of the permutation: row i of element x is x(i), i = 0..{}; elements in lexicographic "
      "order of these rows; (a.b)(i) = a(b(i))",
      n - 1);
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  do g.elements.push_back(perm);  // std::next_permutation walks lexicographic order
  while (std::next_permutation(perm.begin(), perm.end()));
  g.order = static_cast<int64_t>(g.elements.size());
  std::map<std::vector<int64_t>, int64_t> index;
  for (int64_t i = 0; i < g.order; ++i) index[g.elements[static_cast<size_t>(i)]] = i;
  g.table.resize(static_cast<size_t>(g.order * g.order));
  std::vector<int64_t> ab(static_cast<size_t>(n));
  for (int64_t a = 0; a < g.order; ++a)
    for (int64_t b = 0; b < g.order; ++b) {
      const auto& pa = g.elements[static_cast<size_t>(a)];
      const auto& pb = g.elements[static_cast<size_t>(b)];
      for (size_t i = 0; i < ab.size(); ++i) ab[i] = pa[static_cast<size_t>(pb[i])];
      g.table[static_cast<size_t>(a * g.order + b)] = index.at(ab);
    }
  for (const auto& e : g.elements) g.element_names.push_back(cycle_name(e));
  finish(g);
  return g;
}

FiniteGroup dihedral_group(int64_t n) {
  if (n < 3 || n > 1024)
    throw InputError(fmt::format("dihedral groups D_n are supported for n = 3..1024 (order 2n), got n = {}", n));
  FiniteGroup g;
  g.name = fmt::format("D{}", n);
  g.family = "dihedral";
  g.degree = n;
  g.order = 2 * n;
  g.element_layout = fmt::format(
      "{{i, u}} for r^i s^u (r: rotation by 2 pi/{}, s: a reflection, s r s = r^-1); index = i + {} u", n, n);
  for (int64_t u = 0; u < 2; ++u)
    for (int64_t i = 0; i < n; ++i) {
      g.elements.push_back({i, u});
      const std::string rot = i == 0 ? "" : i == 1 ? "r" : fmt::format("r^{}", i);
      g.element_names.push_back(u == 0 ? (i == 0 ? "e" : rot) : (i == 0 ? "s" : rot + " s"));
    }
  g.table.resize(static_cast<size_t>(g.order * g.order));
  for (int64_t a = 0; a < g.order; ++a)
    for (int64_t b = 0; b < g.order; ++b) {
      const int64_t i = a % n, u = a / n, j = b % n, v = b / n;
      // r^i s^u r^j s^v = r^(i + (-1)^u j) s^(u + v)
      const int64_t k = ((i + (u == 0 ? j : -j)) % n + n) % n;
      g.table[static_cast<size_t>(a * g.order + b)] = k + n * ((u + v) % 2);
    }
  finish(g);
  return g;
}

FiniteGroup cyclic_group(int64_t p) {
  if (p < 1 || p > 2048) throw InputError(fmt::format("cyclic groups Z_p are supported for p = 1..2048, got {}", p));
  FiniteGroup g;
  g.name = fmt::format("Z{}", p);
  g.family = "cyclic";
  g.degree = p;
  g.order = p;
  g.element_layout = "{x}: the residue x mod p; the group operation is addition mod p";
  g.table.resize(static_cast<size_t>(p * p));
  for (int64_t x = 0; x < p; ++x) {
    g.elements.push_back({x});
    g.element_names.push_back(std::to_string(x));
    for (int64_t y = 0; y < p; ++y) g.table[static_cast<size_t>(x * p + y)] = (x + y) % p;
  }
  finish(g);
  return g;
}

bool is_group_task(const std::string& task) {
  return task.size() >= 2 && (task[0] == 's' || task[0] == 'd') &&
         std::all_of(task.begin() + 1, task.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
}

namespace {

int64_t group_degree(const std::string& task) {
  if (task.size() > 6) throw InputError(fmt::format("task '{}': the group is too large", task));
  return std::stoll(task.substr(1));
}

}  // namespace

int64_t group_task_order(const std::string& task) {
  if (!is_group_task(task)) return 0;
  const int64_t n = group_degree(task);
  if (task[0] == 's') {
    if (n < 2 || n > 5)
      throw InputError(fmt::format("task '{}': symmetric groups s2..s5 are supported (s6 has 720^2 pairs)", task));
    int64_t f = 1;
    for (int64_t i = 2; i <= n; ++i) f *= i;
    return f;
  }
  if (n < 3 || n > 1024)
    throw InputError(fmt::format("task '{}': dihedral groups d3..d1024 are supported (dN has order 2N)", task));
  return 2 * n;
}

std::optional<FiniteGroup> task_group(const std::string& task, int64_t p) {
  if (task == "add") return cyclic_group(p);
  if (!is_group_task(task)) return std::nullopt;
  group_task_order(task);  // checks the range
  const int64_t n = group_degree(task);
  return task[0] == 's' ? symmetric_group(n) : dihedral_group(n);
}

}  // namespace grok
