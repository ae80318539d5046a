// threads.h — how many intra-op threads LibTorch (and OpenBLAS's OpenMP team) use.
//
// Debian's LibTorch starts with one intra-op thread on the CI machines, so
// every tool sets the count explicitly. Results are deterministic per count.
#pragma once

#include <cstdint>
#include <functional>

namespace grok {

// The thread count `requested` resolves to: itself when > 0, else every core.
int resolved_threads(int64_t requested);
// Sets LibTorch's intra-op thread count to resolved_threads(requested).
void apply_threads(int64_t requested);

// Runs body(begin, end) over [0, tasks) split into contiguous ranges of at least `grain`
// tasks, one range per thread of LibTorch's OpenMP team (at::get_num_threads()), as
// at::parallel_for would. at::parallel_for's parallelism is an inline `#pragma omp parallel`
// that only a translation unit compiled for libgomp's OpenMP gets, and clang's OpenMP targets
// another runtime; this enters libgomp's team through its ABI (GOMP_parallel), so our own
// kernels share the threads, wait policy and thread budget of LibTorch and OpenBLAS. Nested
// inside a parallel region it runs inline.
void parallel_tasks(int64_t tasks, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

// Runs member(team_size) on every thread of a new libgomp team of up to `threads` threads (the
// calling thread is one of them; libgomp may start fewer: OMP_DYNAMIC, OMP_THREAD_LIMIT) and
// returns when all have returned; team_size is how many it started. The team belongs to the
// calling thread: its other threads stay counted by libgomp until that thread exits. member must
// not throw.
void run_openmp_team(int threads, const std::function<void(int team_size)>& member);

}  // namespace grok
