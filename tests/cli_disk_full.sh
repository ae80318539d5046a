#!/usr/bin/env bash
# cli_disk_full.sh GROK_TRAIN DIR — a full disk gets one line, exit 1, and a run file h5py can still read.
# Needs a small tmpfs (root); skipped (exit 77) where mounting is not allowed.
set -uo pipefail
train=$1
dir=$2
mkdir -p "$dir"
mountpoint -q "$dir" && umount "$dir"
mount -t tmpfs -o size=3m tmpfs "$dir" 2>/dev/null || { echo "cannot mount a tmpfs here: skipped"; exit 77; }
trap 'umount "$dir"' EXIT
err=$("$train" --threads 1 --out "$dir/run.h5" --quiet 2>&1 >/dev/null); rc=$?
lines=$(printf '%s' "$err" | grep -c '')
[[ $rc -eq 1 && $lines -eq 1 ]] || { echo "FAIL: exit $rc, $lines lines: $err"; exit 1; }
grep -q "disk full" <<<"$err" || { echo "FAIL: message does not say disk full: $err"; exit 1; }
/usr/bin/python3 - "$dir/run.h5" <<'PY' || exit 1
import sys, h5py
with h5py.File(sys.argv[1], "r", libver="latest", swmr=True) as f:
    assert f["metrics/step"].shape[0] >= 1 and f["checkpoints/step"][0] == 0
    print("after the disk filled, the run file still reads:", f["metrics/step"].shape[0], "metric rows")
PY
echo "ok: $err"
