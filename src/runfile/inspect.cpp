// inspect.cpp — a run file's contents in human terms.
#include "grok/runfile/inspect.h"

#include <fmt/core.h>

#include <filesystem>

#include "grok/core/task.h"
#include "grok/model/model.h"
#include "grok/story/milestones.h"
#include "grok/story/thresholds.h"

namespace grok {
namespace {

std::string step_list(const std::vector<int64_t>& steps) {
  if (steps.size() <= 12) {
    std::string s;
    for (int64_t x : steps) s += (s.empty() ? "" : ", ") + std::to_string(x);
    return s;
  }
  std::string s;
  for (size_t i = 0; i < 5; ++i) s += std::to_string(steps[i]) + ", ";
  s += "...";
  for (size_t i = steps.size() - 3; i < steps.size(); ++i) s += ", " + std::to_string(steps[i]);
  return s;
}

nlohmann::ordered_json facts(const RunReader& reader, const std::string& path) {
  const Config c = reader.config();
  h5::Group root = reader.file().root();
  nlohmann::ordered_json j;
  std::error_code ec;
  auto bytes = std::filesystem::file_size(path, ec);
  j["path"] = path;
  j["size_bytes"] = ec ? 0 : static_cast<int64_t>(bytes);
  j["schema_version"] = reader.schema_version();
  j["tool_version"] = root.attr_string("tool_version");
  j["created_utc"] = root.attr_string("created_utc");
  j["status"] = reader.status();
  j["task"] = c.task;
  j["p"] = c.p;
  Split split = reader.split();
  j["n_train"] = split.train.size();
  j["n_test"] = split.test.size();
  j["model"] = c.model;
  j["config"] = to_json(c);
  int64_t n_params = 0;
  h5::Group params = root.open_group("checkpoints/params");
  for (const auto& name : params.children()) n_params += static_cast<int64_t>(params.open_dataset(name).row_elements());
  j["parameters"] = n_params;
  std::vector<int64_t> steps = reader.metric_steps();
  j["steps_trained"] = steps.empty() ? 0 : steps.back();
  j["metric_rows"] = steps.size();
  j["checkpoint_steps"] = reader.checkpoint_steps();
  j["activation_steps"] = reader.activation_steps();
  nlohmann::ordered_json hooks = nlohmann::ordered_json::object();
  h5::Group acts = root.open_group("activations");
  for (const auto& name : acts.children()) {
    h5::Dataset d = acts.open_dataset(name);
    if (d.shape().size() >= 3) {
      h5::Shape s = d.shape();
      hooks[name] = std::vector<hsize_t>(s.begin() + 1, s.end());
    }
  }
  j["hooks"] = hooks;
  AccuracyMilestones m = accuracy_milestones(steps, reader.metric("train_acc"), reader.metric("test_acc"));
  j["t_mem"] = m.t_mem ? nlohmann::ordered_json(*m.t_mem) : nlohmann::ordered_json(nullptr);
  j["t_grok"] = m.t_grok ? nlohmann::ordered_json(*m.t_grok) : nlohmann::ordered_json(nullptr);
  j["grokked"] = grokked(m);
  j["model_description"] = make_model(c)->describe();
  j["final_test_acc"] = steps.empty() ? 0.0 : reader.metric("test_acc").back();
  return j;
}

}  // namespace

nlohmann::ordered_json inspect_run(const RunReader& reader, const std::string& path) {
  return reading_run(path, [&] { return facts(reader, path); });
}

std::string format_inspection(const nlohmann::ordered_json& j) {
  const auto& c = j["config"];
  std::string s;
  s += fmt::format("run file     {} ({:.1f} MB), schema {}, grokscope {}, created {}\n", j["path"].get<std::string>(),
                   j["size_bytes"].get<double>() / 1e6, j["schema_version"].get<int64_t>(),
                   j["tool_version"].get<std::string>(), j["created_utc"].get<std::string>());
  s += fmt::format("status       {}; {} steps trained (config: {})\n", j["status"].get<std::string>(),
                   with_commas(j["steps_trained"].get<int64_t>()), with_commas(c["steps"].get<int64_t>()));
  s += fmt::format("task         {}: {} train pairs, {} test pairs (frac_train {}, data seed {})\n",
                   task_title(j["task"].get<std::string>(), j["p"].get<int64_t>()), j["n_train"].get<int64_t>(),
                   j["n_test"].get<int64_t>(), c["frac_train"].get<double>(), c["data_seed"].get<int64_t>());
  s += fmt::format("model        {}; {} parameters\n", j["model_description"].get<std::string>(),
                   with_commas(j["parameters"].get<int64_t>()));
  s += fmt::format(
      "optimizer    {} lr {} weight decay {}, {} (model seed {})\n", c["optimizer"].get<std::string>(),
      c["lr"].get<double>(), c["weight_decay"].get<double>(),
      c["batch_size"].get<int64_t>() == 0 ? "full batch" : "batch " + std::to_string(c["batch_size"].get<int64_t>()),
      c["seed"].get<int64_t>());
  s += fmt::format("metrics      {} rows (every {} steps)\n", j["metric_rows"].get<int64_t>(),
                   c["eval_every"].get<int64_t>());
  auto ckpt = j["checkpoint_steps"].get<std::vector<int64_t>>();
  s += fmt::format("checkpoints  {} at steps {}\n", ckpt.size(), step_list(ckpt));
  auto acts = j["activation_steps"].get<std::vector<int64_t>>();
  s += fmt::format("activations  {} snapshots at steps {}\n", acts.size(), step_list(acts));
  for (const auto& [name, shape] : j["hooks"].items()) {
    std::string dims;
    for (const auto& d : shape) dims += (dims.empty() ? "" : " x ") + std::to_string(d.get<int64_t>());
    s += fmt::format("             {} [{}]\n", name, dims);
  }
  if (j["grokked"].get<bool>())
    s += fmt::format("grokked      yes: train accuracy >= {} at step {}, test accuracy >= {} at step {}\n",
                     percent(kMemorisedAccuracy), with_commas(j["t_mem"].get<int64_t>()), percent(kGrokAccuracy),
                     with_commas(j["t_grok"].get<int64_t>()));
  else
    s += fmt::format("grokked      no: final test accuracy {:.1f}%{}\n", 100 * j["final_test_acc"].get<double>(),
                     j["t_mem"].is_null() ? " (did not memorise either)" : "");
  return s;
}

}  // namespace grok
