// threads.h — how many intra-op threads LibTorch (and OpenBLAS's OpenMP team) use.
//
// Debian's LibTorch starts with one intra-op thread on the CI machines, so
// every tool sets the count explicitly. Results are deterministic per count.
#pragma once

#include <cstdint>

namespace grok {

// The thread count `requested` resolves to: itself when > 0, else every core.
int resolved_threads(int64_t requested);
// Sets LibTorch's intra-op thread count to resolved_threads(requested).
void apply_threads(int64_t requested);

}  // namespace grok
