// device.cpp — --device resolution (see device.h).
#include "grok/runtime/device.h"

#include <ATen/Context.h>

#include "grok/core/error.h"

namespace grok {

bool cuda_usable() { return at::hasCUDA(); }

c10::Device resolve_device(const std::string& requested) {
  if (requested == "cpu") return c10::Device(c10::kCPU);
  if (requested == "cuda") {
    if (!cuda_usable())
      throw InputError(
          "--device cuda: no usable GPU (this grokscope is built against a CPU-only LibTorch, or no CUDA device is "
          "visible); use --device cpu or auto");
    return c10::Device(c10::kCUDA, 0);
  }
  if (requested == "auto") return cuda_usable() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  throw InputError("device must be one of cpu | cuda | auto, got '" + requested + "'");
}

}  // namespace grok
