#!/usr/bin/env python3
"""compare.py BEFORE AFTER [--rtol R] [--ignore KEY ...] — compare two grok-probe JSON outputs.

Every number must agree to rtol (default 0: bit for bit, as printed by JSON);
strings, lists and nulls must be equal. Keys named with --ignore (a dotted path
suffix such as curves.mean_ipr) are reported but not compared. Exit 1 and one
line per difference when they disagree.
"""
import argparse
import json
import math
import sys

ap = argparse.ArgumentParser()
ap.add_argument("before")
ap.add_argument("after")
ap.add_argument("--rtol", type=float, default=0.0)
ap.add_argument("--atol", type=float, default=0.0)
ap.add_argument("--ignore", nargs="*", default=[])
args = ap.parse_args()

diffs, ignored = [], set()


def walk(a, b, path):
    if any(path.endswith(k) for k in args.ignore):
        if a != b:
            ignored.add(path)
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                diffs.append(f"{path}.{k}: only in {'after' if k in b else 'before'}")
            else:
                walk(a[k], b[k], f"{path}.{k}" if path else k)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append(f"{path}: length {len(a)} vs {len(b)}")
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if not math.isclose(a, b, rel_tol=args.rtol, abs_tol=args.atol):
            diffs.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        diffs.append(f"{path}: {str(a)[:80]!r} vs {str(b)[:80]!r}")


walk(json.load(open(args.before)), json.load(open(args.after)), "")
for d in diffs[:20]:
    print(d)
if len(diffs) > 20:
    print(f"... and {len(diffs) - 20} more")
if ignored:
    print("differs where expected:", ", ".join(sorted({p.split('[')[0] for p in ignored})))
sys.exit(1 if diffs else 0)
