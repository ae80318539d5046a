// temp_runs.h — files the LibTorch tests write: a fresh path under the tests' temp directory,
// and a small run trained into one.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "grok/core/config.h"
#include "grok/train/trainer.h"

namespace grok_test {

// $GROK_TEST_TMP/name (ctest sets it to the build's tests/tmp), else <system temp>/grokscope-tests/name;
// the directory is made and any file of that name removed.
inline std::string temp_path(const std::string& name) {
  namespace fs = std::filesystem;
  const char* dir = std::getenv("GROK_TEST_TMP");
  const fs::path base = dir ? fs::path(dir) : fs::temp_directory_path() / "grokscope-tests";
  fs::create_directories(base);
  const fs::path p = base / name;
  fs::remove(p);
  return p.string();
}

// $GROK_TEST_TMP/name as for temp_path, for a directory: whatever was there is removed.
inline std::string temp_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::path(temp_path(name + ".parent")).parent_path() / name;
  std::filesystem::remove_all(p);
  return p.string();
}

// Trains `c` on one thread into temp_path(name); returns the path.
inline std::string train_temp_run(grok::Config c, const std::string& name) {
  c.threads = 1;
  const std::string path = temp_path(name);
  grok::train_new(c, path, "test", {}, true);
  return path;
}

}  // namespace grok_test
