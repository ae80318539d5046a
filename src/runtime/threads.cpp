// threads.cpp — intra-op thread count (see threads.h).
#include "grok/runtime/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

// libgomp's ABI (what GCC emits for `#pragma omp parallel`) and its team queries.
extern "C" {
void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_in_parallel(void);
}

namespace grok {

int resolved_threads(int64_t requested) {
  if (requested > 0) return static_cast<int>(requested);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void apply_threads(int64_t requested) { at::set_num_threads(resolved_threads(requested)); }

namespace {

struct TeamWork {
  int64_t tasks, per_thread;
  const std::function<void(int64_t, int64_t)>* body;
  std::exception_ptr error;
  std::mutex error_mutex;
};

void run_team_member(void* data) {
  TeamWork& work = *static_cast<TeamWork*>(data);
  const int64_t begin = omp_get_thread_num() * work.per_thread;
  const int64_t end = std::min(work.tasks, begin + work.per_thread);
  if (begin >= end) return;
  try {
    (*work.body)(begin, end);
  } catch (...) {  // an exception must not unwind through libgomp: the caller rethrows it
    std::lock_guard<std::mutex> lock(work.error_mutex);
    if (!work.error) work.error = std::current_exception();
  }
}

}  // namespace

void parallel_tasks(int64_t tasks, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  if (tasks <= 0) return;
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), (tasks + grain - 1) / std::max<int64_t>(grain, 1));
  if (threads <= 1 || omp_in_parallel()) return body(0, tasks);
  TeamWork work{tasks, (tasks + threads - 1) / threads, &body, nullptr, {}};
  GOMP_parallel(run_team_member, &work, static_cast<unsigned>(threads), 0);
  if (work.error) std::rethrow_exception(work.error);
}

void run_openmp_team(int threads, const std::function<void(int team_size)>& member) {
  auto run = [](void* data) { (*static_cast<const std::function<void(int)>*>(data))(omp_get_num_threads()); };
  GOMP_parallel(run, const_cast<std::function<void(int)>*>(&member), static_cast<unsigned>(std::max(threads, 1)), 0);
}

}  // namespace grok
