// run_checkpoints.cpp — load a run's checkpoints and loop over them in parallel.
#include "grok/probe/run_checkpoints.h"

#include <ATen/Parallel.h>
#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "grok/core/error.h"
#include "grok/core/task.h"

namespace grok {

std::vector<size_t> strided_checkpoints(size_t n, int64_t stride) {
  std::vector<size_t> out;
  for (size_t i = 0; i < n; i += static_cast<size_t>(std::max<int64_t>(stride, 1))) out.push_back(i);
  if (n > 0 && out.back() != n - 1) out.push_back(n - 1);
  return out;
}

int64_t stride_for_at_most(size_t n, int64_t max_count) {
  const size_t m = static_cast<size_t>(std::max<int64_t>(max_count, 1));
  return static_cast<int64_t>(std::max<size_t>(1, (n + m - 1) / m));
}

namespace {

[[noreturn]] void damaged(const std::string& path, const std::string& what) {
  throw InputError(path + ": damaged run file (" + what + ")");
}

// The run's config, valid: a damaged file asks for a model within validate()'s bounds at most.
Config valid_config(const RunReader& reader) {
  Config c = reader.config();
  try {
    validate(c);
  } catch (const InputError& e) {
    damaged(reader.path(), e.what());
  }
  return c;
}

// What the analyses index with must fit the grid and the model, checked before any tensor op
// (whose own errors are multi-line) or any checkpoint row is allocated.
void check_consistent(const RunReader& reader, const Config& c, const Model& model, size_t checkpoints,
                      const std::vector<int64_t>& labels, const Split& split) {
  const std::string& path = reader.path();
  if (labels.size() != static_cast<size_t>(c.p * c.p)) damaged(path, "/task/labels is not p x p");
  for (int64_t y : labels)
    if (y < -1 || y >= c.p) damaged(path, "a label outside 0..p-1");
  for (const auto* rows : {&split.train, &split.test})
    for (int64_t i : *rows)
      if (i < 0 || i >= c.p * c.p || labels[static_cast<size_t>(i)] < 0) damaged(path, "a split row outside the grid");
  reading_run(path, [&] {
    h5::Group params = reader.file().root().open_group("checkpoints/params");
    for (const NamedTensor& param : model.parameters()) {
      const h5::Shape shape = params.open_dataset(param.name).shape();
      const h5::Shape want(param.value.sizes().begin(), param.value.sizes().end());
      if (shape.empty() || shape[0] < checkpoints || h5::Shape(shape.begin() + 1, shape.end()) != want)
        damaged(path, "/checkpoints/params/" + param.name + " does not match the config's model");
    }
  });
}

}  // namespace

RunCheckpoints::RunCheckpoints(const std::string& run_path, c10::Device device)
    : reader_(run_path), config_(valid_config(reader_)), device_(device), model_(make_model_here()) {
  checkpoint_steps_ = reader_.checkpoint_steps();
  const std::vector<int64_t> labels = reader_.labels();
  const Split split = reader_.split();
  check_consistent(reader_, config_, *model_, checkpoint_steps_.size(), labels, split);
  labels_ = at::tensor(labels, at::kLong).to(device_);
  train_rows_ = at::tensor(split.train, at::kLong).to(device_);
  test_rows_ = at::tensor(split.test, at::kLong).to(device_);
  valid_rows_ = labels_.ge(0).nonzero().squeeze(1);
}

std::unique_ptr<Model> RunCheckpoints::make_model_here() const {
  std::unique_ptr<Model> model = make_model(config_);
  model->to_device(device_);
  return model;
}

void RunCheckpoints::load_into(Model& model, size_t index) {
  c10::NoGradGuard no_grad;
  std::lock_guard<std::mutex> lock(read_mutex_);  // one reader for all workers
  for (auto& param : model.parameters()) param.value.copy_(reader_.checkpoint_param(index, param.name));
}

size_t RunCheckpoints::checkpoint_index(int64_t step) const {
  if (checkpoint_steps_.empty()) throw InputError("the run has no checkpoints");
  if (step < 0) return checkpoint_steps_.size() - 1;
  for (size_t i = 0; i < checkpoint_steps_.size(); ++i)
    if (checkpoint_steps_[i] == step) return i;
  throw InputError(fmt::format("no checkpoint at step {} (see /checkpoints/step in the run file)", step));
}

void RunCheckpoints::load_checkpoint(size_t index) { load_into(*model_, index); }

void RunCheckpoints::for_each_checkpoint(const std::vector<size_t>& indices,
                                         const std::function<void(Model&, size_t)>& measure) {
  const int64_t workers = std::min<int64_t>(at::get_num_threads(), static_cast<int64_t>(indices.size()));
  if (!device_.is_cpu() || at::get_num_threads() <= 1 || workers < 1) {
    for (size_t i : indices) {
      load_checkpoint(i);
      measure(*model_, i);
    }
    return;
  }
  // Worker w takes indices w, w + workers, ... on its own std::thread and model.
  std::vector<std::unique_ptr<Model>> models;
  for (int64_t w = 0; w < workers; ++w) models.push_back(make_model_here());
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
  auto work = [&](size_t w) {
    // Debian's LibTorch and OpenBLAS both run on OpenMP (libgomp) and size
    // their teams by omp_get_max_threads(), which is per thread: after
    // ATen's own per-thread set-up, one thread here means single-threaded
    // ops and BLAS calls in this worker only.
    at::internal::lazy_init_num_threads();
    omp_set_num_threads(1);
    try {
      for (size_t j = w; j < indices.size() && !failed; j += static_cast<size_t>(workers)) {
        load_into(*models[w], indices[j]);
        measure(*models[w], indices[j]);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> threads;
  for (int64_t w = 0; w < workers; ++w) threads.emplace_back(work, static_cast<size_t>(w));
  for (std::thread& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace grok
