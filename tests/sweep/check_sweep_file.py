#!/usr/bin/env python3
"""check_sweep_file.py SWEEP_DIR — sweep.h5 agrees with its run files, read independently with h5py.

For every complete row: the run file's config holds the row's axis values; t_mem, t_grok,
t_train90, t_test90 are the first evaluated steps at which the run file's accuracy columns
reach 0.99 / 0.90 (recomputed here with numpy); the final losses/accuracies are the last rows.
"""
import json
import sys

import h5py
import numpy as np

sweep_dir = sys.argv[1]
failures = 0


def check(name, ok):
    global failures
    print(("ok   " if ok else "FAIL ") + name)
    failures += 0 if ok else 1


def first_step(steps, values, threshold):
    hit = np.nonzero(values >= threshold)[0]
    return int(steps[hit[0]]) if hit.size else -1


with h5py.File(f"{sweep_dir}/sweep.h5", "r") as f:
    check("format and schema", f.attrs["format"] == "grokscope.sweep" and f.attrs["schema_version"] == 1)
    rows = f["rows"]
    n = int(f.attrs["n_rows"])
    check(f"{n} rows in every column", all(rows[k].shape == (n,) for k in rows))
    spec = json.loads(f.attrs["spec_json"])
    axes = [a["name"] for a in spec["axes"]]
    check("one typed column per axis", all(k in rows and rows[k].attrs["role"] == "axis" for k in axes))
    status = rows["status"].asstr()[()]
    complete = 0
    for i in range(n):
        if status[i] != "complete":
            continue
        complete += 1
        with h5py.File(f"{sweep_dir}/{rows['run_file'].asstr()[i]}", "r") as run:
            config = json.loads(run.attrs["config_json"])
            m = run["metrics"]
            steps = m["step"][()]
            train_acc, test_acc = m["train_acc"][()], m["test_acc"][()]
            name = f"row {i}"
            for a in axes:
                want = rows[a].asstr()[i] if rows[a].dtype.kind == "O" else rows[a][i]
                if not (config[a] == want or (isinstance(config[a], bool) and int(config[a]) == want)):
                    check(f"{name}: config {a} = {config[a]} is the axis value {want}", False)
            got = [int(rows[k][i]) for k in ("t_mem", "t_grok", "t_train90", "t_test90")]
            want = [first_step(steps, train_acc, 0.99), first_step(steps, test_acc, 0.99),
                    first_step(steps, train_acc, 0.90), first_step(steps, test_acc, 0.90)]
            if got != want:
                check(f"{name}: milestones {got} == recomputed {want}", False)
            finals = [rows[k][i] for k in ("final_train_loss", "final_test_loss", "final_train_acc", "final_test_acc")]
            last = [m[k][-1] for k in ("train_loss", "test_loss", "train_acc", "test_acc")]
            if finals != last or int(rows["final_step"][i]) != int(steps[-1]):
                check(f"{name}: final values {finals} == last metrics row {last}", False)
            if abs(rows["min_test_loss"][i] - m["test_loss"][()].min()) > 0:
                check(f"{name}: min test loss", False)
    check(f"checked {complete} complete rows against their run files", complete > 0)
sys.exit(1 if failures else 0)
