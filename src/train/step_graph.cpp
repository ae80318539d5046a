// step_graph.cpp — the training step as one CUDA graph (see step_graph.h).
#include "grok/train/step_graph.h"

#ifdef GROK_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/util/Exception.h>

#include <stdexcept>
#include <string>
#endif

namespace grok {

#ifdef GROK_WITH_CUDA
struct StepGraph::Cuda {
  at::cuda::CUDAGraph graph;
  c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
  bool captured = false;
};
#else
struct StepGraph::Cuda {};
#endif

StepGraph::StepGraph(c10::Device device) : device_(device) {}
StepGraph::~StepGraph() = default;

bool StepGraph::captures() const {
#ifdef GROK_WITH_CUDA
  return device_.is_cuda();
#else
  return false;
#endif
}

void StepGraph::reset() {
  cuda_.reset();
  eager_runs_ = 0;
  replayed_ = false;
}

void StepGraph::run(const std::function<void()>& step) {
  replayed_ = false;
#ifdef GROK_WITH_CUDA
  if (device_.is_cuda()) {
    if (!cuda_) cuda_ = std::make_unique<Cuda>();
    Cuda& c = *cuda_;
    if (!c.captured) {
      // Capture needs a stream other than the default one; the eager runs use it too, so that
      // the memory they leave cached is the capture's stream's.
      c10::cuda::CUDAStream previous = c10::cuda::getCurrentCUDAStream(device_.index());
      c.stream.synchronize();
      previous.synchronize();
      {
        c10::cuda::CUDAStreamGuard on_side_stream(c.stream);
        if (eager_runs_ < kWarmupRuns) {
          step();
          ++eager_runs_;
        } else {
          try {
            c.graph.capture_begin();
            step();  // recorded, not run
            c.graph.capture_end();
          } catch (const c10::Error& e) {  // e.g. a value read on the host inside the step
            throw std::runtime_error(std::string("cuda_graph: the training step could not be captured (train without "
                                                 "--cuda-graph): ") +
                                     e.what_without_backtrace());
          }
          c.captured = true;
        }
      }
      c.stream.synchronize();
      if (!c.captured) return;
    }
    c.graph.replay();
    replayed_ = true;
    return;
  }
#endif
  step();
}

}  // namespace grok
