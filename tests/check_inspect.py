#!/usr/bin/env python3
"""check_inspect.py GROK_PROBE RUN.h5 — `grok-probe inspect` states the file's key facts correctly."""
import json
import subprocess
import sys

import h5py

probe, run = sys.argv[1:3]
text = subprocess.run([probe, "inspect", run], check=True, capture_output=True, text=True).stdout
facts = json.loads(subprocess.run([probe, "inspect", run, "--json"], check=True, capture_output=True, text=True).stdout)
with h5py.File(run, "r") as f:
    cfg = json.loads(f.attrs["config_json"])
    ckpt = list(f["checkpoints/step"][:])
    final = int(f["metrics/step"][-1])
    test_acc = f["metrics/test_acc"][:]
    hooks = [k for k in f["activations"] if f["activations"][k].ndim >= 3]
assert facts["task"] == cfg["task"] and facts["p"] == cfg["p"]
assert facts["steps_trained"] == final and facts["checkpoint_steps"] == ckpt
assert sorted(facts["hooks"]) == sorted(hooks)
assert facts["grokked"] == bool((test_acc >= 0.99).any())
for needle in [f"{cfg['task']} mod {cfg['p']}", f"checkpoints  {len(ckpt)} at steps 0, ", f"{final:,} steps trained",
               "grokked      yes" if facts["grokked"] else "grokked      no", *hooks]:
    assert needle in text, (needle, text)
print(text)
