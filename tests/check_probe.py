#!/usr/bin/env python3
"""check_probe.py GROK_PROBE RUN.h5 — grok-probe on a run that grokked tells the known story.

Checks (Nanda et al. 2023 at demo scale; docs/probe-file.md): the phases are ordered
memorisation_end < cleanup_start <= t_grok (cleanup begins before test accuracy
reaches 99%) and circuit formation lies between them; restricted test loss falls below chance before the
test loss does; excluded train loss rises above the train loss; key
frequencies exist and the logit projections agree with them; Debian's h5py
reads the probe file with its dimension scales.
"""
import json
import math
import subprocess
import sys

import h5py
import numpy as np

probe, run = sys.argv[1], sys.argv[2]
out = run.replace(".h5", ".probe.h5")


def grok_probe(*args):
    return json.loads(subprocess.run([probe, *args, run, "--json"], check=True, capture_output=True, text=True).stdout)


summary = grok_probe("summary")
for key in ["t_mem", "t_grok", "accuracy_milestones", "memorisation_end", "circuit_formation_start",
            "circuit_formation_end", "cleanup_start", "cleanup_end", "t_restricted_separates", "t_excluded_rise",
            "key_frequencies", "story"]:
    assert key in summary, key
assert summary["memorisation_end"] < summary["cleanup_start"] <= summary["t_grok"], summary
if summary["circuit_formation_start"] is not None:
    assert summary["circuit_formation_start"] == summary["memorisation_end"], summary
    assert summary["circuit_formation_end"] == summary["cleanup_start"], summary
assert summary["key_frequencies"], "no key frequencies on a grokked run"
assert "Generalised" in summary["story"]

fourier = grok_probe("fourier")
steps = np.array(fourier["steps"])
curves = {k: np.array(v, dtype=float) for k, v in fourier["curves"].items() if k in
          ("test_loss", "train_loss", "restricted_loss_test", "excluded_loss_train")}
p = json.loads(h5py.File(run, "r").attrs["config_json"])["p"]
chance = math.log(p)
r_below = steps[np.argmax(curves["restricted_loss_test"] < chance)]
t_below = steps[np.argmax((curves["test_loss"] < chance) & (steps > steps[np.argmax(curves["test_loss"])]))]
assert r_below < t_below, (r_below, t_below)
assert (curves["excluded_loss_train"] > curves["train_loss"] + 1.0).any(), "excluded loss never rose above train loss"
keys = fourier["attrs"]["key_frequencies"]
ranked = fourier["attrs"]["frequencies_by_logit_projection"][: len(keys)]
assert len(set(keys) & set(ranked)) >= len(keys) - 1, (keys, ranked)
assert fourier["curves"]["trig_fit_cosine"][-1] > 0.8

# Restricted and excluded loss recomputed here, independently of grok-probe, from the logits
# grok-train recorded at the final step (the definitions of docs/probe-file.md written out):
# restricted = sum_k P_k L plus the per-answer mean of the rest, cross-entropy on TEST pairs;
# excluded = L - sum_k P_k L, cross-entropy on TRAIN pairs. Swapping the pair sets fails here.
with h5py.File(run, "r") as f:
    assert f["activations/step"][-1] == steps[-1]
    L = f["activations/logits"][-1].astype(np.float64).reshape(p * p, p)
    labels = f["task/labels"][:].reshape(-1)
    train, test = f["split/train"][:], f["split/test"][:]
a, b = np.divmod(np.arange(p * p), p)


def projection(frequencies):
    """sum_k P_k L: the part of L that depends on a + b through the frequencies, built explicitly."""
    out = np.zeros_like(L)
    for k in frequencies:
        for wave in (np.cos, np.sin):
            u = wave(2 * np.pi * k * (a + b) / p)
            u /= np.linalg.norm(u)
            out += np.outer(u, u @ L)
    return out


proj = projection(keys)
restricted = proj + (L - proj).mean(axis=0, keepdims=True)
excluded = L - proj


def ce(logits, rows):
    z = logits[rows] - logits[rows].max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(rows)), labels[rows]]))


for name, mine in (("restricted_loss_test", ce(restricted, test)), ("excluded_loss_train", ce(excluded, train))):
    theirs = fourier["curves"][name][-1]
    assert math.isclose(mine, theirs, rel_tol=1e-4, abs_tol=1e-6), (name, mine, theirs)

# The null baseline, recomputed the same way for the sets grok-probe drew (final step, TEST pairs):
# restricted loss on |K| random non-key frequencies, mean over the sets.
sets = fourier["attrs"]["null_frequency_sets"]
assert len(sets) == fourier["attrs"]["null_draws"] >= 20 and all(not set(s) & set(keys) for s in sets)
null_losses = []
for s in sets:
    proj_s = projection(s)
    null_losses.append(ce(proj_s + (L - proj_s).mean(axis=0, keepdims=True), test))
theirs = fourier["curves"]["restricted_loss_test_null_mean"][-1]
assert math.isclose(float(np.mean(null_losses)), theirs, rel_tol=1e-4), (np.mean(null_losses), theirs)
# Drift: the key set comes from the last checkpoint, so there it is the key set itself.
last_keys = [k + 1 for k, v in enumerate(fourier["curves"]["key_frequency_now"][-1]) if v == 1]
assert last_keys == keys, (last_keys, keys)
assert fourier["curves"]["key_set_overlap"][-1] == 1.0
# A grokked run's circuit separates from the null band before cleanup begins.
assert summary["t_restricted_separates"] is not None and summary["t_restricted_separates"] < summary["cleanup_start"]

with h5py.File(out, "r") as f:
    assert f.attrs["format"] == "grokscope.probe"
    g = f["fourier"]
    assert list(g.attrs["key_frequencies"]) == keys
    r = g["restricted_loss_test"]
    assert r.shape == (len(steps),) and r.dims[0][0].name.endswith("/step")
    assert g["embed_fourier_norm"].dims[1][0][0] == 1  # the frequency axis starts at k = 1
    assert "story" in f["phases"].attrs
print(f"memorisation ends {summary['memorisation_end']}, cleanup {summary['cleanup_start']}-{summary['cleanup_end']}, "
      f"t_grok {summary['t_grok']}; key frequencies {keys}; "
      f"restricted test loss below chance at {r_below}, test loss at {t_below}")
