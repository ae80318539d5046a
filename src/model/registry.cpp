// registry.cpp — every model family grok-train can build: adding a model is its own
// file (a Model subclass) plus one line in kFamilies below.
#include <fmt/core.h>

#include "grok/core/error.h"
#include "grok/model/mlp.h"
#include "grok/model/model.h"
#include "grok/model/transformer.h"

namespace grok {
namespace {

template <class M>
std::unique_ptr<Model> build(const Config& config) {
  return std::make_unique<M>(config);
}

const std::vector<ModelFamily> kFamilies = {
    {"transformer", "Nanda et al. 2023: embeddings, attention + MLP blocks, no LayerNorm", build<Transformer>},
    {"mlp", "Gromov 2023 / Liu et al. 2022: one-hot or embedded inputs, one hidden layer", build<Mlp>},
};

}  // namespace

const std::vector<ModelFamily>& model_families() { return kFamilies; }

std::string models_listing() {
  std::string s = "Models:\n";
  for (const ModelFamily& f : kFamilies) s += fmt::format("  {:<14} {}\n", f.name, f.description);
  return s;
}

std::unique_ptr<Model> make_model(const Config& config) {
  std::string known;
  for (const ModelFamily& f : kFamilies) {
    known += (known.empty() ? "" : ", ") + f.name;
    if (f.name != config.model) continue;
    std::unique_ptr<Model> model = f.build(config);
    if (config.init_scale != 1.0) {  // Omnigrok's alpha: every initial weight times init_scale
      c10::NoGradGuard no_grad;
      for (NamedTensor& p : model->parameters()) p.value.mul_(config.init_scale);
    }
    return model;
  }
  throw InputError(fmt::format("unknown model '{}' (known: {})", config.model, known));
}

}  // namespace grok
