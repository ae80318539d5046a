#!/usr/bin/env bash
# share_cores.sh [STEPS] — what a run pays when another run shares the machine (issue #10, target 5).
#
# The same grok-train command (demo preset, STEPS steps, every core's worth of threads) timed
#   solo:  alone on the machine;
#   pair:  two copies started together, each with as many threads as there are cores,
# under each OpenMP wait policy: libgomp's default (busy-wait up to 300,000 spins before sleeping,
# which a process whose threads wait for cores the other holds pays for), PASSIVE (sleep at once),
# and what grokscope's tools use when the environment names none. Whole commands, start-up,
# evaluation and recording included; median of REPEATS (default 3). POLICIES="GOMP_SPINCOUNT=10000 -"
# times other rows ("-" = the environment unset). Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-300}
repeats=${REPEATS:-3}
cores=$(nproc)
work=$(mktemp -d /tmp/grok-share-cores.XXXX)
trap 'rm -rf "$work"' EXIT
cmd=(build/grok-train --preset demo --steps "$steps" --stop-after-grok -1 --threads "$cores" --quiet)

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run_one ENV OUT: one command under env ENV ("-" for none), wall seconds on stdout.
run_one() {
  local t0; t0=$(now)
  if [ "$1" = - ]; then "${cmd[@]}" --out "$2" --force >/dev/null; else env "$1" "${cmd[@]}" --out "$2" --force >/dev/null; fi
  awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f\n", b - a }'
}

# pair ENV: two commands at once; the slower one's wall seconds.
pair() {
  local t0; t0=$(now)
  if [ "$1" = - ]; then
    "${cmd[@]}" --out "$work/a.h5" --force >/dev/null & "${cmd[@]}" --out "$work/b.h5" --force >/dev/null & wait
  else
    env "$1" "${cmd[@]}" --out "$work/a.h5" --force >/dev/null & env "$1" "${cmd[@]}" --out "$work/b.h5" --force >/dev/null & wait
  fi
  awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f\n", b - a }'
}

echo "== demo preset, $steps steps, --threads $cores, on $cores cores; median of $repeats (whole commands)"
printf '%-34s %9s %9s %9s\n' "OpenMP wait policy" "solo s" "pair s" "pair/solo"
for policy in ${POLICIES:-"GOMP_SPINCOUNT=300000" "OMP_WAIT_POLICY=PASSIVE" "-"}; do
  solo=$(for ((i = 0; i < repeats; ++i)); do run_one "$policy" "$work/solo.h5"; done | median)
  two=$(for ((i = 0; i < repeats; ++i)); do pair "$policy"; done | median)
  label=$policy
  [ "$policy" = "GOMP_SPINCOUNT=300000" ] && label="libgomp default (spin 300k)"
  [ "$policy" = - ] && label="grokscope (environment unset)"
  printf '%-34s %9s %9s %9.2f\n' "$label" "$solo" "$two" "$(awk -v a="$two" -v b="$solo" 'BEGIN { print a / b }')"
done
