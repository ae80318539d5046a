// test_group.cpp — the group tasks' tables against independent constructions, and how
// the task name sets the grid size p.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "grok/core/config.h"
#include "grok/core/error.h"
#include "grok/core/group.h"
#include "grok/core/options.h"
#include "grok/core/task.h"
#include "train_command_line.h"

using grok_test::train_config;

namespace {

// All permutations of 0..n-1 in lexicographic order, built by choosing the first entry
// smallest-first and recursing (not std::next_permutation, which group.cpp uses).
void lexicographic(std::vector<int64_t>& prefix, std::vector<bool>& used, std::vector<std::vector<int64_t>>& out) {
  if (prefix.size() == used.size()) {
    out.push_back(prefix);
    return;
  }
  for (size_t v = 0; v < used.size(); ++v) {
    if (used[v]) continue;
    used[v] = true;
    prefix.push_back(static_cast<int64_t>(v));
    lexicographic(prefix, used, out);
    prefix.pop_back();
    used[v] = false;
  }
}

}  // namespace

TEST_CASE("S_n: elements in lexicographic order, label of (a, b) is a(b(i))", "[group]") {
  for (int64_t n : {2, 3, 4, 5}) {
    std::vector<int64_t> prefix;
    std::vector<bool> used(static_cast<size_t>(n), false);
    std::vector<std::vector<int64_t>> perms;
    lexicographic(prefix, used, perms);
    const grok::Task t = grok::make_task("s" + std::to_string(n), static_cast<int64_t>(perms.size()), 0);
    const grok::FiniteGroup g = grok::symmetric_group(n);
    REQUIRE(g.elements == perms);
    CHECK(g.identity == 0);
    std::map<std::vector<int64_t>, int64_t> index;
    for (size_t i = 0; i < perms.size(); ++i) index[perms[i]] = static_cast<int64_t>(i);
    for (size_t a = 0; a < perms.size(); ++a)
      for (size_t b = 0; b < perms.size(); ++b) {
        std::vector<int64_t> ab(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
          ab[static_cast<size_t>(i)] = perms[a][static_cast<size_t>(perms[b][static_cast<size_t>(i)])];
        REQUIRE(t.label(static_cast<int64_t>(a), static_cast<int64_t>(b)) == index.at(ab));
      }
    for (int64_t a = 0; a < g.order; ++a) CHECK(g.mul(a, g.inverse(a)) == g.identity);
  }
  // S3 in cycle notation, by hand: index 1 is [0, 2, 1] = (1 2); index 3 is [1, 2, 0] = (0 1 2).
  const grok::FiniteGroup s3 = grok::symmetric_group(3);
  CHECK(s3.element_names[0] == "()");
  CHECK(s3.element_names[1] == "(1 2)");
  CHECK(s3.element_names[3] == "(0 1 2)");
}

TEST_CASE("D_n: index i + n u is r^i s^u, composed as maps of the n-gon's vertices", "[group]") {
  for (int64_t n : {3, 4, 5, 6, 7, 12}) {
    // r^i s^u sends vertex x to (-1)^u x + i (mod n): a permutation of the vertices.
    auto vertex_map = [n](int64_t index) {
      const int64_t i = index % n, u = index / n;
      std::vector<int64_t> m(static_cast<size_t>(n));
      for (int64_t x = 0; x < n; ++x) m[static_cast<size_t>(x)] = (((u ? -x : x) + i) % n + n) % n;
      return m;
    };
    std::map<std::vector<int64_t>, int64_t> index;
    for (int64_t e = 0; e < 2 * n; ++e) index[vertex_map(e)] = e;
    REQUIRE(index.size() == static_cast<size_t>(2 * n));  // 2n distinct symmetries
    const grok::Task t = grok::make_task("d" + std::to_string(n), 2 * n, 0);
    for (int64_t a = 0; a < 2 * n; ++a)
      for (int64_t b = 0; b < 2 * n; ++b) {
        const std::vector<int64_t> ma = vertex_map(a), mb = vertex_map(b);
        std::vector<int64_t> ab(static_cast<size_t>(n));
        for (int64_t x = 0; x < n; ++x)
          ab[static_cast<size_t>(x)] = ma[static_cast<size_t>(mb[static_cast<size_t>(x)])];
        REQUIRE(t.label(a, b) == index.at(ab));
      }
  }
  const grok::FiniteGroup d5 = grok::dihedral_group(5);
  CHECK(d5.element_names[0] == "e");
  CHECK(d5.element_names[2] == "r^2");
  CHECK(d5.element_names[5] == "s");
  CHECK(d5.element_names[7] == "r^2 s");
}

TEST_CASE("a group task sets p to the group's order and rejects a different explicit p", "[group]") {
  CHECK(train_config({"--task", "s5"}).p == 120);
  CHECK(train_config({"--task", "s4"}).p == 24);
  CHECK(train_config({"--task", "d7"}).p == 14);
  CHECK(train_config({"--task", "s5", "--p", "120"}).p == 120);
  CHECK(train_config({"--preset", "nanda2023", "--task", "d7"}).p == 14);  // the preset's p = 113 is replaced
  CHECK(train_config({"--preset", "chughtai2023-s5"}).p == 120);
  CHECK_THROWS_AS(train_config({"--task", "s5", "--p", "113"}), grok::InputError);
  CHECK_THROWS_WITH(train_config({"--task", "s5", "--p", "113"}), Catch::Contains("p must be 120"));
  CHECK_THROWS_AS(train_config({"--task", "s6"}), grok::InputError);
  CHECK_THROWS_AS(train_config({"--task", "d2"}), grok::InputError);
  CHECK_THROWS_AS(train_config({"--task", "sN"}), grok::InputError);
  // A config JSON (a run file's, a sweep row's) is checked the same way.
  grok::Config c;
  c.task = "s4";
  c.p = 113;
  CHECK_THROWS_AS(grok::validate(c), grok::InputError);
  CHECK_NOTHROW(grok::validate(grok::with_group_order(c, false)));
  // An MLP that adds E[a] + E[b] cannot learn a non-abelian composition.
  CHECK_THROWS_WITH(train_config({"--task", "s4", "--model", "mlp", "--mlp-input", "embed"}),
                    Catch::Contains("onehot"));
  CHECK(train_config({"--task", "s4", "--model", "mlp", "--mlp-input", "onehot"}).p == 24);
  CHECK(grok::task_formula("s5").find("lexicographic") != std::string::npos);
  CHECK(grok::task_formula("d7").find("r^i s^u") != std::string::npos);
}
