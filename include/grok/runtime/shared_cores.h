// shared_cores.h — how a grokscope process behaves when others share the machine's cores.
//
// LibTorch and OpenBLAS run their threads as an OpenMP team (libgomp). Between parallel regions
// an idle team thread busy-waits (300,000 spins, a few milliseconds) before it sleeps: the fastest
// choice on an idle machine, a disaster on a shared one. Two processes with 2 threads each on 2
// cores spin against each other's descheduled threads: the demo took 12-30x its solo time
// (bench/share_cores.sh). Sleeping at once (OMP_WAIT_POLICY=PASSIVE) fixes that but costs up to
// 1.7x on an idle machine, and libgomp reads the policy only once, when it is loaded.
//
// What libgomp does change at run time: "if there are more OpenMP threads than available CPUs,
// 1000 and 100 spins are used for OMP_WAIT_POLICY being ACTIVE or undefined" (libgomp manual,
// GOMP_SPINCOUNT), counting the threads of every team in the process at each wait. So every
// grokscope tool registers the threads it uses, and its CPUs, in a per-user registry of live
// processes, and while it and the processes that share a CPU with it ask for more threads than
// those CPUs (oversubscribed) it holds a second team of sleeping threads (SpinThrottle), which
// makes libgomp spin 100 times instead of 300,000. A newcomer looks before it starts; a process that was there first
// looks every 100 ms, and spins in full again once the others are gone. The wait policy never changes results, and one
// the user set (OMP_WAIT_POLICY, GOMP_SPINCOUNT) is left alone.
#pragma once

#include <bitset>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace grok {

// A set of CPUs by number (Linux's cpu_set_t holds as many).
constexpr size_t kMaxCpus = 1024;
using CpuSet = std::bitset<kMaxCpus>;

// The CPUs this process may run on (its affinity mask: what libgomp counts, and what a cpuset,
// taskset or a Slurm job's cgroup leaves it).
CpuSet affinity_cpus();
// affinity_cpus().count(), at least 1.
int64_t available_cpus();

// What a registered process asks for: its threads, on its CPUs.
struct CoreClaim {
  int64_t threads = 0;
  CpuSet cpus;
};

// True when `ours` and the claims that share a CPU with it ask for more threads than there are
// CPUs among them. Processes on disjoint CPUs (two Slurm jobs on one node) do not compete.
bool oversubscribed(const CoreClaim& ours, const std::vector<CoreClaim>& others);

// This process's entry in the registry directory: a file named after the pid holding its thread
// count and its CPUs (a line of 0s and 1s, CPU 0 last; an entry without it claims all the machine's), locked (flock)
// for as long as the entry lives; the kernel drops the lock when the process dies, so an entry whose lock is free is
// stale and is removed by whoever sees it. An entry is written and locked under a hidden name (".pid") and then renamed
// into place, so that nobody sees it before it is locked.
class CoreRegistration {
 public:
  // Registers `claim` under `dir` (created if missing). Never throws: without a usable directory
  // the process simply is not registered.
  CoreRegistration(const std::string& dir, const CoreClaim& claim);
  ~CoreRegistration();
  CoreRegistration(const CoreRegistration&) = delete;
  CoreRegistration& operator=(const CoreRegistration&) = delete;
  // The claims of the other live registered processes.
  std::vector<CoreClaim> others() const;

 private:
  std::string dir_, path_;
  int fd_ = -1;
};

// The registry every tool uses: /dev/shm/grokscope-cores-UID (or $GROK_CORE_REGISTRY).
std::string default_core_registry();

// While one lives, libgomp manages more threads in this process than it has CPUs, and so spins
// 100 times (not 300,000) before a waiting thread sleeps. It holds a libgomp team of
// available_cpus() + 1 threads, all asleep on a condition variable, started from a thread of its
// own; libgomp stops counting them when that thread exits, in the destructor. (Where libgomp
// starts fewer, OMP_DYNAMIC or OMP_THREAD_LIMIT, it holds those: throttling less, never hanging.)
class SpinThrottle {
 public:
  SpinThrottle();
  ~SpinThrottle();
  SpinThrottle(const SpinThrottle&) = delete;
  SpinThrottle& operator=(const SpinThrottle&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int team_ = 0;  // the threads libgomp started, once the first of them has arrived
  int arrived_ = 0, departed_ = 0;
  bool released_ = false;
  std::thread owner_;
};

// A tool's share of the cores, for as long as it runs: its registry entry, and a watcher thread
// that holds a SpinThrottle while oversubscribed() says so of it and the other registered processes. Observers
// (grok-probe watch, report --watch) run beside a training by design: they register no threads, so they never throttle
// a training, and are throttled for their whole life.
class CoreSharing {
 public:
  enum class Role { Worker, Observer };
  // `threads`: what this process uses (ignored for an observer). Looks once before it returns, so
  // a newcomer is throttled from its first parallel region; then every `poll`.
  CoreSharing(const std::string& registry, int64_t threads, Role role = Role::Worker,
              std::chrono::milliseconds poll = std::chrono::milliseconds(100));
  ~CoreSharing();
  CoreSharing(const CoreSharing&) = delete;
  CoreSharing& operator=(const CoreSharing&) = delete;

  // False when the environment names an OpenMP wait policy: then nothing is throttled.
  bool watching() const { return watching_; }
  bool throttled() const;
  // Seconds spent throttled so far.
  double throttled_seconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  void look();  // throttles or releases to match the registry; mutex_ held
  void watch();

  const CoreClaim claim_;
  CoreRegistration registration_;
  const Role role_;
  const std::chrono::milliseconds poll_;
  bool watching_ = false;
  mutable std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::unique_ptr<SpinThrottle> throttle_;
  Clock::time_point throttled_since_{};
  Clock::duration throttled_before_{};
  std::thread watcher_;
};

}  // namespace grok
