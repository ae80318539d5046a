// neuron_phases.h — Gromov (2023)'s analytic solution for modular addition, checked neuron by neuron.
//
// In Gromov's solution (a one-hidden-layer MLP with x^2 activation), neuron n reads
//   in_a[x, n] = A cos(w_f x + phi_a),  in_b[x, n] = B cos(w_f x + phi_b),
// and writes  out[n, q] = C cos(w_f q + psi),  with psi = phi_a + phi_b (mod 2 pi):
// (u + v)^2 holds 2 u v, whose term cos(w_f (a + b) + phi_a + phi_b) times the output wave
// peaks at q = a + b in every neuron, whatever its phases. w_f = 2 pi f / p.
//
// Measured per neuron: f = the frequency (1..floor(p/2)) with the most Fourier norm in in_a
// and in_b together; each phase = arg of sum_x W[x] e^{-i w_f x}; alignment = cos(phi_a +
// phi_b - psi), 1 for Gromov's solution and about 0 on average for unrelated phases.
// The summary is the mean alignment weighted by |in_a^(f)| |in_b^(f)| |out^(f)| (the size of
// the neuron's contribution to the frequency-f wave of the logits), so dead neurons do not count.
#pragma once

#include <ATen/ATen.h>

namespace grok {

struct NeuronPhases {
  at::Tensor frequency;                    // [M] int64, 1-based
  at::Tensor phase_a, phase_b, phase_out;  // [M] float64, radians in (-pi, pi]
  at::Tensor alignment;                    // [M] float64: cos(phase_a + phase_b - phase_out)
  at::Tensor weight;                       // [M] float64: |in_a^(f)| |in_b^(f)| |out^(f)|
  double mean_alignment = 0;               // sum(weight * alignment) / sum(weight); NaN if all weights are 0
};

// in_a, in_b [p, M]: how numbers a and b reach each neuron's pre-activation; out [M, p]: how
// each neuron reaches the logits. p odd (every frequency has a cos and a sin row).
NeuronPhases neuron_phases(const at::Tensor& in_a, const at::Tensor& in_b, const at::Tensor& out);

}  // namespace grok
