#!/usr/bin/env bash
# time_to_grok.sh [PRESET] [SEEDS] — what a user waits for: seconds until a run groks (issue #10, target 6).
#
# Trains PRESET (default nanda2023) for model seeds 0..SEEDS-1 (default 5; or a range FIRST-LAST), each until test
# accuracy first reaches 99% (--stop-after-grok 0), with every core's worth of threads, one run at a
# time, and prints per seed: t_grok (the step), seconds to grok (the run file's wall_time_s at that
# step: training, evaluation and recording included, start-up not) and the whole command's wall
# time; then median, min and max. nanda2023 takes about 8 minutes per seed on 2 cores. DEVICE=cuda
# trains on the GPU (default: auto); OPTIONS adds grok-train options (e.g. OPTIONS="--backward manual").
# Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-nanda2023}
seeds=${2:-5}
if [[ $seeds == *-* ]]; then first=${seeds%-*} last=${seeds#*-}; else first=0 last=$((seeds - 1)); fi
threads=$(nproc)
device=${DEVICE:-auto}
work=$(mktemp -d /tmp/grok-time-to-grok.XXXX)
trap 'rm -rf "$work"' EXIT

echo "== $preset ${OPTIONS:-}, seeds $first-$last, --threads $threads, --device $device, until test accuracy >= 99%"
printf '%-5s %8s %14s %12s\n' seed t_grok "s to grok" "command s"
for ((s = first; s <= last; ++s)); do
  t0=$(date +%s.%N)
  "${GROK_TRAIN:-build/grok-train}" --preset "$preset" --seed "$s" --stop-after-grok 0 --threads "$threads" \
    --device "$device" --quiet ${OPTIONS:-} \
    --out "$work/s$s.h5" >/dev/null
  command_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  /usr/bin/python3 - "$work/s$s.h5" "$s" "$command_s" <<'PY'
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r") as f:
    m = f["metrics"]
    step, acc, wall = m["step"][()], m["test_acc"][()], m["wall_time_s"][()]
hit = np.flatnonzero(acc >= 0.99)
if hit.size == 0:
    print(f"{sys.argv[2]:<5} {'never':>8} {'-':>14} {sys.argv[3]:>12}")
else:
    i = hit[0]
    print(f"{sys.argv[2]:<5} {step[i]:>8} {wall[i]:>14.1f} {sys.argv[3]:>12}")
PY
done | tee "$work/table"
awk 'NR > 0 && $2 != "never" { n++; t[n] = $2; w[n] = $3 }
  function med(a, n,   i, j, x) {
    for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    if (n == 0) { print "no seed grokked"; exit }
    printf "median t_grok %s (min %s, max %s); ", med(t, n), t[1], t[n]
    printf "median seconds to grok %.1f (min %.1f, max %.1f); %d of %d seeds grokked\n", med(w, n), w[1], w[n], n, NR
  }' "$work/table"
