// threads.cpp — intra-op thread count (see threads.h).
#include "grok/runtime/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace grok {

int resolved_threads(int64_t requested) {
  if (requested > 0) return static_cast<int>(requested);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void apply_threads(int64_t requested) { at::set_num_threads(resolved_threads(requested)); }

}  // namespace grok
