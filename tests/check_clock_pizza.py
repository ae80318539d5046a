#!/usr/bin/env python3
"""check_clock_pizza.py GROK_TRAIN GROK_PROBE DIR — attention rate 1 gives a clock, 0 a pizza.

Trains the zhong2023 preset at CI scale twice, with attention rate 1 (their model A) and 0
(model B, constant attention), and reads grok-probe probes: by the paper's two measures the
first must come out "clock" (distance irrelevance q high, gradient symmetricity s_g low) and
the second "pizza" (q low; s_g = 1 by construction). q at the last checkpoint is recomputed
here with NumPy from the logits the run recorded on the full grid at its final step, as the
authors' notebook does: M[(a+b) % p][(a-b) % p] = correct logit, q = mean over columns of the
std down each column, over the std of all of M.
"""
import json
import subprocess
import sys

import h5py
import numpy as np

train, probe, out = sys.argv[1:4]
ci_scale = ["--d-model", "64", "--d-head", "16", "--d-mlp", "256", "--lr", "3e-3", "--stop-after-grok", "500",
            "--threads", "1", "--activation-log", "0", "--force", "--quiet"]


def distance_irrelevance(run):
    with h5py.File(run, "r") as f:
        p = int(f["config"].attrs["p"])
        logits = f["activations/logits"][-1].astype(np.float64).reshape(p * p, p)  # [p, p, p] at the final step
        final_act, final_ckpt = int(f["activations/step"][-1]), int(f["checkpoints/step"][-1])
    assert final_act == final_ckpt, (final_act, final_ckpt)
    a, b = np.divmod(np.arange(p * p), p)
    M = np.empty((p, p))
    M[(a + b) % p, (a - b) % p] = logits[np.arange(p * p), (a + b) % p]
    return np.mean(np.std(M, axis=0)) / np.std(M)


kinds = {}
for rate, expected in (("1", "clock"), ("0", "pizza")):
    run = f"{out}/zhong-rate{rate}.h5"
    subprocess.run([train, "--preset", "zhong2023", "--attention-rate", rate, *ci_scale, "--out", run], check=True)
    probes = json.loads(subprocess.run([probe, "probes", run, "--json"], check=True, capture_output=True,
                                       text=True).stdout)
    curves = probes["curves"]
    values = lambda name: np.array(curves[name]["values"] if isinstance(curves[name], dict) else curves[name])
    q_ours, q_numpy = values("distance_irrelevance")[-1], distance_irrelevance(run)
    assert abs(q_ours - q_numpy) < 1e-5, f"rate {rate}: q {q_ours} but NumPy says {q_numpy}"
    kind = probes["attrs"]["circuit_kind"]
    kinds[rate] = (kind, probes["attrs"]["circuit_kind_why"])
    assert kind == expected, f"attention rate {rate}: expected {expected}, got {kind} ({kinds[rate][1]})"
    if rate == "1":
        assert "gradient_symmetricity" in curves
    else:
        assert "gradient_symmetricity" not in curves and "by construction" in kinds[rate][1]
for rate, (kind, why) in kinds.items():
    print(f"attention rate {rate}: {kind} — {why}")
