// cpu_features.cpp — CPUID reads behind cpu_features.h.
#include "grok/runtime/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace grok {

Bfloat16Instructions cpu_bfloat16_instructions() {
  Bfloat16Instructions found;
#if defined(__x86_64__) || defined(__i386__)
  if (__get_cpuid_max(0, nullptr) < 7) return found;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  found.amx_bf16 = (edx >> 22) & 1u;
  if (eax >= 1) {  // leaf 7's highest subleaf
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    found.avx512_bf16 = (eax >> 5) & 1u;
  }
  found.avx512f = __builtin_cpu_supports("avx512f");  // also checks that the OS saves the registers
#endif
  return found;
}

bool cpu_has_bfloat16_arithmetic() {
  const Bfloat16Instructions cpu = cpu_bfloat16_instructions();
  return (cpu.avx512_bf16 && cpu.avx512f) || cpu.amx_bf16;
}

std::string precision_warning(const std::string& precision, const c10::Device& device) {
  if (precision != "bf16" || !device.is_cpu() || cpu_has_bfloat16_arithmetic()) return "";
  return "--precision bf16: this CPU has no bfloat16 arithmetic (AVX512-BF16 or AMX-BF16), so its bf16 products run "
         "as float32 products of bfloat16-rounded numbers: bf16's rounding at float32's speed, not faster";
}

}  // namespace grok
