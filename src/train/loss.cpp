// loss.cpp — cross-entropy and MSE losses (see loss.h).
#include "grok/train/loss.h"

#include <fmt/core.h>

#include "grok/core/error.h"

namespace grok {

at::Tensor loss_value(const std::string& loss, const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor x = logits.to(at::kDouble);  // [B, C]
  if (loss == "ce") return at::nll_loss(at::log_softmax(x, -1), labels);
  if (loss == "mse") return at::mse_loss(x, at::one_hot(labels, x.size(-1)).to(at::kDouble));  // mean of B*C terms
  throw InputError(fmt::format("loss must be one of ce | mse, got '{}'", loss));
}

}  // namespace grok
