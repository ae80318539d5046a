// schedule.cpp — checkpoint and activation schedules.
#include "grok/core/schedule.h"

#include <cmath>

namespace grok {

Schedule::Schedule(int64_t last, int64_t every, int64_t log_count, const std::vector<int64_t>& list) {
  steps_.insert(0);
  steps_.insert(last);
  if (every > 0)
    for (int64_t s = every; s < last; s += every) steps_.insert(s);
  if (log_count > 0 && last > 1) {
    // log_count points from 10^0 to 10^log10(last), rounded; duplicates merge.
    const double top = std::log10(static_cast<double>(last));
    for (int64_t i = 0; i < log_count; ++i) {
      double x = log_count == 1 ? top : top * static_cast<double>(i) / static_cast<double>(log_count - 1);
      steps_.insert(std::llround(std::pow(10.0, x)));
    }
  }
  for (int64_t s : list)
    if (s <= last) steps_.insert(s);
}

}  // namespace grok
