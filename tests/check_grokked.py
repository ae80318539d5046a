#!/usr/bin/env python3
"""check_grokked.py RUN.h5 — the demo run really grokked (read with h5py, not grokscope).

Passes when test accuracy reached >= 99%, and at the first evaluated step where
train accuracy reached 100% the test accuracy was still below 50%: the model
memorised first and generalised later, rather than learning both together.
"""
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    m = f["metrics"]
    step = m["step"][:]
    train_acc, test_acc = m["train_acc"][:], m["test_acc"][:]
    status = f.attrs["status"]

assert status == "complete", f"run status is {status!r}"
mem = np.flatnonzero(train_acc >= 1.0)
assert mem.size, "train accuracy never reached 100%"
t_mem = step[mem[0]]
assert test_acc[mem[0]] < 0.5, f"test accuracy was {test_acc[mem[0]]:.3f} at step {t_mem}: no memorisation phase"
grok = np.flatnonzero(test_acc >= 0.99)
assert grok.size, f"test accuracy peaked at {test_acc.max():.3f}: did not grok within {step[-1]} steps"
t_grok = step[grok[0]]
assert t_grok > t_mem
print(f"memorised (train acc 100%) at step {t_mem} with test acc {test_acc[mem[0]]:.3f}; "
      f"test acc >= 99% at step {t_grok}")
