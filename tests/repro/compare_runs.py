#!/usr/bin/env python3
"""compare_runs.py A.h5 B.h5 [--except PREFIX]... — are two run files the same run, bit for bit?

Compares every dataset of A with B's (metrics, checkpoints, activations, resume slots, task,
split) except /metrics/wall_time_s, and the /config attributes; timestamps and the command line
may differ. Prints one line per differing dataset (with the first step that differs) and the
grokking milestones of both, then exits 0 when everything compared is identical, 1 otherwise.
--except resume/ leaves out the resume slots: after a --resume the final state is in the other
of the two slots than in an uninterrupted run's file (the run itself is the same).
Used by tests/cli_same_command_same_file.sh, tests/cli_ensemble.sh and for the measurements in docs/reproducibility.md.
"""
import sys

import h5py
import numpy as np

SKIP = {"metrics/wall_time_s"}


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def same(a, b):
    """Equal to the bit, NaN matching NaN; NaN exists only for float kinds (group tasks also store strings)."""
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc" and b.dtype.kind in "fc")


def first_step(f, name, a, b):
    """The step (from the dataset's group's step axis) of the first row where a and b differ."""
    group = name.split("/")[0]
    steps = f[f"{group}/step"][:] if f"{group}/step" in f else None
    rows = min(len(a), len(b))
    for i in range(rows):
        if not same(a[i], b[i]):
            return int(steps[i]) if steps is not None and i < len(steps) else i
    return None


def t_at(f, key, level=0.99):
    acc, steps = f[f"metrics/{key}"][:], f["metrics/step"][:]
    hit = np.nonzero(acc >= level)[0]
    return int(steps[hit[0]]) if len(hit) else None


def main(a_path, b_path, *options):
    fa, fb = h5py.File(a_path, "r"), h5py.File(b_path, "r")
    da, db = datasets(fa), datasets(fb)
    assert len(options) % 2 == 0 and all(o == "--except" for o in options[::2]), \
        "usage: compare_runs.py A.h5 B.h5 [--except PREFIX]..."
    left_out = tuple(options[1::2])
    if left_out:
        da = {k: v for k, v in da.items() if not k.startswith(left_out)}
        db = {k: v for k, v in db.items() if not k.startswith(left_out)}
    differ = []
    for name in sorted(set(da) | set(db)):
        if name in SKIP:
            continue
        if name not in da or name not in db:
            differ.append(f"{name}: only in {'A' if name in da else 'B'}")
            continue
        x, y = da[name][()], db[name][()]
        if x.shape != y.shape:
            step = first_step(fa, name, x, y) if x.ndim >= 1 and x.shape[1:] == y.shape[1:] else None
            differ.append(f"{name}: shape {x.shape} vs {y.shape}" + (f", rows differ from step {step}" if step is not None else ""))
        elif not same(x, y):
            step = first_step(fa, name, x, y) if x.ndim >= 1 else None
            differ.append(f"{name}: differs" + (f" from step {step}" if step is not None else ""))
    for k in ("status", "final_step"):  # how each run ended
        if fa.attrs.get(k) != fb.attrs.get(k):
            differ.append(f"root attribute {k}: {fa.attrs.get(k)} vs {fb.attrs.get(k)}")
    ca, cb = dict(fa["config"].attrs), dict(fb["config"].attrs)
    for k in sorted(set(ca) | set(cb)):
        if k != "threads" and not np.array_equal(ca.get(k), cb.get(k)):
            differ.append(f"config {k}: {ca.get(k)} vs {cb.get(k)}")
    for line in differ:
        print("DIFF", line)
    for label, f in (("A", fa), ("B", fb)):
        print(f"{label}: t_mem {t_at(f, 'train_acc')} t_grok {t_at(f, 'test_acc')} "
              f"final step {int(f['metrics/step'][-1])} final test loss {f['metrics/test_loss'][-1]:.6g}")
    n_equal = len(da) - len(SKIP & set(da)) - len([d for d in differ if not d.startswith(("config", "root attribute"))])
    print(f"{'identical' if not differ else 'different'}: {n_equal} of {len(da) - len(SKIP & set(da))} datasets equal")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
