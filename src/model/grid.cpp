// grid.cpp — a model evaluated on the full input grid.
#include "grok/model/grid.h"

namespace grok {

at::Tensor grid_logits(const Model& model, ActivationCache* cache) {
  c10::NoGradGuard no_grad;
  return model.forward(grid_pairs(model.p(), model.device()), cache);
}

}  // namespace grok
