#!/usr/bin/env python3
"""check_double_descent.py GROK_TRAIN DIR — model-wise double descent in random-features regression.

The physics ground truth (e.g. Belkin et al. 2019; Mei & Montanari 2019): the minimum-norm
least-squares readout on d random ReLU features of n training points, with no
regularisation, has a test error that rises to a peak where the model just interpolates
(d = n: the feature matrix is square and its smallest singular values are tiny) and falls
again as d grows past n. Here: add mod 23 with one-hot inputs (every train pair has its
own features; with embed input (a, b) and (b, a) share them), frac_train 0.3, so
n_train = 159; widths n/4 .. 4n. The test MSE (the run's own test_loss at the final step)
must be largest at the width closest to n_train, and at least 10x the test MSE at n/4 and
at 4n. Prints the table.
"""
import os
import subprocess
import sys

import h5py

train_bin, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
p, frac = 23, 0.3
n = int(frac * p * p + 0.5)  # round half up, as grok-train does for a positive count
widths = [n // 4, n // 2, 3 * n // 4, n, 5 * n // 4, 2 * n, 4 * n]
test_mse, train_mse = {}, {}
for d in widths:
    path = os.path.join(out_dir, f"width{d}.h5")
    subprocess.run([train_bin, "--preset", "demo", "--model", "mlp", "--mlp-input", "onehot", "--task", "add",
                    "--p", str(p), "--frac-train", str(frac), "--random-features", "true", "--loss", "mse",
                    "--solver", "min_norm", "--weight-decay", "0", "--d-mlp", str(d), "--activation-log", "0",
                    "--threads", "1", "--out", path, "--force", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    with h5py.File(path, "r") as f:
        assert len(f["split/train"]) == n, (len(f["split/train"]), n)
        train_mse[d], test_mse[d] = f["metrics/train_loss"][-1], f["metrics/test_loss"][-1]

print(f"n_train = {n}; min-norm readout, weight_decay 0")
print(f"{'d_mlp':>6} {'d/n':>5} {'train MSE':>10} {'test MSE':>10}")
for d in widths:
    print(f"{d:>6} {d / n:>5.2f} {train_mse[d]:>10.3g} {test_mse[d]:>10.4g}")
peak = max(widths, key=lambda d: test_mse[d])
closest = min(widths, key=lambda d: abs(d - n))
assert peak == closest, f"test MSE peaks at d_mlp = {peak}, not at the interpolation threshold {closest}"
for d in (widths[0], widths[-1]):
    assert test_mse[closest] > 10 * test_mse[d], (closest, test_mse[closest], d, test_mse[d])
assert all(train_mse[d] < 1e-8 for d in widths if d >= n), "past the threshold the readout interpolates"
assert all(train_mse[d] > 1e-4 for d in widths if d < n), "below it, it cannot"
print(f"double descent: peak {test_mse[closest]:.4g} at d_mlp = n_train = {closest}; "
      f"{test_mse[widths[0]]:.4g} at {widths[0]}, {test_mse[widths[-1]]:.4g} at {widths[-1]}")
