#!/usr/bin/env bash
# cli_sweep_slurm.sh GROK_SWEEP DIR — grok-sweep --slurm against a real single-node Slurm that
# this test starts (cluster.sh) and always stops: one job array trains the rows, a failing row
# is recorded with grok-train's error, sweep.h5 agrees with the run files (h5py); --no-wait
# returns at once and --collect merges the results later. Exit 77 (skip) without Slurm.
set -uo pipefail
sweep=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir" && mkdir -p "$dir"
trap '"$here/cluster.sh" down "$dir/cluster"' EXIT
up=$("$here/cluster.sh" up "$dir/cluster") || exit  # 77 passes through as the skip
eval "$up"
failures=0
source "$here/../lib/checks.sh"
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
small=(--preset demo --p 23 --steps 60 --activation-log 0 --checkpoint-every 20)
status_of() { /usr/bin/python3 -c "import h5py,sys; print(' '.join(h5py.File(sys.argv[1])['rows/status'].asstr()[()]))" "$1/sweep.h5"; }

t0=$(date +%s.%N)
"$sweep" "${small[@]}" --grid hooks=default,bogus --seeds 0-1 --out "$dir/array" --slurm \
  --slurm-args "--job-name=grok-test --time=10" >"$dir/array.out" 2>&1
rc=$?
echo "4-row sweep through Slurm: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"
check "--slurm with a failing row exits 3" "[[ $rc -eq 3 ]]"
check "one array of 4 tasks was submitted" "grep -q 'submitted Slurm job .*: 4 array tasks, 4 rows' '$dir/array.out' && grep -q '^#SBATCH --array=0-3' '$dir/array/slurm/array-0.sh'"
check "rows: two complete, two failed" "[[ '$(status_of "$dir/array")' == 'complete complete failed failed' ]]"
check "each array task wrote its Slurm log" "[[ \$(ls $dir/array/logs/slurm-*_*.out | wc -l) -eq 4 ]]"
check "the failed rows carry grok-train's error" "/usr/bin/python3 -c \"import h5py; e=h5py.File('$dir/array/sweep.h5')['rows/error'].asstr()[2]; assert 'unknown hook' in e, e\""
/usr/bin/python3 "$here/../sweep/check_sweep_file.py" "$dir/array" >/dev/null
check "sweep.h5 agrees with the run files" "[[ $? -eq 0 ]]"

"$sweep" "${small[@]}" --grid weight_decay=1,2 --out "$dir/later" --slurm --no-wait >"$dir/later.out" 2>&1
check "--no-wait returns 0 once submitted" "[[ $? -eq 0 ]] && grep -q 'grok-sweep --collect' '$dir/later.out'"
for _ in $(seq 600); do [[ -z $(squeue -h) ]] && break; sleep 0.2; done
"$sweep" --collect "$dir/later" >"$dir/collect.out" 2>&1
check "--collect merges the finished rows (exit 0)" "[[ $? -eq 0 ]] && [[ '$(status_of "$dir/later")' == 'complete complete' ]]"
/usr/bin/python3 "$here/../sweep/check_sweep_file.py" "$dir/later" >/dev/null
check "... and sweep.h5 agrees with the run files" "[[ $? -eq 0 ]]"

"$sweep" "${small[@]}" --grid weight_decay=1,2 --out "$dir/later" --slurm >"$dir/again.out" 2>&1
check "rerun with every row complete submits nothing" "[[ $? -eq 0 ]] && ! grep -q submitted '$dir/again.out'"

# Ctrl-C while waiting: running tasks checkpoint (interrupted), queued ones are dropped (pending).
long=(--preset demo --p 23 --steps 100000 --stop-after-grok -1 --activation-log 0 --checkpoint-every 1000)
"$sweep" "${long[@]}" --grid weight_decay=1,2,3 --out "$dir/stopped" --slurm >"$dir/stopped.out" 2>&1 &
pid=$!
wait_for_metric_rows "$dir/stopped/runs/r0000.h5" 3
kill -INT $pid
wait $pid
check "SIGINT while waiting: exit 130" "[[ $? -eq 130 ]]"
check "... started rows interrupted, the rest pending, none failed" \
  "[[ '$(status_of "$dir/stopped")' =~ ^interrupted(\ interrupted|\ pending)*$ ]] && ! grep -q failed <<<'$(status_of "$dir/stopped")'"
check "... and the interrupted run files say so" "/usr/bin/python3 -c \"import h5py; assert h5py.File('$dir/stopped/runs/r0000.h5').attrs['status'] == 'interrupted'\""

[[ $failures -eq 0 ]] || { echo "$failures failed; Slurm logs in $dir/cluster/log"; exit 1; }
echo "all passed"
