#!/usr/bin/env bash
# end_to_end.sh [PRESET] [-- GROK-TRAIN OPTIONS...] — ms per step of the whole grok-train command
# (evaluation, checkpoints, activation snapshots and HDF5 included) as
# (t(1,400 steps) - t(400 steps)) / 1,000, so that start-up and the early log-spaced snapshots
# cancel. Each option set given with --variant is timed in turn, interleaved twice, in one
# invocation (ROUNDS, default 2); the machine must be otherwise idle. --with BINARY 'OPTIONS'
# times another grok-train build (an older release, say) in the same rounds. For nanda2023 each
# round also times the eager PyTorch step of the same model in its own process
# (bench/nanda_step.py, median of 30 steps, same threads), and the summary gives each variant's
# median ms per step and the eager step's multiple of it (issue #10, target 1: >= 7x).
#   bash bench/end_to_end.sh nanda2023 --variant "--factored-forward true" --variant "--factored-forward true --precision bf16"
#   bash bench/end_to_end.sh nanda2023 --with /tmp/old/grok-train "" --variant ""
# Env GROK_TRAIN (default build/grok-train: the --variant binary), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-nanda2023}
shift || true
train=${GROK_TRAIN:-build/grok-train}
binaries=() variants=()  # variant i runs binaries[i] with options variants[i]
usage="usage: end_to_end.sh [PRESET] [--variant 'OPTIONS' | --with BINARY 'OPTIONS']..."
while [[ $# -gt 0 ]]; do
  if [[ $1 == --variant && $# -ge 2 ]]; then
    binaries+=("$train") variants+=("$2")
    shift 2
  elif [[ $1 == --with && $# -ge 3 ]]; then
    [[ -x $2 ]] || { echo "end_to_end.sh: $2 is not an executable" >&2; exit 2; }
    binaries+=("$2") variants+=("$3")
    shift 3
  else
    echo "$usage" >&2
    exit 2
  fi
done
[[ ${#variants[@]} -gt 0 ]] || binaries=("$train") variants=("")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

seconds() {  # seconds BINARY STEPS OPTIONS: wall time of one whole command
  local binary=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$binary" --preset "$preset" --steps "$1" --stop-after-grok -1 --threads "${THREADS:-2}" $2 \
    --out "$dir/run.h5" --force --quiet >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pytorch=()  # the eager PyTorch step per round (nanda2023 only)
results=()  # "variant-index ms" per round

echo "preset $preset, ${THREADS:-2} threads: ms per step = (t(1400) - t(400)) / 1000, ${ROUNDS:-2} rounds"
for round in $(seq "${ROUNDS:-2}"); do
  if [[ $preset == nanda2023 ]]; then
    eager=$(/usr/bin/python3 bench/nanda_step.py --threads "${THREADS:-2}" --steps 30 | awk '/^ms_per_step/ { print $2 }')
    pytorch+=("$eager")
    printf "round %d  %-50s %42.1f ms/step\n" "$round" "PyTorch eager step (bench/nanda_step.py)" "$eager"
  fi
  for i in "${!variants[@]}"; do
    b=${binaries[$i]} v=${variants[$i]}
    short=$(seconds "$b" 400 "$v")
    long=$(seconds "$b" 1400 "$v")
    label="${v:-(preset as is)}"
    [[ $b == "$train" ]] || label="[$b] $label"
    ms=$(echo "($long - $short)" | bc -l)
    results+=("$i $ms")
    printf "round %d  %-50s t(400) %6.1f s  t(1400) %6.1f s  %6.1f ms/step\n" "$round" "$label" "$short" "$long" "$ms"
  done
done

echo "== medians over the rounds"
[[ ${#pytorch[@]} -gt 0 ]] && eager=$(printf '%s\n' "${pytorch[@]}" | median)
for i in "${!variants[@]}"; do
  label="${variants[$i]:-(preset as is)}"
  [[ ${binaries[$i]} == "$train" ]] || label="[${binaries[$i]}] $label"
  ms=$(printf '%s\n' "${results[@]}" | awk -v i="$i" '$1 == i { print $2 }' | median)
  if [[ ${#pytorch[@]} -gt 0 ]]; then
    printf "%-60s %6.1f ms/step  (PyTorch eager step %.1f ms: %.1fx)\n" "$label" "$ms" "$eager" \
      "$(echo "$eager / $ms" | bc -l)"
  else
    printf "%-60s %6.1f ms/step\n" "$label" "$ms"
  fi
done
