// schedule.h — which steps get a checkpoint or an activation snapshot.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

namespace grok {

// A set of steps in [0, last]: every `every` steps (0 = none), `log_count`
// log-spaced steps between 1 and last (0 = none), and an explicit list.
// Step 0 and `last` are always included: a run's first and final state are
// always recorded.
class Schedule {
 public:
  Schedule(int64_t last, int64_t every, int64_t log_count, const std::vector<int64_t>& list);
  bool due(int64_t step) const { return steps_.count(step) > 0; }
  std::vector<int64_t> steps() const { return {steps_.begin(), steps_.end()}; }

 private:
  std::set<int64_t> steps_;
};

}  // namespace grok
