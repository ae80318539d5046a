// blas_info.cpp — find the BLAS mapped into this process (dl_iterate_phdr).
#include "grok/runtime/blas_info.h"

#include <ATen/Parallel.h>
#include <fmt/core.h>
#include <link.h>

#include <climits>
#include <cstdlib>
#include <vector>

namespace grok {
namespace {

std::vector<std::string> loaded_libraries() {
  std::vector<std::string> libs;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        if (info->dlpi_name && *info->dlpi_name)
          static_cast<std::vector<std::string>*>(out)->push_back(info->dlpi_name);
        return 0;
      },
      &libs);
  return libs;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

}  // namespace

BlasInfo blas_info() {
  BlasInfo info;
  info.library = "not loaded";
  info.flavour = "unknown";
  info.torch_threads = at::get_num_threads();
  for (const auto& lib : loaded_libraries()) {
    std::string resolved = real_path(lib);
    if (resolved.find("libblas.so") == std::string::npos && resolved.find("libopenblas") == std::string::npos &&
        resolved.find("libblis") == std::string::npos)
      continue;
    info.library = resolved;
    if (resolved.find("openblas-openmp") != std::string::npos) {
      info.flavour = "OpenBLAS (OpenMP)";
      info.fast = true;
    } else if (resolved.find("openblas-pthread") != std::string::npos) {
      info.flavour = "OpenBLAS (pthreads; its pool competes with LibTorch's OpenMP pool)";
      info.fast = true;
    } else if (resolved.find("openblas") != std::string::npos) {
      info.flavour = "OpenBLAS";
      info.fast = true;
    } else if (resolved.find("blis") != std::string::npos) {
      info.flavour = "BLIS";
      info.fast = true;
    } else if (resolved.find("/blas/") != std::string::npos) {
      info.flavour = "reference BLAS (slow: install libopenblas0-openmp)";
    }
    break;
  }
  return info;
}

std::string describe(const BlasInfo& info) {
  return fmt::format("BLAS: {} [{}]; LibTorch intra-op threads: {}", info.flavour, info.library, info.torch_threads);
}

}  // namespace grok
