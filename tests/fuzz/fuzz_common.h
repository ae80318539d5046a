// fuzz_common.h — what every fuzz target shares: a private temp file to hand the bytes to a reader
// that takes a path, and the checks that make a reader's failure count as "handled".
//
// A hostile input may make a reader throw, never crash, hang, or allocate without bound (ASan,
// UBSan and libFuzzer's -timeout/-malloc_limit_mb catch those). What it throws must be one line
// (the tools print e.what() as their one-line error; c10::Error's text carries a stack trace), and
// no HDF5 identifier may stay open afterwards (every one is owned by an RAII object).
#pragma once

#include <hdf5.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

namespace grok::fuzz {

// A directory of this process's own, grok-fuzz-PID (under /dev/shm when there is one: no disk I/O
// per input). A process that crashed (libFuzzer's fork mode goes on after one) cannot remove its
// own, so each new one first removes those of processes that no longer exist.
inline const std::string& temp_dir() {
  // Never destroyed: the exit handler below still needs it after static destructors ran.
  static const std::string* dir = [] {
    namespace fs = std::filesystem;
    const char* tmp = getenv("TMPDIR");
    const fs::path base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (tmp ? tmp : "/tmp");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("grok-fuzz-", 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + 10, nullptr, 10);
      if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
    }
    const fs::path mine = base / ("grok-fuzz-" + std::to_string(getpid()));
    fs::create_directories(mine, ec);
    if (ec) {
      std::perror("grok-fuzz temp dir");
      std::abort();
    }
    return new std::string(mine.string());
  }();
  static const bool cleanup = std::atexit([] {
                                std::error_code ec;
                                std::filesystem::remove_all(*dir, ec);
                              }) == 0;
  (void)cleanup;
  return *dir;
}

// Writes the bytes to temp_dir()/name and returns the path.
inline std::string write_temp(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = temp_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();
  return path;
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

[[noreturn]] inline void fail(const std::string& why) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", why.c_str());
  std::abort();
}

// A reader's error as the tools would print it: one line.
inline void check_one_line(const std::exception& e) {
  const std::string what = e.what();
  if (what.find('\n') != std::string::npos) fail("a multi-line error message: " + what);
}

// Every HDF5 file, group, dataset, attribute, type and space the reader opened is closed again.
inline void check_no_open_hdf5_ids() {
  const ssize_t open = H5Fget_obj_count(static_cast<hid_t>(H5F_OBJ_ALL), H5F_OBJ_ALL);
  if (open != 0) fail("HDF5 identifiers left open after the reader returned: " + std::to_string(open));
}

// Runs `read`; anything derived from std::exception is a handled failure (checked to be one line).
template <class Read>
void expect_handled(Read&& read) {
  try {
    read();
  } catch (const std::exception& e) {
    check_one_line(e);
  }
  check_no_open_hdf5_ids();
}

}  // namespace grok::fuzz
