// allocator.cpp — glibc malloc settings for tensor-heavy programs (see allocator.h).
#include "grok/runtime/allocator.h"

#include <malloc.h>

namespace grok {

void retain_freed_memory() {
  // Setting any of these turns off glibc's dynamic threshold, so set all three.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest value glibc accepts on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1 << 30);   // never give the top of the heap back mid-run
  mallopt(M_TOP_PAD, 64 << 20);         // grow the heap in large steps
}

}  // namespace grok
