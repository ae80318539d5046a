// writer_lock.h — "a grok-train process is writing this run file", as a lock the kernel drops
// when that process dies, however it dies.
//
// A run file in SWMR mode keeps HDF5's "open for write" flag when its writer is killed
// (kill -9, the OOM killer, a pre-empted Slurm job): plain HDF5 readers and reopening for
// writing then refuse it, although the data is intact. Clearing that flag is safe only
// when no writer is alive. The writer therefore holds an open-file-description lock
// (Linux F_OFD_SETLK) on the file for as long as it writes: independent of HDF5's own
// flock, not dropped by other descriptors of the file closing, and released by the kernel
// when the process exits. Whoever can take the lock knows no writer is alive.
#pragma once

#include <string>

namespace grok {

class WriterLock {
 public:
  // Takes the lock on `path`; InputError when a live process holds it (a running writer).
  static WriterLock acquire(const std::string& path);
  // True when a live process holds the lock on `path` (the file is being written).
  static bool held_elsewhere(const std::string& path);

  WriterLock(WriterLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  WriterLock& operator=(WriterLock&& other) noexcept;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock();

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace grok
