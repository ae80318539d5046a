// step_graph.h — one training step captured as a CUDA graph and replayed (config.cuda_graph).
//
// A small model's step on a GPU is launch-bound: hundreds of kernels of microseconds each, every
// one launched from the host. A CUDA graph records them once and replays them with one launch.
// What a graph needs from the step it records: every tensor it reads or writes stays where it
// was (parameters, gradients and optimizer state are updated in place; the batch is the full,
// fixed train set), nothing on the host decides anything per step (the learning rate is constant
// after warm-up; the optimizer counts steps on the device, Optimizer::count_on_device), and no
// value travels to the host during capture. The host code of the step runs once, at capture.
//
// StepGraph::run(step, tensors) runs `step` eagerly a few times on a side stream (allocator and
// cuBLAS settle; these are real training steps), then captures it and replays it: one training
// step per call either way. `tensors` are those the step works on; a replay whose tensors are not
// where the capture found them is refused (std::logic_error: reset() was due), rather than run on
// freed memory. On a CPU, and in builds against a LibTorch without CUDA, run() calls step() every
// time: the trainer's schedule around it is the same. Emulate::capture makes a CPU StepGraph act
// as a capturing one in all but the CUDA calls (captures() true, the tensor check from its "capture"
// on), so that tests reach the trainer's code for a capture.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <functional>
#include <memory>
#include <vector>

namespace grok {

class StepGraph {
 public:
  enum class Emulate { none, capture };
  explicit StepGraph(c10::Device device, Emulate emulate = Emulate::none);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  // One training step: `step` itself (eager runs, and on a CPU), or a replay of its capture.
  // `step` must be the same computation on `tensors` at every call until reset().
  void run(const std::function<void()>& step, const std::vector<at::Tensor>& tensors);
  // Forgets the capture (the tensors it recorded are about to change: an ensemble's stacks).
  void reset();
  // Whether run() captures its step once and then replays it (a CUDA device in a build with
  // CUDA, or Emulate::capture), rather than calling it afresh every time.
  bool captures() const;

  // Eager runs before the capture (PyTorch's documentation warms up with 3).
  static constexpr int kWarmupRuns = 3;

 private:
  struct Cuda;  // the graph and its stream; only in builds with CUDA
  void check_tensors(const std::vector<at::Tensor>& tensors) const;

  c10::Device device_;
  Emulate emulate_;
  std::unique_ptr<Cuda> cuda_;
  int eager_runs_ = 0;
  bool captured_ = false;
  std::vector<const void*> captured_addresses_;  // tensors' data at the capture
};

}  // namespace grok
