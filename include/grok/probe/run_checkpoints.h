// run_checkpoints.h — a run file's model at any checkpoint, and a parallel loop over checkpoints.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "grok/core/config.h"
#include "grok/model/model.h"
#include "grok/runfile/run_file.h"

namespace grok {

// Checkpoint indices 0, stride, 2*stride, ... of n, the last always included.
std::vector<size_t> strided_checkpoints(size_t n, int64_t stride);
// The smallest stride that analyses at most about `max_count` of n checkpoints.
int64_t stride_for_at_most(size_t n, int64_t max_count);

class RunCheckpoints {
 public:
  // The analyses run where `device` says (runtime/device.h): the models, the labels and the
  // row indices live there; every result they keep is a CPU tensor.
  explicit RunCheckpoints(const std::string& run_path, c10::Device device = at::kCPU);

  const Config& config() const { return config_; }
  int64_t p() const { return config_.p; }
  c10::Device device() const { return device_; }
  const RunReader& reader() const { return reader_; }
  const std::vector<int64_t>& checkpoint_steps() const { return checkpoint_steps_; }
  // The index of the checkpoint at `step` (step < 0: the last); InputError when there is none.
  size_t checkpoint_index(int64_t step) const;

  at::Tensor labels() const { return labels_; }          // [p*p] int64, -1 = invalid pair
  at::Tensor train_rows() const { return train_rows_; }  // grid indices [n_train]
  at::Tensor test_rows() const { return test_rows_; }
  at::Tensor valid_rows() const { return valid_rows_; }

  // The model, at the checkpoint last loaded (initial weights before any).
  Model& model() { return *model_; }
  const Model& model() const { return *model_; }
  // Copies checkpoint `index`'s weights into model().
  void load_checkpoint(size_t index);

  // Calls measure(model, i) for every checkpoint index i in `indices`, with
  // `model` at checkpoint i. On a GPU, one model takes the checkpoints in turn.
  // On the CPU, with more than one LibTorch thread the indices
  // are shared among at::get_num_threads() worker threads, each with its own
  // model and single-threaded ops: two checkpoints at once use two cores
  // better than one checkpoint's ops split in two (bench/bench_probe). Either
  // way every checkpoint is computed by single-threaded ops, so the results
  // do not depend on the thread count. `measure` may write only to per-index
  // slots; checkpoint reads are serialised here. The first exception thrown
  // by any worker stops the others and is rethrown.
  void for_each_checkpoint(const std::vector<size_t>& indices,
                           const std::function<void(Model& model, size_t index)>& measure);

  // measure(model) at every checkpoint index in `indices` (via
  // for_each_checkpoint), returned in the order of `indices`.
  template <class Measure>
  auto measure_checkpoints(const std::vector<size_t>& indices, Measure measure) {
    std::vector<decltype(measure(std::declval<Model&>()))> results(indices.size());
    std::vector<size_t> slot(checkpoint_steps_.size());
    for (size_t j = 0; j < indices.size(); ++j) slot[indices[j]] = j;
    for_each_checkpoint(indices, [&](Model& model, size_t i) { results[slot[i]] = measure(model); });
    return results;
  }

 private:
  void load_into(Model& model, size_t index);
  std::unique_ptr<Model> make_model_here() const;

  RunReader reader_;
  Config config_;
  c10::Device device_;
  std::unique_ptr<Model> model_;
  std::vector<int64_t> checkpoint_steps_;
  at::Tensor labels_, train_rows_, test_rows_, valid_rows_;
  std::mutex read_mutex_;
};

}  // namespace grok
