#!/usr/bin/env bash
# cli_live_readers.sh GROK_TRAIN GROK_PROBE DIR — SWMR in practice: while grok-train writes a run,
# h5py (SWMR) and grok-probe read it again and again; every read succeeds and they see the run
# advance (more metric rows, more checkpoints), and the file is complete at the end.
set -uo pipefail
train=$1 probe=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
run="$dir/live.h5"
"$train" --preset demo --stop-after-grok -1 --steps 1500 --threads 1 --quiet --out "$run" >/dev/null 2>&1 &
writer=$!
reads=0 failures=0 rows_seen=() ckpts_seen=()
while kill -0 "$writer" 2>/dev/null; do
  [[ -f $run ]] || { sleep 0.1; continue; }
  rows=$(/usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r', libver='latest', swmr=True)
print(f['metrics/step'].shape[0], f['checkpoints/step'].shape[0])" "$run" 2>&1) || { echo "FAIL h5py: $rows"; failures=$((failures + 1)); }
  if summary=$("$probe" summary "$run" --json -o "$dir/live.probe.h5" 2>&1); then
    reads=$((reads + 1))
  elif kill -0 "$writer" 2>/dev/null; then
    echo "FAIL grok-probe during training: $(tail -1 <<<"$summary")"; failures=$((failures + 1))
  fi
  rows_seen+=("${rows%% *}") ckpts_seen+=("${rows##* }")
  sleep 0.3
done
wait "$writer"; rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: grok-train exited $rc"; failures=$((failures + 1)); }
/usr/bin/python3 -c "import h5py, sys; assert h5py.File(sys.argv[1], 'r').attrs['status'] == 'complete'" "$run" ||
  { echo "FAIL: the finished file is not complete"; failures=$((failures + 1)); }
first=${rows_seen[0]:-0} last=${rows_seen[-1]:-0}
echo "grok-probe read the live run $reads times; h5py saw metric rows grow $first -> $last, checkpoints ${ckpts_seen[0]:-0} -> ${ckpts_seen[-1]:-0}"
(( reads >= 2 && last > first )) || { echo "FAIL: the readers did not see the run advance"; failures=$((failures + 1)); }
echo "$(( failures == 0 ? 1 : 0 )) passed, $(( failures > 0 ? 1 : 0 )) failed"
[[ $failures -eq 0 ]]
