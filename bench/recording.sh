#!/usr/bin/env bash
# recording.sh [PRESET] [STEPS] [--with BINARY 'OPTIONS']... — what recording costs a run, side by
# side in one invocation: for --gzip 0, 1 (the default) and 4, and for any other build given with
# --with (an older release, say), the whole command's wall time, --verbose's split (training,
# evaluation, checkpoints, activation snapshots) and the run file's size. Interleaved ROUNDS times
# (default 2); fixed steps (--stop-after-grok -1); the machine must be otherwise idle.
#   bash bench/recording.sh nanda2023 400 --with /tmp/old/grok-train "--factored-forward true"
# Env GROK_TRAIN (default build/grok-train), THREADS (default 2), OPTIONS (added to every variant of
# GROK_TRAIN, e.g. "--factored-forward true").
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-nanda2023} steps=${2:-400}
shift 2 || shift $#
train=${GROK_TRAIN:-build/grok-train}
binaries=() variants=()  # variant i runs binaries[i] with options variants[i]
for level in 0 1 4; do binaries+=("$train") variants+=("${OPTIONS:-} --gzip $level"); done
while [[ $# -gt 0 ]]; do
  [[ $1 == --with && $# -ge 3 ]] || { echo "usage: recording.sh [PRESET] [STEPS] [--with BINARY 'OPTIONS']..." >&2; exit 2; }
  [[ -x $2 ]] || { echo "recording.sh: $2 is not an executable" >&2; exit 2; }
  binaries+=("$2") variants+=("$3")
  shift 3
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "preset $preset, $steps steps, ${THREADS:-2} threads, ${ROUNDS:-2} rounds (seconds; file in MB)"
printf "%-5s %-52s %7s %8s %10s %11s %11s %8s\n" round variant whole training evaluation checkpoints activations file
for round in $(seq "${ROUNDS:-2}"); do
  for i in "${!variants[@]}"; do
    b=${binaries[$i]} v=${variants[$i]}
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$b" --preset "$preset" --steps "$steps" --stop-after-grok -1 --threads "${THREADS:-2}" $v \
      --out "$dir/run.h5" --force --verbose --quiet >/dev/null 2>"$dir/log"
    t1=$(date +%s.%N)
    # "time: W s = training T s (..) + recording R s (..: evaluation E s, checkpoints C s, activations A s, ..."
    split=$(sed -nE 's/^time: .* training ([0-9.]+) s .*evaluation ([0-9.]+) s, checkpoints ([0-9.]+) s, activations ([0-9.]+) s.*/\1 \2 \3 \4/p' "$dir/log")
    [[ -n $split ]] || { echo "recording.sh: no time split from $b (see its output below)" >&2; cat "$dir/log" >&2; exit 1; }
    read -r training evaluation checkpoints activations <<<"$split"
    label=$v
    [[ $b == "$train" ]] || label="[$b] $v"
    printf "%-5s %-52s %7.1f %8s %10s %11s %11s %8.1f\n" "$round" "$label" "$(echo "$t1 - $t0" | bc)" \
      "$training" "$evaluation" "$checkpoints" "$activations" "$(echo "$(stat -c %s "$dir/run.h5") / 1000000" | bc -l)"
  done
done
