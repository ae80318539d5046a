// vector_math_avx2.cpp — exp_in_place's AVX2 path (see vector_math.h). Built with -mavx2 -mfma
// and outside the unity batches (src/CMakeLists.txt), so no other code gets AVX2 instructions.
#include <immintrin.h>
#include <sleef.h>

#include <cstdint>

namespace grok {

void exp_in_place_avx2(double* x, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, Sleef_expd4_u10avx2(_mm256_loadu_pd(x + i)));
  if (i < n) {  // the last 1..3 through the same function, so their bits do not depend on n
    // Plain loops, not std::copy: a template instantiated here would be built for AVX2 and
    // could be the copy the linker keeps for every other file.
    double tail[4] = {0, 0, 0, 0};
    for (int64_t j = i; j < n; ++j) tail[j - i] = x[j];
    _mm256_storeu_pd(tail, Sleef_expd4_u10avx2(_mm256_loadu_pd(tail)));
    for (int64_t j = i; j < n; ++j) x[j] = tail[j - i];
  }
}

}  // namespace grok
