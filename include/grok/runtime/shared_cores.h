// shared_cores.h — how a grokscope process behaves when others share the machine's cores.
//
// LibTorch and OpenBLAS run their threads as an OpenMP team (libgomp). Between parallel regions
// an idle team thread busy-waits (up to 300,000 spins) before it sleeps: the fastest choice on an
// idle machine, a disaster on a shared one. Two processes with 2 threads each on 2 cores spin
// against each other's descheduled threads: the demo took 12-30x its solo time (bench/share_cores.sh).
// Sleeping at once (OMP_WAIT_POLICY=PASSIVE) fixes that but costs 1.7x on an idle machine.
//
// So every grokscope tool registers the threads it uses in a per-user registry of live processes;
// when the registered processes ask for more threads than the machine has cores, the newcomer
// waits passively. libgomp reads its policy once, when it is loaded, so the tool re-executes
// itself once with OMP_WAIT_POLICY=PASSIVE in its environment. The wait policy never changes
// results; an OMP_WAIT_POLICY or GOMP_SPINCOUNT the user set is left alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grok {

// True when `ours` plus the threads of the other live processes exceed `cores`.
bool oversubscribed(int64_t ours, const std::vector<int64_t>& others, int64_t cores);

// This process's entry in the registry directory: a file named after the pid holding its thread
// count, locked (flock) for as long as the entry lives; the kernel drops the lock when the process
// dies, so an entry whose lock is free is stale and is removed by whoever sees it.
class CoreRegistration {
 public:
  // Registers `threads` under `dir` (created if missing). Never throws: without a usable directory
  // the process simply is not registered.
  CoreRegistration(const std::string& dir, int64_t threads);
  ~CoreRegistration();
  CoreRegistration(const CoreRegistration&) = delete;
  CoreRegistration& operator=(const CoreRegistration&) = delete;
  // The thread counts of the other live registered processes.
  std::vector<int64_t> others() const;

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

// The registry every tool uses: /dev/shm/grokscope-cores-UID (or $GROK_CORE_REGISTRY).
std::string default_core_registry();

// For a tool's main(), right after `registration` was made with this process's `threads`: if the
// registered processes now ask for more threads than the machine has cores and the environment
// names no OpenMP wait policy, re-executes the program (argv) with OMP_WAIT_POLICY=PASSIVE. The
// exec keeps the pid, so the new image registers under the same entry. Returns whether it had to
// and could not (then the process goes on as it is).
bool wait_passively_if_oversubscribed(const CoreRegistration& registration, int64_t threads, const char* const* argv);

// Unless the environment names an OpenMP wait policy: re-executes the program (argv) with
// OMP_WAIT_POLICY=PASSIVE. For observers that run beside a training (grok-probe watch): they
// register 0 threads, so they never make a training wait passively, and wait passively themselves.
// Returns only when it did not restart.
void wait_passively(const char* const* argv);

}  // namespace grok
