// run_file.cpp — writing and reading the HDF5 run file (schema v1, docs/run-file.md).
#include "grok/runfile/run_file.h"

#include <fmt/chrono.h>
#include <fmt/core.h>
#include <cmath>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

#include "grok/core/error.h"
#include "grok/core/group.h"
#include "grok/core/task.h"
#include "grok/runfile/tensor_io.h"

namespace grok {
namespace {

struct MetricInfo {
  const char* name;
  const char* units;
  const char* description;
};

const std::vector<MetricInfo>& metric_infos() {
  static const std::vector<MetricInfo> infos = {
      {"train_loss", "nats", "mean cross-entropy on the train pairs, against the labels trained on (float64)"},
      {"test_loss", "nats", "mean cross-entropy on the test pairs (float64)"},
      {"train_acc", "fraction", "argmax accuracy on the train pairs"},
      {"test_acc", "fraction", "argmax accuracy on the test pairs"},
      {"lr", "1", "learning rate of the update that follows this step"},
      {"total_sq_norm", "1", "sum over parameters of the squared Frobenius norm"},
      {"dist_from_init", "1", "L2 distance ||theta - theta_0|| over all parameters"},
      {"wall_time_s", "s", "seconds since training (or this resume) started"},
  };
  return infos;
}

std::string utc_now() { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr))); }

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

// A 1-D int64 dataset 0..n-1 that names an axis (an HDF5 dimension scale).
h5::Dataset index_scale(h5::Group& g, const std::string& name, int64_t n) {
  if (g.exists(name)) return g.open_dataset(name);
  h5::Dataset d = g.create_dataset<int64_t>(name, {static_cast<hsize_t>(n)});
  d.write(iota(n));
  d.make_scale(name);
  return d;
}

// A group task's index <-> element table (core/group.h; docs/run-file.md, "/task"):
// the label of (a, b) is the index of the element a.b.
void write_group(h5::Group& task, const FiniteGroup& g) {
  task.set_attr("group", g.name);
  task.set_attr("group_family", g.family);
  task.set_attr("group_order", g.order);
  task.set_attr("identity", g.identity);
  const auto width = static_cast<hsize_t>(g.elements[0].size());
  h5::Dataset elements = task.create_dataset<int64_t>("elements", {static_cast<hsize_t>(g.order), width});
  std::vector<int64_t> flat;
  for (const auto& e : g.elements) flat.insert(flat.end(), e.begin(), e.end());
  elements.write(flat);
  elements.set_axis_label(0, "element");
  elements.set_axis_label(1, g.family == "symmetric" ? "position" : "component");
  elements.set_attr("description", "element with index i (row i): " + g.element_layout);
  h5::Dataset names = task.create_strings("element_names", g.element_names);
  names.set_axis_label(0, "element");
  names.set_attr("description", g.family == "symmetric"
                                    ? "cycle notation of each element, fixed points left out; () = identity"
                                    : "each element as a word in r and s; e = identity");
  h5::Dataset inverses = task.create_dataset<int64_t>("inverses", {static_cast<hsize_t>(g.order)});
  inverses.write(g.inverses);
  inverses.set_axis_label(0, "element");
  inverses.set_attr("description", "index of the inverse of element i");
}

// An extendable 1-D int64 "step" axis.
h5::Dataset step_scale(h5::Group& g, const std::string& scale_name) {
  h5::Layout layout{{1024}, {H5S_UNLIMITED}, 0};
  h5::Dataset d = g.create_dataset<int64_t>("step", {0}, layout);
  d.make_scale(scale_name);
  d.set_attr("units", "optimizer steps (updates applied before this row's state)");
  return d;
}

void write_config_attrs(h5::Group& g, const Config& c) {
  visit_fields(c, [&](const char*, const char* name, const auto& field, const char*) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, bool>)
      g.set_attr(name, static_cast<int64_t>(field));
    else if constexpr (std::is_same_v<T, AutoFlag>) {
      if (field.is_auto()) throw std::logic_error(std::string("run file config: ") + name + " left at auto");
      g.set_attr(name, static_cast<int64_t>(field.on()));  // resolved (with_implied_settings)
    } else
      g.set_attr(name, field);
  });
}

// Axis names of a tensor after the checkpoint axis: the names the model
// registered it with, or axis_1, axis_2, ... when it has none.
std::vector<std::string> axis_names(const NamedTensor& t) {
  const size_t rank = static_cast<size_t>(t.value.dim());
  if (t.axes.size() == rank) return t.axes;
  std::vector<std::string> generic;
  for (size_t i = 0; i < rank; ++i) generic.push_back("axis_" + std::to_string(i + 1));
  return generic;
}

// Number of leading rows whose step is <= last_step (steps are ascending).
hsize_t rows_up_to(const h5::Dataset& steps, int64_t last_step) {
  std::vector<int64_t> s = steps.read<int64_t>();
  hsize_t n = 0;
  while (n < s.size() && s[n] <= last_step) ++n;
  return n;
}

// Sets the row count of every extendable dataset under `g` (recursively).
void resize_extendable(const h5::Group& g, hsize_t rows) {
  for (const auto& name : g.children()) {
    if (g.is_group(name)) {
      resize_extendable(g.open_group(name), rows);
    } else {
      h5::Dataset d = g.open_dataset(name);
      if (d.extendable()) d.resize_rows(rows);
    }
  }
}

}  // namespace

const std::vector<std::string>& scalar_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& m : metric_infos()) v.emplace_back(m.name);
    return v;
  }();
  return names;
}

// ------------------------------------------------------------------ creation

RunWriter RunWriter::create(const std::string& path, const RunHeader& h) {
  // Built under a temporary name and renamed into place once every group exists and SWMR
  // writing has started: a kill during creation leaves PATH.part, never a half-made run file.
  const std::string part = path + ".part";
  std::error_code ec;
  std::filesystem::remove(part, ec);
  h5::File file = h5::File::create(part, /*swmr_format=*/true);
  h5::Group root = file.root();
  const Config c = with_implied_settings(h.config);  // the file says what ran: no setting left at auto
  root.set_attr("format", "grokscope.run");
  root.set_attr("schema_version", kSchemaVersion);
  root.set_attr("tool", "grokscope grok-train");
  root.set_attr("tool_version", GROK_VERSION);
  root.set_attr("created_utc", utc_now());
  root.set_attr("command_line", h.command_line);
  root.set_attr("config_json", to_json(c).dump());
  root.set_attr("seed", c.seed);
  root.set_attr("data_seed", c.data_seed);
  root.set_attr("status", "running");
  root.set_attr("final_step", int64_t{-1});

  h5::Group config = root.create_group("config");
  write_config_attrs(config, c);

  // Task: the label table over the grid, axes a and b.
  h5::Group task = root.create_group("task");
  task.set_attr("name", h.task.name);
  task.set_attr("p", h.task.p);
  task.set_attr("n_out", h.task.n_out);
  task.set_attr("formula", task_formula(h.task.name));
  h5::Dataset a = index_scale(task, "a", h.task.p), b = index_scale(task, "b", h.task.p);
  h5::Dataset labels =
      task.create_dataset<int64_t>("labels", {static_cast<hsize_t>(h.task.p), static_cast<hsize_t>(h.task.p)});
  labels.write(h.task.labels);
  labels.attach_scale(a, 0);
  labels.attach_scale(b, 1);
  labels.set_attr("description", "label c of the pair (a, b); -1 where the task does not define one");
  if (is_group_task(h.task.name)) write_group(task, *task_group(h.task.name, h.task.p));

  h5::Group split = root.create_group("split");
  split.set_attr("frac_train", c.frac_train);
  split.set_attr("data_seed", c.data_seed);
  split.set_attr("label_noise", c.label_noise);
  for (auto [name, idx] : {std::pair{"train", &h.split.train}, {"test", &h.split.test}}) {
    h5::Dataset d = split.create_dataset<int64_t>(name, {static_cast<hsize_t>(idx->size())});
    d.write(*idx);
    d.set_attr("description", "grid indices i = a*p + b, ascending");
  }
  std::vector<int64_t> train_labels = h.train_labels;
  if (train_labels.empty())
    for (int64_t i : h.split.train) train_labels.push_back(h.task.labels[static_cast<size_t>(i)]);
  h5::Dataset tl = split.create_dataset<int64_t>("train_labels", {static_cast<hsize_t>(train_labels.size())});
  tl.write(train_labels);
  tl.set_attr("description",
              "the label each train pair is trained on, aligned with /split/train: the task's label, or a "
              "random wrong one for the round(label_noise * n_train) noisy pairs");

  // Metrics: one extendable column per quantity, all on the "step" axis.
  h5::Group metrics = root.create_group("metrics");
  h5::Dataset mstep = step_scale(metrics, "step");
  h5::Layout column{{1024}, {H5S_UNLIMITED}, 0};
  for (MetricInfo m : metric_infos()) {
    // The loss columns hold the run's training loss (config loss).
    if (c.loss == "mse" && std::string(m.name) == "train_loss")
      m = {m.name, "1",
           "mean over the train pairs and the p classes of (logit - one_hot(label trained on))^2 (float64)"};
    if (c.loss == "mse" && std::string(m.name) == "test_loss")
      m = {m.name, "1", "mean over the test pairs and the p classes of (logit - one_hot(label))^2 (float64)"};
    if (c.loss == "stablemax" && std::string(m.name) == "train_loss")
      m = {m.name, "nats",
           "mean cross-entropy of the StableMax probabilities on the train pairs, against the labels trained on "
           "(float64)"};
    if (c.loss == "stablemax" && std::string(m.name) == "test_loss")
      m = {m.name, "nats", "mean cross-entropy of the StableMax probabilities on the test pairs (float64)"};
    h5::Dataset d = metrics.create_dataset<double>(m.name, {0}, column);
    d.set_attr("units", m.units);
    d.set_attr("description", m.description);
    d.attach_scale(mstep, 0);
  }
  h5::Group norms = metrics.create_group("param_sq_norm");
  norms.set_attr("description", "squared Frobenius norm of each parameter tensor");
  for (const auto& p : h.params) norms.create_dataset<double>(p.name, {0}, column).attach_scale(mstep, 0);

  // Checkpoints: every parameter gains one row per checkpoint.
  h5::Group ckpt = root.create_group("checkpoints");
  h5::Dataset cstep = step_scale(ckpt, "checkpoint");
  // Every axis named by a scale in /checkpoints (xarray needs all or none);
  // a name already used with another length gets the length appended.
  auto axis_scale = [&](const std::string& axis, int64_t n) {
    std::string name = axis;
    if (ckpt.exists(name) && static_cast<int64_t>(ckpt.open_dataset(name).shape()[0]) != n)
      name += "_" + std::to_string(n);
    return index_scale(ckpt, name, n);
  };
  auto add_rows = [&](h5::Group& g, const std::vector<NamedTensor>& tensors) {
    for (const auto& t : tensors) {
      h5::Dataset d = create_rows(g, t.name, t.value.sizes().vec(), static_cast<int>(c.gzip));
      d.attach_scale(cstep, 0);
      std::vector<std::string> axes = axis_names(t);
      for (size_t i = 0; i < axes.size(); ++i)
        d.attach_scale(axis_scale(axes[i], t.value.size(static_cast<int64_t>(i))), static_cast<unsigned>(i + 1));
    }
  };
  h5::Group ckpt_params = ckpt.create_group("params");
  add_rows(ckpt_params, h.params);
  if (c.checkpoint_optimizer) {
    h5::Group ckpt_opt = ckpt.create_group("optimizer");
    add_rows(ckpt_opt, h.optimizer);
  }

  // Activations: [snapshot, a, b, ...] per hook, every axis a named scale.
  h5::Group acts = root.create_group("activations");
  acts.set_attr("position", "last input position ('=' token for transformers)");
  h5::Dataset astep = step_scale(acts, "snapshot");
  h5::Dataset aa = index_scale(acts, "a", h.task.p), ab = index_scale(acts, "b", h.task.p);
  for (const auto& hook : h.hooks) {
    std::vector<int64_t> item{h.task.p, h.task.p};
    item.insert(item.end(), hook.shape.begin(), hook.shape.end());
    h5::Dataset d = create_rows(acts, hook.name, item, static_cast<int>(c.gzip));
    d.attach_scale(astep, 0);
    d.attach_scale(aa, 1);
    d.attach_scale(ab, 2);
    for (size_t i = 0; i < hook.shape.size(); ++i)
      d.attach_scale(index_scale(acts, hook.axis_names[i], hook.shape[i]), static_cast<unsigned>(3 + i));
  }

  // Resume slots: fixed-size, contiguous, rewritten in place. Written once
  // now so their space is allocated before SWMR mode forbids it.
  h5::Group resume = root.create_group("resume");
  resume.set_attr("description",
                  "latest full training state, two slots written alternately; "
                  "step[k] = -1 marks slot k empty or incomplete");
  resume.create_dataset<int64_t>("step", {2}).write(std::vector<int64_t>{-1, -1});
  resume.create_dataset<int64_t>("optimizer_steps", {2}).write(std::vector<int64_t>{0, 0});
  for (int slot = 0; slot < 2; ++slot) {
    h5::Group g = resume.create_group(fmt::format("slot_{}", slot));
    for (auto [sub, tensors] : {std::pair{"params", &h.params}, {"optimizer", &h.optimizer}}) {
      h5::Group s = g.create_group(sub);
      for (const auto& t : *tensors) {
        h5::Dataset d = s.create_dataset<float>(t.name, shape_of(t.value));
        write_tensor(d, at::zeros_like(t.value));
      }
    }
  }

  RunWriter w(path, std::move(file), h);
  w.file_.start_swmr_write();
  w.lock_ = WriterLock::acquire(part);  // the lock is on the file itself and moves with it
  std::filesystem::rename(part, path, ec);
  if (ec) throw h5::Error("cannot rename " + part + " to " + path + ": " + ec.message());
  return w;
}

RunWriter RunWriter::reopen(const std::string& path, const RunHeader& h, int64_t resume_step, WriterLock lock) {
  h5::File file = h5::File::open(path, h5::Mode::ReadWrite);
  {
    h5::Group root = file.root();
    root.set_attr("status", "running");
    const Config c = with_implied_settings(h.config);
    root.set_attr("config_json", to_json(c).dump());
    root.set_attr("resumed_from_step", resume_step);
    h5::Group config = root.open_group("config");
    write_config_attrs(config, c);
    // Rows from the resume point on describe a trajectory we are about to redo. The rows at
    // the resume step itself go too: the loop records that step again if it is on the
    // schedule, and rows an interruption added off the schedule (Ctrl-C, SIGTERM) vanish,
    // so a resumed run ends bit-identical to one never interrupted.
    auto truncate = [&](const std::string& group) {
      h5::Group g = root.open_group(group);
      hsize_t keep = resume_step > 0 ? rows_up_to(g.open_dataset("step"), resume_step - 1) : 0;
      resize_extendable(g, keep);
    };
    truncate("metrics");
    truncate("checkpoints");
    truncate("activations");
  }
  RunWriter w(path, std::move(file), h);
  w.lock_ = std::move(lock);
  w.file_.start_swmr_write();
  return w;
}

RunWriter::RunWriter(std::string path, h5::File file, const RunHeader& header)
    : path_(std::move(path)), file_(std::move(file)), header_(header) {
  open_datasets();
}

void RunWriter::open_datasets() {
  h5::Group root = file_.root();
  h5::Group metrics = root.open_group("metrics");
  metric_step_ = std::make_unique<h5::Dataset>(metrics.open_dataset("step"));
  for (const auto& name : scalar_metric_names()) metric_scalars_.push_back(metrics.open_dataset(name));
  h5::Group norms = metrics.open_group("param_sq_norm");
  for (const auto& p : header_.params) metric_param_norms_.push_back(norms.open_dataset(p.name));

  h5::Group ckpt = root.open_group("checkpoints");
  ckpt_step_ = std::make_unique<h5::Dataset>(ckpt.open_dataset("step"));
  h5::Group ckpt_params = ckpt.open_group("params");
  for (const auto& p : header_.params) ckpt_params_.push_back(ckpt_params.open_dataset(p.name));
  if (header_.config.checkpoint_optimizer) {
    h5::Group ckpt_opt = ckpt.open_group("optimizer");
    for (const auto& t : header_.optimizer) ckpt_optimizer_.push_back(ckpt_opt.open_dataset(t.name));
  }

  h5::Group acts = root.open_group("activations");
  act_step_ = std::make_unique<h5::Dataset>(acts.open_dataset("step"));
  for (const auto& hook : header_.hooks) activations_.push_back(acts.open_dataset(hook.name));

  h5::Group resume = root.open_group("resume");
  resume_step_ = std::make_unique<h5::Dataset>(resume.open_dataset("step"));
  resume_opt_steps_ = std::make_unique<h5::Dataset>(resume.open_dataset("optimizer_steps"));
  for (int slot = 0; slot < 2; ++slot) {
    h5::Group g = resume.open_group(fmt::format("slot_{}", slot));
    h5::Group gp = g.open_group("params"), go = g.open_group("optimizer");
    resume_params_.emplace_back();
    resume_optimizer_.emplace_back();
    for (const auto& p : header_.params) resume_params_.back().push_back(gp.open_dataset(p.name));
    for (const auto& t : header_.optimizer) resume_optimizer_.back().push_back(go.open_dataset(t.name));
  }
  // Write into the older slot first, so the newest complete one survives a crash.
  std::vector<int64_t> steps = resume_step_->read<int64_t>();
  next_slot_ = steps[0] <= steps[1] ? 0 : 1;
}

// ------------------------------------------------------------------ appends

void RunWriter::append_metrics(const MetricsRow& row) {
  for (size_t i = 0; i < metric_scalars_.size(); ++i) metric_scalars_[i].append(&row.scalars.at(i), 1);
  for (size_t i = 0; i < metric_param_norms_.size(); ++i) metric_param_norms_[i].append(&row.param_sq_norm.at(i), 1);
  metric_step_->append(&row.step, 1);  // last: a live reader never sees a step without its values
}

void RunWriter::append_checkpoint(int64_t step, const std::vector<NamedTensor>& params,
                                  const std::vector<NamedTensor>& optimizer) {
  std::vector<std::pair<h5::Dataset*, at::Tensor>> rows;
  for (size_t i = 0; i < ckpt_params_.size(); ++i) rows.emplace_back(&ckpt_params_[i], params.at(i).value);
  for (size_t i = 0; i < ckpt_optimizer_.size(); ++i) rows.emplace_back(&ckpt_optimizer_[i], optimizer.at(i).value);
  append_rows(rows);
  ckpt_step_->append(&step, 1);
}

void RunWriter::append_activations(int64_t step, const ActivationCache& cache) {
  std::vector<std::pair<h5::Dataset*, at::Tensor>> rows;
  for (size_t i = 0; i < activations_.size(); ++i)
    rows.emplace_back(&activations_[i], cache.at(header_.hooks[i].name));  // [p*p, ...]
  append_rows(rows);
  act_step_->append(&step, 1);
}

void RunWriter::write_resume_state(int64_t step, int64_t optimizer_steps, const std::vector<NamedTensor>& params,
                                   const std::vector<NamedTensor>& optimizer) {
  const int slot = next_slot_;
  std::vector<int64_t> steps = resume_step_->read<int64_t>();
  std::vector<int64_t> opt_steps = resume_opt_steps_->read<int64_t>();
  // Mark the slot incomplete, fill it, then publish its step: a crash in
  // between leaves the other slot as the valid resume point.
  steps[static_cast<size_t>(slot)] = -1;
  resume_step_->write(steps);
  flush();
  for (size_t i = 0; i < params.size(); ++i) write_tensor(resume_params_[slot][i], params[i].value);
  for (size_t i = 0; i < optimizer.size(); ++i) write_tensor(resume_optimizer_[slot][i], optimizer[i].value);
  opt_steps[static_cast<size_t>(slot)] = optimizer_steps;
  resume_opt_steps_->write(opt_steps);
  flush();
  steps[static_cast<size_t>(slot)] = step;
  resume_step_->write(steps);
  flush();
  next_slot_ = 1 - slot;
}

void RunWriter::flush() { file_.flush(); }

// How often finish() tries to reopen the file while readers hold it: 100 ms apart, so 60 s.
constexpr int kFinishAttempts = 600;

void RunWriter::finish(const std::string& status, int64_t final_step) {
  flush();
  metric_step_.reset();
  ckpt_step_.reset();
  act_step_.reset();
  resume_step_.reset();
  resume_opt_steps_.reset();
  metric_scalars_.clear();
  metric_param_norms_.clear();
  ckpt_params_.clear();
  ckpt_optimizer_.clear();
  activations_.clear();
  resume_params_.clear();
  resume_optimizer_.clear();
  file_.close();
  // Attributes cannot change in SWMR mode: stamp them in a normal session. HDF5 refuses that
  // session while an SWMR reader (grok-probe watch, h5py) has the file open; readers come
  // and go, so wait for a gap rather than fail a finished run (the writer lock still holds).
  h5::File f = [&] {
    for (int attempt = 1;; ++attempt) {
      try {
        return h5::File::open(path_, h5::Mode::ReadWrite);
      } catch (const h5::Error&) {
        if (attempt == kFinishAttempts) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }();
  h5::Group root = f.root();
  root.set_attr("status", status);
  root.set_attr("final_step", final_step);
  root.set_attr("finished_utc", utc_now());
  f.close();
}

RunWriter::~RunWriter() = default;

void check_hdf5_in_child(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || !h5::is_hdf5(path)) return;
  try {
    h5::check_metadata_in_child(path);
  } catch (const h5::Error& e) {
    throw InputError(e.what());
  }
}

bool clear_stale_write_flag(const std::string& path) {
  if (!h5::open_for_write_flag(path)) return false;
  try {
    h5::clear_open_for_write_flag(path);
  } catch (const h5::Error&) {
    // Not a flag after all: HDF5 cannot open the file at all (it was cut short or overwritten).
    throw InputError(path + " cannot be opened: truncated or damaged HDF5 file");
  }
  return true;
}

Recovery recover_run(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  if (!h5::is_hdf5(path)) throw InputError(path + " is not an HDF5 file");
  WriterLock lock = WriterLock::acquire(path);
  Recovery r;
  r.flag_was_set = clear_stale_write_flag(path);
  check_hdf5_in_child(path);
  h5::File file = h5::File::open(path, h5::Mode::ReadWrite);
  h5::Group root = file.root();
  if (!root.has_attr("format") || root.attr_string("format") != "grokscope.run")
    throw InputError(path + " is not a grokscope run file");
  r.status_before = root.has_attr("status") ? root.attr_string("status") : "";
  if (r.status_before == "running") root.set_attr("status", "interrupted");
  file.close();
  return r;
}

// ------------------------------------------------------------------ reading

void throw_damaged_run(const std::string& path, const std::exception& e) {
  throw InputError(fmt::format("{}: damaged run file ({})", path, e.what()));
}

namespace {

h5::File open_run(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  if (!h5::is_hdf5(path)) throw InputError(path + " is not an HDF5 file");
  // A finished run opens as a plain reader; one being written (or whose writer was killed) only
  // as an SWMR reader, which retries damaged metadata (see h5::File::open): so plain first.
  h5::File f = [&] {
    try {
      return h5::File::open(path, h5::Mode::ReadOnly);
    } catch (const h5::Error&) {
      try {
        return h5::File::open(path, h5::Mode::ReadSwmr);
      } catch (const h5::Error&) {
        throw InputError(path + " cannot be opened: truncated or damaged HDF5 file");
      }
    }
  }();
  reading_run(path, [&] {
    h5::Group root = f.root();
    if (!root.has_attr("format") || root.attr_string("format") != "grokscope.run")
      throw InputError(path + " is an HDF5 file but not a grokscope run file");
    int64_t version = root.attr_int("schema_version");
    if (version > kSchemaVersion)
      throw InputError(
          fmt::format("{} has schema version {}; this grokscope reads up to {}", path, version, kSchemaVersion));
  });
  return f;
}

}  // namespace

RunReader::RunReader(const std::string& path) : path_(path), file_(open_run(path)) {}

int64_t RunReader::schema_version() const {
  return reading_run(path_, [&] { return file_.root().attr_int("schema_version"); });
}

Config RunReader::config() const {
  return reading_run(path_, [&] {
    return config_from_json(nlohmann::json::parse(file_.root().attr_string("config_json")), run_file_defaults());
  });
}

std::string RunReader::status() const {
  return reading_run(path_, [&] { return file_.root().attr_string("status"); });
}

std::vector<int64_t> RunReader::labels() const {
  return reading_run(path_, [&] { return file_.root().open_dataset("task/labels").read<int64_t>(); });
}

Split RunReader::split() const {
  return reading_run(path_, [&] {
    h5::Group g = file_.root().open_group("split");
    return Split{g.open_dataset("train").read<int64_t>(), g.open_dataset("test").read<int64_t>()};
  });
}

std::vector<int64_t> RunReader::train_labels() const {
  return reading_run(path_, [&] {
    h5::Group g = file_.root().open_group("split");
    if (g.exists("train_labels")) return g.open_dataset("train_labels").read<int64_t>();
    std::vector<int64_t> all = labels(), out;
    for (int64_t i : g.open_dataset("train").read<int64_t>()) {
      if (i < 0 || static_cast<size_t>(i) >= all.size()) throw h5::Error("train pair outside the grid");
      out.push_back(all[static_cast<size_t>(i)]);
    }
    return out;
  });
}

std::vector<int64_t> RunReader::metric_steps() const {
  return reading_run(path_, [&] { return file_.root().open_dataset("metrics/step").read<int64_t>(); });
}

namespace {

// A column of /metrics, one value per row of /metrics/step: a live run's columns may be a row
// ahead of the step axis (appended last), a damaged file's behind it.
std::vector<double> metric_column(const h5::Group& metrics, const std::string& name, size_t rows) {
  std::vector<double> v = metrics.open_dataset(name).read<double>();
  if (v.size() < rows) throw h5::Error("/metrics/" + name + " has fewer rows than /metrics/step");
  v.resize(rows);
  return v;
}

}  // namespace

std::vector<double> RunReader::metric(const std::string& name) const {
  return reading_run(path_, [&] {
    h5::Group metrics = file_.root().open_group("metrics");
    return metric_column(metrics, name, metrics.open_dataset("step").read<int64_t>().size());
  });
}

std::vector<double> RunMetrics::total_norm() const {
  std::vector<double> out;
  for (double s : total_sq_norm) out.push_back(std::sqrt(s));
  return out;
}

RunMetrics RunReader::metrics() const {
  return reading_run(path_, [&] { return read_metrics(); });
}

RunMetrics RunReader::read_metrics() const {
  RunMetrics m;
  m.steps = metric_steps();
  h5::Group metrics = file_.root().open_group("metrics");
  for (auto [name, field] : {std::pair{"train_loss", &m.train_loss},
                             {"test_loss", &m.test_loss},
                             {"train_acc", &m.train_acc},
                             {"test_acc", &m.test_acc},
                             {"lr", &m.lr},
                             {"total_sq_norm", &m.total_sq_norm},
                             {"dist_from_init", &m.dist_from_init},
                             {"wall_time_s", &m.wall_time_s}})
    *field = metric_column(metrics, name, m.steps.size());
  h5::Group norms = metrics.open_group("param_sq_norm");
  for (const auto& name : norms.children()) {
    std::vector<double> v = metric_column(norms, name, m.steps.size());
    m.param_sq_norm.push_back({name, at::tensor(v, at::kDouble), {"step"}});
  }
  return m;
}

std::vector<int64_t> RunReader::checkpoint_steps() const {
  return reading_run(path_, [&] { return file_.root().open_dataset("checkpoints/step").read<int64_t>(); });
}

at::Tensor RunReader::checkpoint_param(size_t index, const std::string& name) const {
  return reading_run(
      path_, [&] { return read_tensor_row(file_.root().open_group("checkpoints/params").open_dataset(name), index); });
}

std::vector<int64_t> RunReader::activation_steps() const {
  return reading_run(path_, [&] { return file_.root().open_dataset("activations/step").read<int64_t>(); });
}

at::Tensor RunReader::activation(size_t index, const std::string& hook) const {
  return reading_run(path_,
                     [&] { return read_tensor_row(file_.root().open_group("activations").open_dataset(hook), index); });
}

ResumeState RunReader::resume_state(int64_t at_most) const {
  return reading_run(path_, [&] { return read_resume_state(at_most); });
}

ResumeState RunReader::read_resume_state(int64_t at_most) const {
  h5::Group resume = file_.root().open_group("resume");
  std::vector<int64_t> steps = resume.open_dataset("step").read<int64_t>();
  std::vector<int64_t> opt_steps = resume.open_dataset("optimizer_steps").read<int64_t>();
  if (steps.size() != 2 || opt_steps.size() != 2) throw h5::Error("/resume/step must hold two slots");
  ResumeState s;
  auto usable = [&](int i) { return steps[static_cast<size_t>(i)] >= 0 && steps[static_cast<size_t>(i)] <= at_most; };
  if (!usable(0) && !usable(1)) return s;
  const int slot = !usable(1) ? 0 : !usable(0) ? 1 : steps[0] >= steps[1] ? 0 : 1;
  s.step = steps[static_cast<size_t>(slot)];
  s.optimizer_steps = opt_steps[static_cast<size_t>(slot)];
  h5::Group g = resume.open_group(fmt::format("slot_{}", slot));
  for (auto [sub, out] : {std::pair{"params", &s.params}, {"optimizer", &s.optimizer}}) {
    h5::Group gs = g.open_group(sub);
    for (const auto& name : gs.children()) out->push_back({name, read_tensor(gs.open_dataset(name)), {}});
  }
  return s;
}

}  // namespace grok
