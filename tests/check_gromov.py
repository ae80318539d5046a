#!/usr/bin/env python3
"""check_gromov.py GROK_TRAIN GROK_PROBE DIR — a trained quadratic MLP matches Gromov's analytic solution.

Trains the gromov2023 preset at CI scale (p 31, 256 neurons), runs grok-probe fourier, and
checks its per-neuron phase relation against NumPy's FFT of the checkpointed weights,
computed here independently: per neuron the frequency f with the most power in its a- and
b-input weights, phases phi = angle(fft(w)[f]), alignment cos(phi_a + phi_b - psi), and
their mean weighted by |A||B||C|. At initialisation the phases are unrelated (|mean| small);
the grokked network has psi = phi_a + phi_b in nearly every neuron (mean > 0.95).
"""
import json
import subprocess
import sys

import h5py
import numpy as np

train, probe, out = sys.argv[1:4]
run = f"{out}/gromov.h5"
subprocess.run([train, "--preset", "gromov2023", "--p", "31", "--d-mlp", "256", "--threads", "1", "--activation-log",
                "0", "--out", run, "--force", "--quiet"], check=True)
fourier = json.loads(subprocess.run([probe, "fourier", run, "--json"], check=True, capture_output=True,
                                    text=True).stdout)
curves = fourier["curves"]
values = lambda name: np.array(curves[name]["values"] if isinstance(curves[name], dict) else curves[name])
ours_mean, ours_neuron = values("gromov_phase_alignment"), values("neuron_phase_alignment")

with h5py.File(run, "r") as f:
    p = int(f["config"].attrs["p"])
    steps = f["checkpoints/step"][:]
    w_in, w_u = f["checkpoints/params/mlp.W_in"][:], f["checkpoints/params/unembed.W_U"][:]
    test_acc = f["metrics/test_acc"][:]
assert test_acc[-1] >= 0.99, f"the CI-scale Gromov run did not grok (test accuracy {test_acc[-1]})"
assert list(steps) == fourier["steps"], "grok-probe analysed other checkpoints"


def numpy_phases(w_in, w_u):
    fa, fb = np.fft.fft(w_in[:p].astype(np.float64), axis=0), np.fft.fft(w_in[p:].astype(np.float64), axis=0)
    fo = np.fft.fft(w_u.astype(np.float64), axis=1).T  # [p, M]: output wave of each neuron
    k = np.arange(1, p // 2 + 1)
    f = k[np.argmax(np.abs(fa[k]) ** 2 + np.abs(fb[k]) ** 2, axis=0)]
    n = np.arange(w_in.shape[1])
    a, b, o = fa[f, n], fb[f, n], fo[f, n]
    align = np.cos(np.angle(a) + np.angle(b) - np.angle(o))
    weight = np.abs(a) * np.abs(b) * np.abs(o)
    return align, float((weight * align).sum() / weight.sum())


for i in (0, len(steps) // 2, len(steps) - 1):
    align, mean = numpy_phases(w_in[i], w_u[i])
    assert np.allclose(ours_neuron[i], align, atol=1e-6), f"per-neuron alignment differs from NumPy at step {steps[i]}"
    assert abs(ours_mean[i] - mean) < 1e-6, (steps[i], ours_mean[i], mean)
assert abs(ours_mean[0]) < 0.3, f"phases at initialisation already aligned: {ours_mean[0]}"
assert ours_mean[-1] > 0.95, f"the grokked quadratic MLP is not Gromov's solution: {ours_mean[-1]}"
print(f"gromov: p {p}, grokked; phase alignment {ours_mean[0]:.3f} at step 0 -> {ours_mean[-1]:.3f} at step "
      f"{steps[-1]} (NumPy agrees to 1e-6)")
