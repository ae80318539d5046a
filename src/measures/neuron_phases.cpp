// neuron_phases.cpp — Gromov's phase relation per neuron (see neuron_phases.h).
#include "grok/measures/neuron_phases.h"

#include <cmath>
#include <limits>

#include "grok/measures/fourier.h"

namespace grok {
namespace {

// For W [p, M] and each column's frequency f [M] (1-based): the coefficients
// c = sum_x W[x] cos(w_f x) and s = sum_x W[x] sin(w_f x), as phase atan2(-s, c) and
// amplitude sqrt(c^2 + s^2) (both [M]): W[x] = A cos(w_f x + phi) has c + i(-s) = (A p / 2) e^{i phi}.
struct Wave {
  at::Tensor phase, amplitude;
};
Wave wave_at(const at::Tensor& W, const at::Tensor& f) {
  const int64_t p = W.size(0);
  const at::Tensor x = at::arange(p, W.options()).unsqueeze(1);                  // [p, 1]
  const at::Tensor angle = x * f.to(at::kDouble).unsqueeze(0) * (2 * M_PI / p);  // [p, M]
  const at::Tensor c = (W * angle.cos()).sum(0), s = (W * angle.sin()).sum(0);   // [M]
  return {at::atan2(-s, c), (c * c + s * s).sqrt()};
}

}  // namespace

NeuronPhases neuron_phases(const at::Tensor& in_a, const at::Tensor& in_b, const at::Tensor& out) {
  const at::Tensor a = in_a.to(at::kDouble), b = in_b.to(at::kDouble);  // [p, M]
  const at::Tensor o = out.to(at::kDouble).t();                         // [p, M]
  NeuronPhases r;
  const at::Tensor power = fourier_norms_per_column(a) + fourier_norms_per_column(b);  // [n_freq, M]
  r.frequency = power.argmax(0) + 1;
  const Wave wa = wave_at(a, r.frequency), wb = wave_at(b, r.frequency), wo = wave_at(o, r.frequency);
  r.phase_a = wa.phase, r.phase_b = wb.phase, r.phase_out = wo.phase;
  r.alignment = (wa.phase + wb.phase - wo.phase).cos();
  r.weight = wa.amplitude * wb.amplitude * wo.amplitude;
  const double total = r.weight.sum().item<double>();
  r.mean_alignment =
      total > 0 ? (r.weight * r.alignment).sum().item<double>() / total : std::numeric_limits<double>::quiet_NaN();
  return r;
}

}  // namespace grok
