// shared_cores.cpp — the per-user registry of live grokscope processes (see shared_cores.h).
#include "grok/runtime/shared_cores.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <thread>

#include "grok/runtime/threads.h"

namespace grok {
namespace {

// CPUs 0 .. hardware_concurrency() - 1.
CpuSet machine_cpus() {
  CpuSet cpus;
  for (size_t cpu = 0; cpu < std::min<size_t>(kMaxCpus, std::max(1u, std::thread::hardware_concurrency())); ++cpu)
    cpus.set(cpu);
  return cpus;
}

// "threads\n" then the CPUs as CpuSet::to_string() and "\n".
std::string entry_text(const CoreClaim& claim) {
  return std::to_string(claim.threads) + "\n" + claim.cpus.to_string() + "\n";
}

// The claim in a live entry; nullopt when the entry is stale (its lock is free; removed) or
// unreadable. Without a line of CPUs (or with one that does not parse) it claims all the
// machine's CPUs.
std::optional<CoreClaim> live_entry_claim(const std::filesystem::path& entry) {
  const int fd = ::open(entry.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {  // nobody holds it: its process is gone
    std::error_code ec;
    std::filesystem::remove(entry, ec);
    ::close(fd);
    return std::nullopt;
  }
  char text[32 + kMaxCpus] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  CoreClaim claim;
  char* end = nullptr;
  claim.threads = std::strtoll(text, &end, 10);
  const std::string cpus = *end == '\n' ? std::string(end + 1, std::min<size_t>(kMaxCpus, std::strlen(end + 1))) : "";
  if (cpus.size() == kMaxCpus && cpus.find_first_not_of("01") == std::string::npos)
    claim.cpus = CpuSet(cpus);
  else
    claim.cpus = machine_cpus();
  return claim;
}

}  // namespace

CpuSet affinity_cpus() {
  CpuSet cpus;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(0, sizeof mask, &mask) == 0)
    for (size_t cpu = 0; cpu < kMaxCpus; ++cpu)
      if (CPU_ISSET(cpu, &mask)) cpus.set(cpu);
  return cpus.none() ? machine_cpus() : cpus;
}

int64_t available_cpus() { return static_cast<int64_t>(affinity_cpus().count()); }

bool oversubscribed(const CoreClaim& ours, const std::vector<CoreClaim>& others) {
  int64_t threads = ours.threads;
  CpuSet cpus = ours.cpus;
  for (const CoreClaim& other : others)
    if ((other.cpus & ours.cpus).any()) {
      threads += other.threads;
      cpus |= other.cpus;
    }
  return threads > static_cast<int64_t>(cpus.count());
}

CoreRegistration::CoreRegistration(const std::string& dir, const CoreClaim& claim) : dir_(dir) {
  ::mkdir(dir.c_str(), 0700);
  const std::string pid = std::to_string(::getpid());
  const std::string hidden = dir + "/." + pid;  // others() skips it until it is locked and renamed
  fd_ = ::open(hidden.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) return;
  const std::string text = entry_text(claim);
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

std::vector<CoreClaim> CoreRegistration::others() const {
  std::vector<CoreClaim> claims;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path() == path_ || entry.path().filename().string().front() == '.') continue;
    if (std::optional<CoreClaim> claim = live_entry_claim(entry.path()); claim && claim->threads > 0)
      claims.push_back(*claim);
  }
  return claims;
}

std::string default_core_registry() {
  if (const char* dir = std::getenv("GROK_CORE_REGISTRY")) return dir;
  return "/dev/shm/grokscope-cores-" + std::to_string(::getuid());
}

namespace {
bool wait_policy_chosen() { return std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"); }
}  // namespace

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
    : claim_{role == Role::Observer ? 0 : threads, affinity_cpus()},
      registration_(registry, claim_),
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
  const bool shared = role_ == Role::Observer || oversubscribed(claim_, registration_.others());
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
