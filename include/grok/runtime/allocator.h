// allocator.h — keep freed tensor memory in the process instead of handing it back.
//
// A grid forward pass allocates and frees tens of [p*p, d_mlp] float32 tensors
// (26 MB each for nanda2023). With glibc's defaults most are mmap()ed and
// unmapped on free, so every pass page-faults its buffers in again; on the
// 2-core CI machine that kernel work was a third of grok-probe's time
// (bench/bench_probe: 230 -> 157 ms per checkpoint with this call).
#pragma once

namespace grok {

// Serves allocations up to 32 MiB (glibc's largest mmap threshold) from the
// heap and stops trimming it, so freed buffers are reused without new page
// faults. Peak memory is unchanged; the process keeps it until it exits.
// Call once at the start of a program, before the first tensor.
void retain_freed_memory();

}  // namespace grok
