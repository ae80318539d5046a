#!/usr/bin/env bash
# share_cores.sh [STEPS] — what a run pays when another run shares the machine (issue #10, target 5).
#
# The same grok-train command (demo preset, STEPS steps, every core's worth of threads) timed
#   solo:  alone on the machine;
#   pair:  two copies started together, each with as many threads as there are cores,
#   staggered: the same two, the second started STAGGER seconds (default 0.5) after the first, so
#          that the first had the machine to itself when it looked,
# under each OpenMP wait policy: libgomp's default (busy-wait up to 300,000 spins before sleeping,
# which a process whose threads wait for cores the other holds pays for), PASSIVE (sleep at once),
# and what grokscope's tools use when the environment names none. Whole commands, start-up,
# evaluation and recording included; median of REPEATS (default 3). POLICIES="GOMP_SPINCOUNT=10000 -"
# times other rows ("-" = the environment unset). Run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-300}
repeats=${REPEATS:-3}
stagger=${STAGGER:-0.5}
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

# pair ENV DELAY: two commands, the second started DELAY seconds after the first; the larger of
# their own wall seconds (each timed from its own start).
pair() {
  run_one "$1" "$work/a.h5" >"$work/a.s" &
  sleep "$2"
  run_one "$1" "$work/b.h5" >"$work/b.s" &
  wait
  sort -g "$work/a.s" "$work/b.s" | tail -1
}

echo "== demo preset, $steps steps, --threads $cores, on $cores cores; median of $repeats (whole commands)"
echo "   pair: two started together; staggered: the second $stagger s after the first (each timed from its own start)"
printf '%-34s %9s %9s %9s %11s %9s\n' "OpenMP wait policy" "solo s" "pair s" "pair/solo" "staggered s" "/solo"
for policy in ${POLICIES:-"GOMP_SPINCOUNT=300000" "OMP_WAIT_POLICY=PASSIVE" "-"}; do
  solo=$(for ((i = 0; i < repeats; ++i)); do run_one "$policy" "$work/solo.h5"; done | median)
  two=$(for ((i = 0; i < repeats; ++i)); do pair "$policy" 0; done | median)
  late=$(for ((i = 0; i < repeats; ++i)); do pair "$policy" "$stagger"; done | median)
  label=$policy
  [ "$policy" = "GOMP_SPINCOUNT=300000" ] && label="libgomp default (spin 300k)"
  [ "$policy" = - ] && label="grokscope (environment unset)"
  printf '%-34s %9s %9s %9.2f %11s %9.2f\n' "$label" "$solo" "$two" "$(awk -v a="$two" -v b="$solo" 'BEGIN { print a / b }')" \
    "$late" "$(awk -v a="$late" -v b="$solo" 'BEGIN { print a / b }')"
done
