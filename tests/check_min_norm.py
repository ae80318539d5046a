#!/usr/bin/env python3
"""check_min_norm.py GROK_TRAIN GROK_PROBE DIR — solver = min_norm against NumPy; grok-probe on MSE runs.

Each min_norm run's readout is recomputed here from its run file alone (docs/run-file.md):
Phi = /activations/mlp.hook_post at step 0 on the /split/train rows (plus a ones column
with bias = true), Y = one_hot(/split/train_labels); W = np.linalg.lstsq(Phi, Y) (the
minimum-norm least-squares solution) for weight_decay = 0, and
np.linalg.solve(Phi^T Phi + wd I, Phi^T Y) (ridge) otherwise. The runs have label noise,
so a solver that read the task's labels instead fails, and the stored train_loss/test_loss
are recomputed as the mean over pairs AND classes of (logit - one_hot)^2 from the
recorded logits. Then every grok-probe command runs on a min_norm run and on a
gradient-descent MSE run (its analyses compute cross-entropy from the logits) and must
exit 0.
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np

train_bin, probe_bin, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out_dir, exist_ok=True)
COMMON = ["--preset", "demo", "--model", "mlp", "--task", "add", "--p", "23", "--frac-train", "0.3",
          "--random-features", "true", "--loss", "mse", "--threads", "1", "--quiet", "--force"]


def train(name, *args):
    path = os.path.join(out_dir, name + ".h5")
    subprocess.run([train_bin, *COMMON, *args, "--out", path], check=True, stdout=subprocess.DEVNULL)
    return path


def one_hot(labels, p):
    y = np.zeros((len(labels), p))
    y[np.arange(len(labels)), labels] = 1.0
    return y


def check_solve(path):
    with h5py.File(path, "r") as f:
        cfg = json.loads(f.attrs["config_json"])
        p, wd, bias = cfg["p"], cfg["weight_decay"], cfg["bias"]
        assert cfg["steps"] == 1 and list(f["metrics/step"][:]) == [0, 1], (cfg["steps"], f["metrics/step"][:])
        assert list(f["activations/step"][:]) == [0, 1]
        train, test = f["split/train"][:], f["split/test"][:]
        y_train = f["split/train_labels"][:]
        labels = f["task/labels"][:].reshape(-1)
        assert (y_train != labels[train]).sum() == round(cfg["label_noise"] * len(train)) > 0
        phi = f["activations/mlp.hook_post"][0].reshape(p * p, -1)[train].astype(np.float64)
        W_U = f["checkpoints/params/unembed.W_U"][-1].astype(np.float64)
        b_U = f["checkpoints/params/unembed.b_U"][-1].astype(np.float64) if bias else None
        assert np.array_equal(f["checkpoints/params/mlp.W_in"][0], f["checkpoints/params/mlp.W_in"][-1])
        logits = f["activations/logits"][-1].reshape(p * p, p).astype(np.float64)
        train_loss, test_loss = f["metrics/train_loss"][-1], f["metrics/test_loss"][-1]
    if bias:
        phi = np.hstack([phi, np.ones((len(train), 1))])
    Y = one_hot(y_train, p)

    def solve(targets):
        if wd == 0:
            return np.linalg.lstsq(phi, targets, rcond=None)[0]
        return np.linalg.solve(phi.T @ phi + wd * np.eye(phi.shape[1]), phi.T @ targets)

    W = solve(Y)
    mine = np.vstack([W_U, b_U[None, :]]) if bias else W_U
    err = np.abs(mine - W).max() / np.abs(W).max()
    assert err < 1e-4, (path, err)
    wrong = solve(one_hot(labels[train], p))  # the clean labels: not what it was trained on
    assert np.abs(mine - wrong).max() / np.abs(W).max() > 1e-2, path
    # The metrics: MSE, mean over pairs and classes; train against the noisy labels, test the clean ones.
    mse_train = np.mean((logits[train] - Y) ** 2)
    mse_test = np.mean((logits[test] - one_hot(labels[test], p)) ** 2)
    assert np.isclose(train_loss, mse_train, rtol=1e-5, atol=1e-9), (train_loss, mse_train)
    assert np.isclose(test_loss, mse_test, rtol=1e-5), (test_loss, mse_test)
    print(f"ok   {os.path.basename(path)}: n_train {len(train)}, features {phi.shape[1]}, weight_decay {wd}: "
          f"max |W - numpy| / max |W| = {err:.2e}; train MSE {train_loss:.3g}, test MSE {test_loss:.3g}")


runs = [
    train("under", "--solver", "min_norm", "--weight-decay", "0", "--d-mlp", "80", "--mlp-input", "onehot",
          "--label-noise", "0.2"),
    train("over_bias", "--solver", "min_norm", "--weight-decay", "0", "--d-mlp", "320", "--mlp-input", "onehot",
          "--bias", "true", "--label-noise", "0.2"),
    train("ridge", "--solver", "min_norm", "--weight-decay", "0.5", "--d-mlp", "159", "--mlp-input", "embed",
          "--bias", "true", "--label-noise", "0.1", "--seed", "3"),
]
for run in runs:
    check_solve(run)

# grok-probe's analyses keep cross-entropy; on MSE runs they must still run.
gd = train("gd_mse", "--d-mlp", "64", "--steps", "60", "--checkpoint-every", "20", "--lr", "1e-2",
           "--label-noise", "0.1")
for run in (runs[1], gd):
    for cmd in ("summary", "fourier", "norms", "probes", "inspect"):
        subprocess.run([probe_bin, cmd, run, "--json"], check=True, stdout=subprocess.DEVNULL)
    story = json.loads(subprocess.run([probe_bin, "summary", run, "--json"], check=True, capture_output=True,
                                      text=True).stdout)["story"]
    assert "loss = mse" in story, story  # the story says why it reads no loss curves
    report = run.replace(".h5", ".report.html")
    subprocess.run([probe_bin, "report", run, "-o", report], check=True, stdout=subprocess.DEVNULL)
    assert "mean squared error" in open(report).read(), "the loss chart names the run's loss"
    print(f"ok   grok-probe summary, fourier, norms, probes, inspect, report on {os.path.basename(run)}")
