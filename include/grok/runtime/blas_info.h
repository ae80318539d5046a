// blas_info.h — which BLAS library LibTorch's matrix products actually run on.
//
// Debian's LibTorch calls the system libblas.so.3, chosen by Debian's
// alternatives; the reference BLAS is ~20x slower than OpenBLAS. This reads
// the libraries mapped into the process, so it reports what is really used.
#pragma once

#include <string>

namespace grok {

struct BlasInfo {
  std::string library;    // resolved path of the loaded libblas, or "not loaded"
  std::string flavour;    // "OpenBLAS (openmp)", "reference BLAS", ...
  int torch_threads = 0;  // LibTorch intra-op threads
  bool fast = false;      // false for the reference BLAS
};

BlasInfo blas_info();
std::string describe(const BlasInfo& info);

}  // namespace grok
