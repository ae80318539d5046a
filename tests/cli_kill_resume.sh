#!/usr/bin/env bash
# cli_kill_resume.sh GROK_TRAIN GROK_PROBE DIR [KILLS] — kill -9 (and SIGTERM) at random moments,
# during training, during --resume and while grok-probe writes its probe file; after each kill
# the probe file is the old one or the new one (never damaged), every HDF5 reader opens the run once
# `grok-train --recover` ran, `--resume` continues with no manual step, and the finished file
# equals an uninterrupted run's bit for bit (metrics and checkpoints; one thread).
# A --resume while the writer is alive is refused (exit 2) and harms nothing.
# bench/kill_resume.sh runs it with 50 kills and prints the tally.
set -uo pipefail
train=$1 probe=$2 dir=$3 kills=${4:-3}
rm -rf "$dir" && mkdir -p "$dir"
args=(--preset demo --steps 500 --stop-after-grok -1 --threads 1 --quiet)
"$train" "${args[@]}" --out "$dir/ref.h5" >/dev/null || { echo "FAIL: reference run"; exit 1; }
RANDOM=7  # reproducible kill moments
survived=0 failures=0
same_as_ref() {  # same_as_ref FILE — metrics (but wall time) and checkpoints equal the reference bit for bit
  /usr/bin/python3 - "$dir/ref.h5" "$1" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert b.attrs["status"] == "complete", b.attrs["status"]
for g in ("metrics", "checkpoints/params", "metrics/param_sq_norm"):
    for k, d in a[g].items():
        if isinstance(d, h5py.Dataset) and k != "wall_time_s":
            assert np.array_equal(d[:], b[g][k][:]), f"{g}/{k} differs"
assert np.array_equal(a["checkpoints/step"][:], b["checkpoints/step"][:])
PY
}
probe_kill() {  # grok-probe killed while it writes: the probe file opens, or was never there
  "$probe" fourier "$dir/ref.h5" -o "$dir/ref.probe.h5" >/dev/null 2>&1 &
  local pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  [[ ! -f $dir/ref.probe.h5 ]] || /usr/bin/python3 -c "import h5py, sys; h5py.File(sys.argv[1], 'r')['/'].attrs['format']" \
    "$dir/ref.probe.h5" 2>/dev/null
}
for ((i = 1; i <= kills; i++)); do
  run="$dir/kill$i.h5"
  if (( i % 3 == 0 )) && ! probe_kill; then echo "FAIL $i: probe file damaged by kill -9"; failures=$((failures + 1)); fi
  signal=KILL; (( i % 4 == 0 )) && signal=TERM
  "$train" "${args[@]}" --out "$run" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
  kill -s "$signal" "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  # A second kill, this time of the --resume, for every other round.
  if (( i % 2 == 0 )) && [[ -f $run ]]; then
    "$train" --resume "$run" --quiet >/dev/null 2>&1 &
    pid=$!
    sleep "0.$((RANDOM % 6 + 1))"
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  fi
  if [[ ! -f $run ]]; then survived=$((survived + 1)); continue; fi  # killed before the file existed
  ok=1
  "$train" --recover "$run" >/dev/null 2>&1 || { echo "FAIL $i: --recover"; ok=0; }
  /usr/bin/python3 -c "import h5py, sys; h5py.File(sys.argv[1], 'r')" "$run" 2>/dev/null ||
    { echo "FAIL $i: h5py cannot open the recovered file"; ok=0; }
  if (( i == 1 )); then  # while a writer runs, --resume must refuse and leave the file alone
    "$train" --resume "$run" --quiet >/dev/null 2>&1 &
    writer=$!
    sleep 0.3
    err=$("$train" --resume "$run" 2>&1 >/dev/null); rc=$?
    [[ $rc -eq 2 && $err == *"being written by a running grok-train"* ]] ||
      { echo "FAIL: a second --resume got exit $rc: $err"; ok=0; }
    kill -9 "$writer"; wait "$writer" 2>/dev/null
  fi
  "$train" --resume "$run" --quiet >/dev/null 2>&1 || { echo "FAIL $i: --resume after kill -s $signal"; ok=0; }
  if (( ok )) && same_as_ref "$run" 2>"$dir/diff$i.txt"; then
    survived=$((survived + 1))
  else
    echo "FAIL $i ($signal): $(tail -1 "$dir/diff$i.txt")"; failures=$((failures + 1))
  fi
done
echo "kills survived: $survived of $kills"
echo "$survived passed, $failures failed"
[[ $failures -eq 0 ]]
