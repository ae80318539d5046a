#!/usr/bin/env bash
# cli_same_command_same_file.sh GROK_TRAIN DIR — the same grok-train command twice, with 1 and with 2
# threads, gives run files whose every dataset (metrics but wall time, checkpoints, activations,
# resume slots, task, split) is identical bit for bit (tests/repro/compare_runs.py).
set -uo pipefail
train=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
compare=$(dirname "$0")/repro/compare_runs.py
failures=0
for threads in 1 2; do
  for copy in a b; do
    "$train" --preset demo --steps 150 --stop-after-grok -1 --threads "$threads" --quiet \
      --out "$dir/t$threads$copy.h5" >/dev/null || { echo "FAIL: training ($threads threads)"; exit 1; }
  done
  if /usr/bin/python3 "$compare" "$dir/t${threads}a.h5" "$dir/t${threads}b.h5" >"$dir/t$threads.txt"; then
    echo "ok   $threads thread(s): $(tail -1 "$dir/t$threads.txt")"
  else
    echo "FAIL $threads thread(s):"; cat "$dir/t$threads.txt"; failures=$((failures + 1))
  fi
done
[[ $failures -eq 0 ]]
