#!/usr/bin/env bash
# check_slurm_array.sh DIR — smoke test of the local Slurm that grok-sweep --slurm's tests run
# against: cluster.sh starts one in DIR, a 4-task job array writes each $SLURM_ARRAY_TASK_ID
# into its own file, every file must hold its task's id, and the cluster stops again (always).
# Exit 77 (skipped) where cluster.sh cannot start a cluster (not root, no slurm-wlm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
trap '"$here/cluster.sh" down "$dir"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
t=$(now)
up=$("$here/cluster.sh" up "$dir") || exit  # 77 passes through as the skip
eval "$up"
echo "cluster up in $(since "$t")"

rm -rf "$dir/out" && mkdir -p "$dir/out"
cat >"$dir/task.sh" <<'EOF'
#!/bin/bash
echo "$SLURM_ARRAY_TASK_ID" >"$1/task.$SLURM_ARRAY_TASK_ID"
EOF
t=$(now)
job=$(sbatch --parsable --array=0-3 --output=/dev/null "$dir/task.sh" "$dir/out")
# Poll squeue every 0.1 s rather than sbatch --wait, which looks only every few seconds.
for _ in $(seq 600); do [[ -z $(squeue -h -j "$job") ]] && break; sleep 0.1; done
echo "4-task array $job done in $(since "$t")"

failures=0
for i in 0 1 2 3; do
  got=$(cat "$dir/out/task.$i" 2>/dev/null || echo missing)
  if [[ $got == "$i" ]]; then echo "ok   task $i wrote $i"; else echo "FAIL task $i: $got"; failures=$((failures + 1)); fi
done
n=$(find "$dir/out" -type f | wc -l)
[[ $n -eq 4 ]] || { echo "FAIL expected 4 files, found $n"; failures=$((failures + 1)); }
[[ $failures -eq 0 ]] || { echo "logs: $dir/log"; exit 1; }
