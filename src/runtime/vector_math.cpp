// vector_math.cpp — exp_in_place's dispatch and its scalar path (see vector_math.h).
#include "grok/runtime/vector_math.h"

#include <sleef.h>

namespace grok {

// vector_math_avx2.cpp, compiled for AVX2 + FMA: only ever called on a CPU that has both.
void exp_in_place_avx2(double* x, int64_t n);

bool exp_in_place_is_vectorised() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return avx2_fma;
#else
  return false;
#endif
}

void exp_in_place(double* x, int64_t n) {
  if (exp_in_place_is_vectorised()) return exp_in_place_avx2(x, n);
  for (int64_t i = 0; i < n; ++i) x[i] = Sleef_exp_u10(x[i]);
}

}  // namespace grok
