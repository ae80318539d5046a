// run_model.h — a run file's model at any checkpoint, and a parallel loop over checkpoints.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "grok/config.h"
#include "grok/grid_model.h"
#include "grok/run_file.h"

namespace grok {

class RunModel {
 public:
  explicit RunModel(const std::string& run_path);

  const Config& config() const { return config_; }
  int64_t p() const { return config_.p; }
  const RunReader& reader() const { return reader_; }
  const std::vector<int64_t>& checkpoint_steps() const { return checkpoint_steps_; }

  at::Tensor labels() const { return labels_; }          // [p*p] int64, -1 = invalid pair
  at::Tensor train_rows() const { return train_rows_; }  // grid indices [n_train]
  at::Tensor test_rows() const { return test_rows_; }
  at::Tensor valid_rows() const { return valid_rows_; }

  // The model, at the checkpoint last loaded.
  GridModel& grid_model() { return model_; }
  Model& model() { return model_.model(); }
  std::string neuron_hook() const { return model_.neuron_hook(); }
  // Copies checkpoint `index`'s weights into grid_model().
  void load_checkpoint(size_t index);
  // Shorthands for grid_model().grid_logits() etc.
  at::Tensor grid_logits(ActivationCache* cache = nullptr) const { return model_.grid_logits(cache); }
  at::Tensor number_embedding() const { return model_.number_embedding(); }

  // Calls measure(model, i) for every checkpoint index i in `indices`, with
  // `model` at checkpoint i. With more than one LibTorch thread the indices
  // are shared among at::get_num_threads() worker threads, each with its own
  // model and single-threaded ops: two checkpoints at once use two cores
  // better than one checkpoint's ops split in two (bench/bench_probe). Either
  // way every checkpoint is computed by single-threaded ops, so the results
  // do not depend on the thread count. `measure` may write only to per-index
  // slots; checkpoint reads are serialised here. The first exception thrown
  // by any worker stops the others and is rethrown.
  void for_each_checkpoint(const std::vector<size_t>& indices,
                           const std::function<void(GridModel& model, size_t index)>& measure);

  // measure(model) at every checkpoint index in `indices` (via
  // for_each_checkpoint), returned in the order of `indices`.
  template <class Measure>
  auto measure_checkpoints(const std::vector<size_t>& indices, Measure measure) {
    std::vector<decltype(measure(std::declval<GridModel&>()))> results(indices.size());
    std::vector<size_t> slot(checkpoint_steps_.size());
    for (size_t j = 0; j < indices.size(); ++j) slot[indices[j]] = j;
    for_each_checkpoint(indices, [&](GridModel& model, size_t i) { results[slot[i]] = measure(model); });
    return results;
  }

 private:
  void load_into(GridModel& model, size_t index);

  RunReader reader_;
  Config config_;
  GridModel model_;
  std::vector<int64_t> checkpoint_steps_;
  at::Tensor labels_, train_rows_, test_rows_, valid_rows_;
  std::mutex read_mutex_;
};

}  // namespace grok
