// shared_cores.cpp — the per-user registry of live grokscope processes (see shared_cores.h).
#include "grok/runtime/shared_cores.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <thread>

#include "grok/runtime/threads.h"

namespace grok {
namespace {

// The thread count in a live entry; -1 when the entry is stale (its lock is free; removed) or
// unreadable.
int64_t live_entry_threads(const std::filesystem::path& entry) {
  const int fd = ::open(entry.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {  // nobody holds it: its process is gone
    std::error_code ec;
    std::filesystem::remove(entry, ec);
    ::close(fd);
    return -1;
  }
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  ::close(fd);
  return n > 0 ? std::strtoll(text, nullptr, 10) : -1;
}

}  // namespace

bool oversubscribed(int64_t ours, const std::vector<int64_t>& others, int64_t cores) {
  int64_t total = ours;
  for (int64_t t : others) total += t;
  return total > cores;
}

CoreRegistration::CoreRegistration(const std::string& dir, int64_t threads) : dir_(dir) {
  ::mkdir(dir.c_str(), 0700);
  const std::string pid = std::to_string(::getpid());
  const std::string hidden = dir + "/." + pid;  // others() skips it until it is locked and renamed
  fd_ = ::open(hidden.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) return;
  const std::string text = std::to_string(threads) + "\n";
  path_ = dir + "/" + pid;
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0 || ::write(fd_, text.data(), text.size()) != ssize_t(text.size()) ||
      ::rename(hidden.c_str(), path_.c_str()) != 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(hidden.c_str());
  }
}

CoreRegistration::~CoreRegistration() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
}

std::vector<int64_t> CoreRegistration::others() const {
  std::vector<int64_t> threads;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path() == path_ || entry.path().filename().string().front() == '.') continue;
    if (int64_t t = live_entry_threads(entry.path()); t > 0) threads.push_back(t);
  }
  return threads;
}

std::string default_core_registry() {
  if (const char* dir = std::getenv("GROK_CORE_REGISTRY")) return dir;
  return "/dev/shm/grokscope-cores-" + std::to_string(::getuid());
}

namespace {
bool wait_policy_chosen() { return std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"); }
}  // namespace

int64_t available_cpus() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(0, sizeof mask, &mask) == 0 && CPU_COUNT(&mask) > 0) return CPU_COUNT(&mask);
  return std::max(1u, std::thread::hardware_concurrency());
}

SpinThrottle::SpinThrottle() {
  const int asked = static_cast<int>(available_cpus()) + 1;
  owner_ = std::thread([this, asked] {
    run_openmp_team(asked, [this](int team_size) {
      std::unique_lock<std::mutex> lock(mutex_);
      team_ = team_size;
      ++arrived_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
      ++departed_;
      changed_.notify_all();
    });
  });
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return team_ > 0 && arrived_ == team_; });  // libgomp counts the team from here
}

SpinThrottle::~SpinThrottle() {
  {
    // Waiting for every member's departure, not only for the owner's join, shows ThreadSanitizer
    // that they are done with this object: libgomp's own end-of-team barrier is invisible to it.
    std::unique_lock<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return departed_ == team_; });
  }
  owner_.join();  // its exit hands the team's threads back: libgomp no longer counts them
}

CoreSharing::CoreSharing(const std::string& registry, int64_t threads, Role role, std::chrono::milliseconds poll)
    : registration_(registry, role == Role::Observer ? 0 : threads),
      threads_(role == Role::Observer ? 0 : threads),
      cores_(available_cpus()),
      role_(role),
      poll_(poll) {
  if (wait_policy_chosen()) return;
  watching_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  look();
  if (role_ == Role::Worker) watcher_ = std::thread([this] { watch(); });
}

CoreSharing::~CoreSharing() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void CoreSharing::look() {
  const bool shared = role_ == Role::Observer || oversubscribed(threads_, registration_.others(), cores_);
  if (shared && !throttle_) {
    try {
      throttle_ = std::make_unique<SpinThrottle>();
      throttled_since_ = Clock::now();
    } catch (const std::system_error&) {  // no thread to spare: the process goes on spinning
    }
  } else if (!shared && throttle_) {
    throttle_.reset();
    throttled_before_ += Clock::now() - throttled_since_;
  }
}

void CoreSharing::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_.wait_for(lock, poll_, [this] { return stopping_; })) look();
}

bool CoreSharing::throttled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return throttle_ != nullptr;
}

double CoreSharing::throttled_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Clock::duration now = throttle_ ? Clock::now() - throttled_since_ : Clock::duration{};
  return std::chrono::duration<double>(throttled_before_ + now).count();
}

}  // namespace grok
