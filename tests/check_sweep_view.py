#!/usr/bin/env python3
"""check_sweep_view.py GROK_PROBE SWEEP_DIR — `grok-probe sweep --json` agrees with sweep.h5 and the run files.

Reads DIR/sweep.h5's columns and every run file's /metrics with h5py (not grokscope), then
checks the JSON's rows against the columns, recomputes each cell's phase (Liu et al. 2022's
rule) and median t_grok over seeds here, and checks `--accuracy` and `--gap` against the same
rule applied to the run files' curves.
"""
import json
import math
import os
import subprocess
import sys
from collections import OrderedDict

import h5py
import numpy as np

probe, sweep_dir = sys.argv[1], sys.argv[2]
sweep_path = os.path.join(sweep_dir, "sweep.h5")
PHASES = ["confusion", "memorisation", "grokking", "comprehension"]  # a tie goes to the earlier


def probe_json(*extra):
    out = subprocess.run([probe, "sweep", sweep_path, "--json", *extra], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def never(step):
    return None if step < 0 else int(step)


def number(x):
    return None if not np.isfinite(x) else float(x)


def text(b):
    return b.decode() if isinstance(b, bytes) else b


with h5py.File(sweep_path, "r") as f:
    assert f.attrs["format"] == "grokscope.sweep"
    rows = f["rows"]
    cols = {name: rows[name][:] for name in rows}
    spec = json.loads(f.attrs["spec_json"])
axes = [a["name"] for a in spec["axes"]]
cell_axes = [a for a in axes if a != "seed"]
n = len(cols["id"])


def first_step(steps, acc, level):
    hit = np.flatnonzero(acc >= level)
    return int(steps[hit[0]]) if hit.size else -1


# Every run file's curves, read here.
curves = {}
for i in range(n):
    if text(cols["status"][i]) != "complete":
        continue
    with h5py.File(os.path.join(sweep_dir, text(cols["run_file"][i])), "r") as run:
        m = run["metrics"]
        curves[i] = (m["step"][:], m["train_acc"][:], m["test_acc"][:])

# 1. The rows: the JSON's values are sweep.h5's columns (-1 and NaN as null).
j = probe_json()
assert len(j["rows"]) == n, f"{len(j['rows'])} rows in JSON, {n} in sweep.h5"
assert j["axes"] == cell_axes and j["seed_axis"] == ("seed" if "seed" in axes else None)
assert j["rule"]["accuracy"] == 0.9 and j["rule"]["gap_steps"] == 1000
for i, r in enumerate(j["rows"]):
    assert r["id"] == int(cols["id"][i])
    assert r["status"] == text(cols["status"][i]) and r["error"] == text(cols["error"][i])
    assert r["run_file"] == text(cols["run_file"][i])
    for a in axes:
        assert r["point"][a] == cols[a][i].item(), (i, a, r["point"][a], cols[a][i])
    for k in ("final_step", "t_mem", "t_grok", "t_train90", "t_test90"):
        assert r[k] == never(cols[k][i]), (i, k, r[k], cols[k][i])
    for k in ("final_train_loss", "final_test_loss", "final_train_acc", "final_test_acc", "min_test_loss", "wall_s"):
        assert r[k] == number(cols[k][i]), (i, k, r[k], cols[k][i])
    keys = text(cols["key_frequencies"][i])
    assert r["key_frequencies"] == ([int(k) for k in keys.split(",")] if keys else [])
    # The recorded steps to 90% are those of the run file's own curves.
    if i in curves:
        steps, train, test = curves[i]
        assert never(cols["t_train90"][i]) == never(first_step(steps, train, 0.9))
        assert never(cols["t_test90"][i]) == never(first_step(steps, test, 0.9))
        assert never(cols["t_grok"][i]) == never(first_step(steps, test, 0.99))


# 2. The cells: Liu et al.'s phase and the median over seeds, recomputed here.
def phase(t_train, t_test, gap):
    if t_train < 0:
        return "confusion"
    if t_test < 0:
        return "memorisation"
    return "comprehension" if t_test - t_train < gap else "grokking"


def median(values):  # never = +inf; an even count: the mean of the middle two
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    m = v[mid] if len(v) % 2 else (math.inf if math.isinf(v[mid]) else (v[mid - 1] + v[mid]) / 2)
    return None if math.isinf(m) else m


def expected_cells(t_train, t_test, gap):
    cells = OrderedDict()
    for i in range(n):
        key = tuple(cols[a][i].item() for a in cell_axes)
        cells.setdefault(key, []).append(i)
    out = []
    for key, members in cells.items():
        done = [i for i in members if text(cols["status"][i]) == "complete"]
        counts = {p: 0 for p in PHASES}
        for i in done:
            counts[phase(t_train[i], t_test[i], gap)] += 1
        best = max(counts.values()) if done else 0
        grok = [int(cols["t_grok"][i]) for i in done if cols["t_grok"][i] >= 0]
        out.append({
            "point": dict(zip(cell_axes, key)),
            "rows": [int(cols["id"][i]) for i in members],
            "n_complete": len(done),
            "n_generalised": len(grok),
            "median_t_grok": median([cols["t_grok"][i] if cols["t_grok"][i] >= 0 else math.inf for i in done]),
            "min_t_grok": min(grok) if grok else None,
            "max_t_grok": max(grok) if grok else None,
            "phase": next(p for p in PHASES if counts[p] == best) if done else None,
            "phase_counts": counts,
        })
    return out


def check_cells(j, t_train, t_test, gap):
    want = expected_cells(t_train, t_test, gap)
    assert len(j["cells"]) == len(want), (len(j["cells"]), len(want))
    for got, exp in zip(j["cells"], want):
        for k, v in exp.items():
            assert got[k] == v, (exp["point"], k, got[k], v)


check_cells(j, cols["t_train90"], cols["t_test90"], 1000)

# 3. --gap and --accuracy: the same rule at another gap, and at another accuracy read from the run files.
check_cells(probe_json("--gap", "40"), cols["t_train90"], cols["t_test90"], 40)
half_train = [first_step(*curves[i][:2], 0.5) if i in curves else -1 for i in range(n)]
half_test = [first_step(curves[i][0], curves[i][2], 0.5) if i in curves else -1 for i in range(n)]
j50 = probe_json("--accuracy", "0.5")
assert j50["rule"]["accuracy"] == 0.5
for i, r in enumerate(j50["rows"]):
    assert r["phase_t_train"] == never(half_train[i]) and r["phase_t_test"] == never(half_test[i]), (i, r)
check_cells(j50, half_train, half_test, 1000)

phases = [c["phase"] for c in j["cells"]]
print(f"{n} rows and {len(j['cells'])} cells agree with sweep.h5 and the run files; cell phases {phases}, "
      f"median t_grok {[c['median_t_grok'] for c in j['cells']]}")
