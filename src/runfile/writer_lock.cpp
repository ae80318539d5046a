// writer_lock.cpp — the run file's writer lock (see writer_lock.h).
#include "grok/runfile/writer_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "grok/core/error.h"

namespace grok {
namespace {

// The whole file, exclusively.
struct flock whole_file(short type) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = 0;
  l.l_len = 0;  // to the end, however long the file grows
  return l;
}

int open_for_lock(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

WriterLock WriterLock::acquire(const std::string& path) {
  const int fd = open_for_lock(path);
  struct flock l = whole_file(F_WRLCK);
  if (::fcntl(fd, F_OFD_SETLK, &l) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EAGAIN || err == EACCES)
      throw InputError(path + " is being written by a running grok-train (wait for it, or stop it first)");
    throw InputError("cannot lock " + path + ": " + std::strerror(err));
  }
  return WriterLock(fd);
}

bool WriterLock::held_elsewhere(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock l = whole_file(F_WRLCK);
  const bool held = ::fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the description releases its lock
}

}  // namespace grok
