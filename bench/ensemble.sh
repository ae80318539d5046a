#!/usr/bin/env bash
# ensemble.sh [PRESET] [K] [STEPS] — K models at once (grok-train --seeds 0-(K-1)) against the same
# K runs one after another, side by side in one invocation: the whole command's wall time, the
# training part of --verbose's split, and ms per model-step (training / (K x STEPS)). Fixed steps
# (--stop-after-grok -1) so both sides do the same work; recording as the preset has it.
# Env GROK_TRAIN (default build/grok-train), DEVICE (default cpu), THREADS (default: the tool's).
#   bash bench/ensemble.sh demo 8 500
#   bash bench/ensemble.sh nanda2023 4 40
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-demo} k=${2:-8} steps=${3:-500}
train=${GROK_TRAIN:-build/grok-train}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common=(--preset "$preset" --steps "$steps" --stop-after-grok -1 --device "${DEVICE:-cpu}" --verbose --quiet --force)
[[ -n ${THREADS:-} ]] && common+=(--threads "$THREADS")

# seconds WHAT -- CMD...: runs CMD, prints "WHAT whole-seconds training-seconds".
seconds() {
  local what=$1 t0 t1 log
  shift 2
  log=$dir/log
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$log"
  t1=$(date +%s.%N)
  echo "$what $(echo "$t1 - $t0" | bc) $(sed -nE 's/^time: .* = training ([0-9.]+) s.*/\1/p' "$log" | paste -sd+ | bc)"
}

together=$(seconds together -- "$train" "${common[@]}" --seeds "0-$((k - 1))" --out "$dir/together")
alone_whole=0 alone_training=0
for ((s = 0; s < k; s++)); do
  read -r _ whole training < <(seconds alone -- "$train" "${common[@]}" --seed "$s" --out "$dir/alone-$s.h5")
  alone_whole=$(echo "$alone_whole + $whole" | bc) alone_training=$(echo "$alone_training + $training" | bc)
done
read -r _ whole training <<<"$together"
echo "$preset, $k models x $steps steps, device ${DEVICE:-cpu}:"
printf '  %-22s whole command %7.1f s   training %7.1f s   %6.2f ms per model-step\n' \
  "at once (--seeds)" "$whole" "$training" "$(echo "1000 * $training / ($k * $steps)" | bc -l)" \
  "one after another" "$alone_whole" "$alone_training" "$(echo "1000 * $alone_training / ($k * $steps)" | bc -l)"
printf '  speed-up: whole command %.2fx, training %.2fx\n' "$(echo "$alone_whole / $whole" | bc -l)" \
  "$(echo "$alone_training / $training" | bc -l)"
