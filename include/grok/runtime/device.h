// device.h — where tensors live: the CPU or the first CUDA GPU (--device cpu|cuda|auto).
//
// Weights are always drawn on the CPU from the model seed and then moved, and run files hold CPU
// float32 tensors, so a run file does not depend on the device that wrote it; only the arithmetic
// (CUDA kernels round differently) does.
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace grok {

// The device `requested` names: "cpu"; "cuda" (InputError in one line when this LibTorch has
// no CUDA or sees no GPU); "auto" = cuda when a GPU is usable, else cpu.
c10::Device resolve_device(const std::string& requested);

// Whether this LibTorch was built with CUDA and sees at least one GPU.
bool cuda_usable();

}  // namespace grok
