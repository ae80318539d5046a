// test_threads.cpp — grok-probe's worker threads (RunCheckpoints::for_each_checkpoint), the way the
// tool drives them: the summary pipeline and a raw measure over every checkpoint with 2 threads give
// exactly what 1 thread gives, and a worker that fails stops the others. .ci/tsan runs these (and
// test_probe.cpp's [threads] case) under ThreadSanitizer, where a data race fails the test. Also the
// registry through which processes that share the cores decide how to wait, and the throttle that
// makes libgomp's idle threads sleep sooner (runtime/shared_cores.h).
#include <ATen/Parallel.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "grok/core/presets.h"
#include "grok/probe/run_checkpoints.h"
#include "grok/probe/summary.h"
#include "grok/runtime/shared_cores.h"
#include "grok/runtime/threads.h"
#include "grok/train/trainer.h"
#include "temp_runs.h"

namespace {

// A small transformer run with 9 checkpoints, trained once per process (single-threaded).
const std::string& threads_run() {
  static const std::string path = [] {
    grok::Config c = grok::load_preset("demo");
    c.p = 11;
    c.d_model = 16;
    c.n_heads = 2;
    c.d_head = 8;
    c.d_mlp = 32;
    c.steps = 80;
    c.checkpoint_every = 10;
    c.activation_log = 0;
    return grok_test::train_temp_run(c, "threads_summary.h5");
  }();
  return path;
}

// Runs f with `threads` LibTorch threads, restoring the count afterwards.
template <class F>
auto with_threads(int threads, F&& f) {
  const int saved = at::get_num_threads();
  at::set_num_threads(threads);
  struct Restore {
    int n;
    ~Restore() { at::set_num_threads(n); }
  } restore{saved};
  return f();
}

}  // namespace

TEST_CASE("grok-probe's summary is the same with 1 and 2 worker threads", "[probes][threads]") {
  grok::RunCheckpoints run(threads_run());
  grok::FourierOptions o;
  o.key_frequencies = {1, 2};  // null baseline and drift measured too
  const std::string one = with_threads(1, [&] { return grok::summary_json(grok::summarise(run, o)).dump(); });
  const std::string two = with_threads(2, [&] { return grok::summary_json(grok::summarise(run, o)).dump(); });
  CHECK(one == two);
}

TEST_CASE("measure_checkpoints gives every checkpoint its own model and result slot", "[probes][threads]") {
  grok::RunCheckpoints run(threads_run());
  std::vector<size_t> indices(run.checkpoint_steps().size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = indices.size() - 1 - i;  // any order
  auto total = [](grok::Model& m) {
    double s = 0;
    for (const auto& p : m.parameters()) s += p.value.to(at::kDouble).sum().item<double>();
    return s;
  };
  const std::vector<double> one = with_threads(1, [&] { return run.measure_checkpoints(indices, total); });
  const std::vector<double> two = with_threads(2, [&] { return run.measure_checkpoints(indices, total); });
  REQUIRE(one.size() == indices.size());
  CHECK(one == two);
  CHECK(one.front() != one.back());  // the weights did change between the first and last checkpoints
}

TEST_CASE("a failing worker stops the others and its error reaches the caller", "[probes][threads]") {
  grok::RunCheckpoints run(threads_run());
  std::vector<size_t> indices(run.checkpoint_steps().size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  std::atomic<int> measured{0};
  with_threads(2, [&] {
    CHECK_THROWS_WITH(run.for_each_checkpoint(indices,
                                              [&](grok::Model&, size_t i) {
                                                if (i == 1) throw std::runtime_error("checkpoint 1 is bad");
                                                ++measured;
                                              }),
                      "checkpoint 1 is bad");
    return 0;
  });
  CHECK(measured < static_cast<int>(indices.size()) - 1);  // the other worker stopped early
}

namespace {

// A claim of `threads` on CPUs first..last.
grok::CoreClaim claim(int64_t threads, size_t first, size_t last) {
  grok::CoreClaim c;
  c.threads = threads;
  for (size_t cpu = first; cpu <= last; ++cpu) c.cpus.set(cpu);
  return c;
}

}  // namespace

// The rule that decides a throttle: more threads asked than CPUs, counting ours and only the
// processes that share a CPU with us. Equal is not oversubscribed (two 1-thread runs on 2 cores
// keep spinning: nobody waits for a core). Caught: counting every process on the machine (two
// Slurm jobs on disjoint cpusets would throttle each other), counting only our own CPUs (a process
// on CPUs 0-3 beside one on 2-5 has 6 CPUs between them, not 4).
TEST_CASE("oversubscribed: threads asked by the processes that share our CPUs", "[threads][cores]") {
  CHECK_FALSE(grok::oversubscribed(claim(2, 0, 1), {}));
  CHECK_FALSE(grok::oversubscribed(claim(1, 0, 1), {claim(1, 0, 1)}));
  CHECK(grok::oversubscribed(claim(2, 0, 1), {claim(1, 0, 1)}));
  CHECK(grok::oversubscribed(claim(2, 0, 1), {claim(2, 0, 1)}));
  CHECK_FALSE(grok::oversubscribed(claim(4, 0, 15), {claim(4, 0, 15), claim(4, 0, 15), claim(4, 0, 15)}));
  CHECK(grok::oversubscribed(claim(1, 0, 15), {claim(8, 0, 15), claim(8, 0, 15)}));
  CHECK_FALSE(grok::oversubscribed(claim(2, 0, 1), {claim(2, 2, 3), claim(64, 4, 7)}));  // disjoint cpusets
  CHECK_FALSE(grok::oversubscribed(claim(4, 0, 3), {claim(2, 2, 5)}));                   // 6 threads, CPUs 0-5
  CHECK(grok::oversubscribed(claim(4, 0, 3), {claim(3, 2, 5)}));                         // 7 threads, CPUs 0-5
}

// A registration sees a live entry (a file someone holds locked: here this test, through another
// open file, which flock treats as another owner) with its thread count; a file nobody locks is
// stale and removed, one being registered (a hidden name) is left alone; its own entry never counts
// and is gone once it is destroyed.
TEST_CASE("core registry: live entries count, stale ones are removed", "[threads][cores]") {
  const char* tmp = std::getenv("GROK_TEST_TMP");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/core-registry-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  {
    grok::CoreRegistration ours(dir, claim(3, 0, 1));
    CHECK(ours.others().empty());
    const int live = ::open((dir + "/live").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(live >= 0);
    REQUIRE(::flock(live, LOCK_EX | LOCK_NB) == 0);
    REQUIRE(::write(live, "5\n", 2) == 2);
    std::ofstream(dir + "/stale") << "64\n";
    std::ofstream(dir + "/.4242") << "64\n";  // an entry being registered: not yet locked, not yet counted
    REQUIRE(ours.others().size() == 1);
    CHECK(ours.others()[0].threads == 5);
    // No line of CPUs (an older build's entry): all the machine's.
    CHECK(ours.others()[0].cpus.count() == std::thread::hardware_concurrency());
    CHECK_FALSE(std::filesystem::exists(dir + "/stale"));
    CHECK(std::filesystem::exists(dir + "/.4242"));  // not taken for stale and removed
    std::filesystem::remove(dir + "/.4242");
    ::close(live);  // as if its process died: now stale
    CHECK(ours.others().empty());
    {
      const int other = ::open((dir + "/other").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      REQUIRE(::flock(other, LOCK_EX | LOCK_NB) == 0);
      const std::string text = "7\n" + claim(7, 2, 5).cpus.to_string() + "\n";  // as this build writes it
      REQUIRE(::write(other, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
      REQUIRE(ours.others().size() == 1);
      CHECK(ours.others()[0].threads == 7);
      CHECK(ours.others()[0].cpus == claim(7, 2, 5).cpus);
      ::close(other);
      std::filesystem::remove(dir + "/other");
    }
    {
      const std::string own = dir + "/" + std::to_string(::getpid());  // ours, as written
      std::ifstream in(own);
      std::string threads, cpus;
      std::getline(in, threads);
      std::getline(in, cpus);
      CHECK(threads == "3");
      CHECK(cpus == claim(3, 0, 1).cpus.to_string());
    }
    CHECK(std::filesystem::exists(dir + "/" + std::to_string(::getpid())));
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/" + std::to_string(::getpid())));  // every entry of ours dropped
  std::filesystem::remove_all(dir);
}

// Not tagged [threads]: .ci/tsan runs those, and libgomp's team hand-off is invisible to TSan.
TEST_CASE("parallel_tasks covers every task once, on several threads, and passes errors back", "[parallel_tasks]") {
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  std::vector<std::atomic<int>> visits(1000);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  grok::parallel_tasks(1000, 16, [&](int64_t begin, int64_t end) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      ids.insert(std::this_thread::get_id());
    }
    for (int64_t i = begin; i < end; ++i) ++visits[static_cast<size_t>(i)];
  });
  CHECK(std::all_of(visits.begin(), visits.end(), [](const std::atomic<int>& v) { return v == 1; }));
  CHECK(ids.size() == 2);  // at::parallel_for in a TU without libgomp's OpenMP would give 1
  CHECK_THROWS_WITH(grok::parallel_tasks(100, 1,
                                         [](int64_t begin, int64_t) {
                                           if (begin > 0) throw std::runtime_error("task failed");
                                         }),
                    "task failed");
  at::set_num_threads(threads);
}

namespace {

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds this process burns over 100 rounds of an ATen op that LibTorch runs on its OpenMP
// team (2 threads) followed by 2 ms in which the main thread sleeps: the other team thread spends
// that gap spinning (libgomp's default, 300,000 spins: milliseconds) or asleep (throttled: 100
// spins, microseconds). An ATen op, so that the libgomp throttled is the one LibTorch's team runs on.
double cpu_seconds_of_idle_gaps() {
  at::Tensor x = at::zeros({1 << 18});  // above ATen's grain (32,768 elements): parallel
  const double before = process_cpu_seconds();
  for (int round = 0; round < 100; ++round) {
    x.add_(1.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return process_cpu_seconds() - before;
}

bool becomes(const std::function<bool()>& condition) {  // within 5 s
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// Another process's live registry entry, as test "core registry" makes one: a file this test holds
// locked through an open file of its own, which flock treats as another owner.
class LiveEntry {
 public:
  LiveEntry(const std::string& path, int64_t threads) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(::flock(fd_, LOCK_EX | LOCK_NB) == 0);
    const std::string text = std::to_string(threads) + "\n";
    REQUIRE(::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  ~LiveEntry() { close(); }
  void close() {  // as if its process died
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

// The throttle's effect, seen in the CPU time that idle team threads burn: what libgomp does, not
// what we think it does. Caught: a held team too small to outnumber the cores (libgomp keeps
// spinning), a team that is not libgomp's (std::threads do not count), and a throttle that is
// never lifted (its owner thread not joined, so libgomp goes on counting the held threads).
// Not tagged [threads]: timing under ThreadSanitizer means nothing.
TEST_CASE("SpinThrottle: libgomp's idle threads sleep at once while it lives, and spin again after", "[cores]") {
  if (grok::available_cpus() < 2) {
    WARN("one core: a 2-thread team oversubscribes it already; nothing to measure");
    return;
  }
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  cpu_seconds_of_idle_gaps();  // the main thread's team at 2 threads: libgomp counts 2 (not more)
  const double spinning = cpu_seconds_of_idle_gaps();
  double throttled = 0;
  {
    grok::SpinThrottle throttle;
    throttled = cpu_seconds_of_idle_gaps();
  }
  const double after = cpu_seconds_of_idle_gaps();
  at::set_num_threads(threads);
  INFO("CPU seconds over 100 gaps of 2 ms: spinning " << spinning << ", throttled " << throttled << ", after "
                                                      << after);
  CHECK(spinning > 0.05);  // at least a quarter of the gaps spent spinning
  CHECK(throttled < spinning / 4);
  CHECK(after > throttled * 4);
}

// CoreSharing follows the registry: a newcomer that oversubscribes is throttled before its
// constructor returns; a process that was first notices a newcomer, and the newcomer's death,
// within its poll; an observer is always throttled and counts for no threads; a wait policy set
// in the environment is left alone. Caught: looking only at start-up (the pair case measured at
// 2.24x its solo time before), never lifting the throttle, an observer making trainings wait.
TEST_CASE("CoreSharing throttles while the registered processes oversubscribe the cores", "[threads][cores]") {
  const char* tmp = std::getenv("GROK_TEST_TMP");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/core-sharing-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const int64_t cores = grok::available_cpus();
  const auto poll = std::chrono::milliseconds(10);
  {
    grok::CoreSharing first(dir, 1, grok::CoreSharing::Role::Worker, poll);
    CHECK(first.watching());
    CHECK_FALSE(first.throttled());
    CHECK(first.throttled_seconds() == 0);
    LiveEntry newcomer(dir + "/newcomer", cores);  // 1 + cores threads on `cores` cores
    CHECK(becomes([&] { return first.throttled(); }));
    newcomer.close();
    CHECK(becomes([&] { return !first.throttled(); }));
    CHECK(first.throttled_seconds() > 0);
  }
  {
    LiveEntry earlier(dir + "/earlier", cores);
    grok::CoreSharing newcomer(dir, 1, grok::CoreSharing::Role::Worker, poll);
    CHECK(newcomer.throttled());
  }
  {
    grok::CoreSharing watcher(dir, 64, grok::CoreSharing::Role::Observer, poll);
    CHECK(watcher.throttled());
    grok::CoreRegistration training(dir, claim(cores, 0, static_cast<size_t>(cores) - 1));
    CHECK(training.others().empty());  // the observer's entry asks for no threads
  }
  {
    ::setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
    LiveEntry earlier(dir + "/earlier", cores);
    grok::CoreSharing chosen(dir, 1, grok::CoreSharing::Role::Worker, poll);
    ::unsetenv("OMP_WAIT_POLICY");
    CHECK_FALSE(chosen.watching());
    CHECK_FALSE(chosen.throttled());
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/" + std::to_string(::getpid())));  // every entry of ours dropped
  std::filesystem::remove_all(dir);
}
