// shared_cores.cpp — the per-user registry of live grokscope processes (see shared_cores.h).
#include "grok/runtime/shared_cores.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

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
  path_ = dir + "/" + std::to_string(::getpid());
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) return;
  const std::string text = std::to_string(threads) + "\n";
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0 || ::write(fd_, text.data(), text.size()) != ssize_t(text.size())) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
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
    if (entry.path() == path_) continue;
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

void wait_passively(const char* const* argv) {
  if (wait_policy_chosen()) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", const_cast<char* const*>(argv));  // returns only on failure (execv predates const)
}

bool wait_passively_if_oversubscribed(const CoreRegistration& registration, int64_t threads, const char* const* argv) {
  if (wait_policy_chosen()) return false;
  const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (!oversubscribed(threads, registration.others(), cores)) return false;
  wait_passively(argv);
  return true;
}

}  // namespace grok
