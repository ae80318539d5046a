#!/usr/bin/env bash
# end_to_end.sh [PRESET] [-- GROK-TRAIN OPTIONS...] — ms per step of the whole grok-train command
# (evaluation, checkpoints, activation snapshots and HDF5 included) as
# (t(1,400 steps) - t(400 steps)) / 1,000, so that start-up and the early log-spaced snapshots
# cancel. Each option set given with --variant is timed in turn, interleaved twice, in one
# invocation (ROUNDS, default 2); the machine must be otherwise idle.
#   bash bench/end_to_end.sh nanda2023 --variant "--factored-forward true" --variant "--factored-forward true --precision bf16"
# Env GROK_TRAIN (default build/grok-train), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-nanda2023}
shift || true
variants=()
while [[ $# -gt 0 ]]; do
  [[ $1 == --variant && $# -ge 2 ]] || { echo "usage: end_to_end.sh [PRESET] [--variant 'OPTIONS']..." >&2; exit 2; }
  variants+=("$2")
  shift 2
done
[[ ${#variants[@]} -gt 0 ]] || variants=("")
train=${GROK_TRAIN:-build/grok-train}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

seconds() {  # seconds STEPS OPTIONS: wall time of one whole command
  local t0 t1
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$train" --preset "$preset" --steps "$1" --stop-after-grok -1 --threads "${THREADS:-2}" $2 \
    --out "$dir/run.h5" --force --quiet >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

echo "preset $preset, ${THREADS:-2} threads: ms per step = (t(1400) - t(400)) / 1000, ${ROUNDS:-2} rounds"
for round in $(seq "${ROUNDS:-2}"); do
  for v in "${variants[@]}"; do
    short=$(seconds 400 "$v")
    long=$(seconds 1400 "$v")
    printf "round %d  %-50s t(400) %6.1f s  t(1400) %6.1f s  %6.1f ms/step\n" "$round" "${v:-(preset as is)}" \
      "$short" "$long" "$(echo "($long - $short)" | bc -l)"
  done
done
