// vector_math.h — float64 exponentials over arrays, with SLEEF's 1-ulp exp.
//
// The written-out cross-entropy (train/loss.cpp) takes ~430 k float64 exponentials a nanda2023
// step; glibc's scalar exp cost ~4 ms of them at 1 thread, SLEEF's AVX2 exp (the one LibTorch's
// own vectorised double kernels use) a fraction of that. The same element gets the same bits
// wherever it sits in the array (the tail goes through the same vector function), so a result
// does not depend on how its rows were split among threads.
#pragma once

#include <cstdint>

namespace grok {

// x[i] = exp(x[i]) for i in 0..n-1: SLEEF's Sleef_expd4_u10avx2 on CPUs with AVX2 and FMA,
// its scalar Sleef_exp_u10 elsewhere (both within 1 ulp; they may differ in the last bit).
void exp_in_place(double* x, int64_t n);

// Whether exp_in_place takes the AVX2 path on this CPU.
bool exp_in_place_is_vectorised();

}  // namespace grok
