// step_graph.cpp — the training step as one CUDA graph (see step_graph.h).
#include "grok/train/step_graph.h"

#include <stdexcept>
#include <string>

#ifdef GROK_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/util/Exception.h>
#endif

namespace grok {
namespace {

std::vector<const void*> addresses(const std::vector<at::Tensor>& tensors) {
  std::vector<const void*> out;
  for (const at::Tensor& t : tensors) out.push_back(t.defined() ? t.data_ptr() : nullptr);
  return out;
}

}  // namespace

#ifdef GROK_WITH_CUDA
struct StepGraph::Cuda {
  explicit Cuda(c10::DeviceIndex device) : stream(c10::cuda::getStreamFromPool(false, device)) {}
  at::cuda::CUDAGraph graph;
  c10::cuda::CUDAStream stream;
};

namespace {

// Captures step() into `graph` on `stream`. A step that cannot be captured (a value read on the
// host inside it, say) leaves no capture open behind its one-line error.
void capture(at::cuda::CUDAGraph& graph, const c10::cuda::CUDAStream& stream, const std::function<void()>& step) {
  c10::cuda::CUDAStreamGuard on_stream(stream);
  try {
    graph.capture_begin();
    step();  // recorded, not run
    graph.capture_end();
  } catch (const std::exception& e) {
    const std::string what =
        dynamic_cast<const c10::Error*>(&e) ? dynamic_cast<const c10::Error&>(e).what_without_backtrace() : e.what();
    cudaGraph_t partial = nullptr;
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(stream.stream(), &status) == cudaSuccess && status != cudaStreamCaptureStatusNone &&
        cudaStreamEndCapture(stream.stream(), &partial) == cudaSuccess && partial)
      cudaGraphDestroy(partial);
    (void)cudaGetLastError();  // the capture's error is reported below, not by the next CUDA call
    throw std::runtime_error("cuda_graph: the training step could not be captured (train without --cuda-graph): " +
                             what);
  }
}

}  // namespace
#else
struct StepGraph::Cuda {};
#endif

StepGraph::StepGraph(c10::Device device, Emulate emulate) : device_(device), emulate_(emulate) {}
StepGraph::~StepGraph() = default;

bool StepGraph::captures() const {
#ifdef GROK_WITH_CUDA
  if (device_.is_cuda()) return true;
#endif
  return emulate_ == Emulate::capture;
}

void StepGraph::reset() {
  cuda_.reset();
  eager_runs_ = 0;
  captured_ = false;
  captured_addresses_.clear();
}

void StepGraph::check_tensors(const std::vector<at::Tensor>& tensors) const {
  if (addresses(tensors) != captured_addresses_)
    throw std::logic_error("StepGraph: the step's tensors moved since its capture (reset() was due)");
}

void StepGraph::run(const std::function<void()>& step, const std::vector<at::Tensor>& tensors) {
  if (!captures()) return step();
  if (captured_) {
    check_tensors(tensors);
#ifdef GROK_WITH_CUDA
    if (cuda_) return cuda_->graph.replay();
#endif
    return step();  // Emulate::capture: the step itself stands in for its replay
  }
  if (eager_runs_ < kWarmupRuns) {
    ++eager_runs_;
#ifdef GROK_WITH_CUDA
    if (device_.is_cuda()) {
      // The eager runs use the capture's stream too, so that the memory they leave cached is
      // that stream's; synchronised on both sides against the work around them.
      if (!cuda_) cuda_ = std::make_unique<Cuda>(device_.index());
      c10::cuda::getCurrentCUDAStream(device_.index()).synchronize();
      {
        c10::cuda::CUDAStreamGuard on_stream(cuda_->stream);
        step();
      }
      cuda_->stream.synchronize();
      return;
    }
#endif
    return step();
  }
#ifdef GROK_WITH_CUDA
  if (cuda_) {
    c10::cuda::getCurrentCUDAStream(device_.index()).synchronize();
    capture(cuda_->graph, cuda_->stream, step);
    cuda_->stream.synchronize();
    captured_addresses_ = addresses(tensors);
    captured_ = true;
    return cuda_->graph.replay();  // the captured step has not run yet: this is its run
  }
#endif
  step();  // Emulate::capture: the host code of a capture runs once, as here
  captured_addresses_ = addresses(tensors);
  captured_ = true;
}

}  // namespace grok
