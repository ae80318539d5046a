#!/usr/bin/env bash
# sweep_bench.sh [N_SEEDS] — what a sweep costs, whole commands timed side by side on this machine:
# 48 demo-sized runs (4 weight decays x 12 seeds, 300 steps each, evaluation, checkpoints and
# the sweep's result collection included) trained
#   (1) one by one with grok-train, each run using every core (--threads = cores),
#   (2) one by one with grok-train, one thread each,
#   (3) by grok-sweep --jobs (one thread per run, cores runs at once),
#   (4) by grok-sweep --slurm on a local single-node Slurm this script starts (root only),
# and the per-array-task overhead of Slurm. Run on an idle machine: nothing else may build.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-12}
cores=$(nproc)
work=$(mktemp -d /tmp/grok-sweep-bench.XXXX)
trap 'bash tests/slurm/cluster.sh down "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
common=(--preset demo --steps 300 --stop-after-grok -1 --activation-log 0 --checkpoint-every 100)
wds=(0.5 1 2 3)
n=$((${#wds[@]} * seeds))
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

one_by_one() {  # threads
  local t0; t0=$(now)
  for wd in "${wds[@]}"; do
    for ((s = 0; s < seeds; ++s)); do
      build/grok-train "${common[@]}" --weight-decay "$wd" --seed "$s" --threads "$1" \
        --out "$work/loop$1/wd$wd-s$s.h5" --quiet >/dev/null
    done
  done
  elapsed "$t0"
}

echo "== $n runs of the demo model, 300 steps each, on $cores cores"
t_loop_all=$(one_by_one "$cores")
echo "one by one, $cores threads each:  ${t_loop_all} s"
t_loop_one=$(one_by_one 1)
echo "one by one, 1 thread each:    ${t_loop_one} s"
t0=$(now)
build/grok-sweep "${common[@]}" --grid weight_decay=$(IFS=,; echo "${wds[*]}") --seeds "0-$((seeds - 1))" \
  --out "$work/sweep" >/dev/null 2>&1
t_sweep=$(elapsed "$t0")
echo "grok-sweep --jobs $cores:        ${t_sweep} s"
awk -v a="$t_loop_all" -v b="$t_loop_one" -v c="$t_sweep" -v n="$n" 'BEGIN {
  printf "grok-sweep vs one by one (%s threads): %.2fx faster; vs one by one (1 thread): %.2fx; %.2f s per run\n",
         "all", a / c, b / c, c / n }'

if up=$(bash tests/slurm/cluster.sh up "$work/cluster" 2>/dev/null); then
  eval "$up"
  t0=$(now)
  build/grok-sweep "${common[@]}" --grid weight_decay=$(IFS=,; echo "${wds[*]}") --seeds "0-$((seeds - 1))" \
    --out "$work/slurm" --slurm >/dev/null 2>&1
  t_slurm=$(elapsed "$t0")
  echo "grok-sweep --slurm (1 node, $cores CPUs): ${t_slurm} s"
  awk -v s="$t_slurm" -v c="$t_sweep" -v n="$n" -v k="$cores" 'BEGIN {
    printf "Slurm overhead: %.1f s in all, %.2f s per array task (%.2f s per task and CPU slot)\n",
           s - c, (s - c) / n, (s - c) / n * k }'
else
  echo "grok-sweep --slurm: skipped (no local Slurm: needs root and slurm-wlm)"
fi
