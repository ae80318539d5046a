#!/usr/bin/env bash
# cli_interrupt.sh GROK_TRAIN DIR — SIGINT finishes the step, writes a final checkpoint, exits 130;
# the file is complete and valid, and --resume finishes the run.
set -uo pipefail
train=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir"
source "$(dirname "$0")/lib/checks.sh"
run="$dir/run.h5"
"$train" --p 23 --d-model 32 --d-mlp 64 --steps 100000 --stop-after-grok -1 --threads 1 \
  --checkpoint-every 1000 --out "$run" >"$dir/out.txt" 2>"$dir/err.txt" &
pid=$!
# Wait until training is under way (the file exists and has metric rows), then interrupt.
wait_for_metric_rows "$run" 3
kill -INT $pid
wait $pid; rc=$?
[[ $rc -eq 130 ]] || { echo "FAIL: exit $rc after SIGINT (want 130)"; cat "$dir/err.txt"; exit 1; }
/usr/bin/python3 - "$run" <<'PY' || exit 1
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["status"] == "interrupted", f.attrs["status"]
    last = f.attrs["final_step"]
    assert f["checkpoints/step"][-1] == last, (f["checkpoints/step"][:], last)
    assert max(f["resume/step"][:]) == last
    print(f"interrupted cleanly at step {last}")
PY
"$train" --resume "$run" --steps $(( $(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['final_step'])" "$run") + 20 )) --quiet >"$dir/resume.txt" 2>&1 \
  || { echo "FAIL: resume"; cat "$dir/resume.txt"; exit 1; }
/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); assert f.attrs['status']=='complete'; print('resumed to step', f.attrs['final_step'])" "$run"
