// cpu_features.h — the CPU instructions LibTorch's speed depends on, read with CPUID.
//
// --precision bf16 is faster than float32 on a CPU only where the CPU does bfloat16 arithmetic
// itself (AVX512-BF16, AMX-BF16). LibTorch 1.13 sends bfloat16 products to oneDNN only on CPUs
// with AVX-512 and otherwise to a plain loop: measured on an AVX2-only AMD EPYC (Zen 3), a
// factored nanda2023 step took 651 ms in bf16 against 64 ms in float32, and its logits sat 3x
// farther from the once-rounded products than float32's. So on such CPUs the transformer computes its bf16 products
// itself, as float32 products of bfloat16-rounded operands (model/transformer.cpp, batch_product), and grok-train says
// so.
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace grok {

// What CPUID says of this CPU's bfloat16 instructions (all false on CPUs other than x86-64, where
// LibTorch 1.13 has no fast bfloat16 path either).
struct Bfloat16Instructions {
  bool avx512f = false;      // AVX-512 Foundation, with the OS saving its registers (XCR0)
  bool avx512_bf16 = false;  // CPUID leaf 7 subleaf 1, EAX bit 5
  bool amx_bf16 = false;     // CPUID leaf 7 subleaf 0, EDX bit 22
};
Bfloat16Instructions cpu_bfloat16_instructions();

// Whether this CPU runs bfloat16 products in hardware: AVX512-BF16 with AVX-512 enabled, or AMX-BF16.
bool cpu_has_bfloat16_arithmetic();

// A one-line warning when `precision` on `device` will not run as fast as it promises ("" when
// it will): bf16 on a CPU without bfloat16 arithmetic, which gets no speed-up over float32.
std::string precision_warning(const std::string& precision, const c10::Device& device);

}  // namespace grok
