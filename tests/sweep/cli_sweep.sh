#!/usr/bin/env bash
# cli_sweep.sh GROK_SWEEP DIR — grok-sweep end to end on this machine: a 2x2x2 grid trains 8
# real runs whose sweep.h5 agrees with the run files (h5py); the same command again trains
# nothing; a changed grid is refused until --extend, which keeps the old runs; a failing row
# is recorded with its error while the others complete; Ctrl-C stops every run cleanly and
# the same command resumes them; bad input is one line and exit 2.
set -uo pipefail
sweep=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir" && mkdir -p "$dir"
failures=0
source "$here/../lib/checks.sh"
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
small=(--preset demo --p 23 --steps 60 --activation-log 0 --checkpoint-every 20)
mtimes() { stat -c '%n %Y' "$1"/runs/*.h5 | sort; }
status_of() { /usr/bin/python3 -c "import h5py,sys; print(' '.join(h5py.File(sys.argv[1])['rows/status'].asstr()[()]))" "$1/sweep.h5"; }

# ---- a grid of 8 runs
"$sweep" "${small[@]}" --grid weight_decay=0,1 --grid frac_train=0.3,0.5 --seeds 0-1 --out "$dir/grid" \
  >"$dir/grid.out" 2>"$dir/grid.err"
check "8-row grid exits 0" "[[ $? -eq 0 ]]"
check "8 run files" "[[ \$(ls $dir/grid/runs/*.h5 | wc -l) -eq 8 ]]"
check "all rows complete" "[[ '$(status_of "$dir/grid")' == 'complete complete complete complete complete complete complete complete' ]]"
/usr/bin/python3 "$here/check_sweep_file.py" "$dir/grid"
check "sweep.h5 agrees with the run files" "[[ $? -eq 0 ]]"

before=$(mtimes "$dir/grid")
"$sweep" "${small[@]}" --grid weight_decay=0,1 --grid frac_train=0.3,0.5 --seeds 0-1 --out "$dir/grid" \
  >"$dir/again.out" 2>&1
check "the same command again exits 0" "[[ $? -eq 0 ]]"
check "... and trains nothing" "[[ '$before' == '$(mtimes "$dir/grid")' ]] && grep -q '8 complete' '$dir/again.out'"

"$sweep" "${small[@]}" --grid weight_decay=0,1,2 --grid frac_train=0.3,0.5 --seeds 0-1 --out "$dir/grid" \
  >/dev/null 2>"$dir/changed.err"
check "a changed grid is refused (exit 2)" "[[ $? -eq 2 ]] && grep -q -- '--extend' '$dir/changed.err' && [[ \$(wc -l <'$dir/changed.err') -eq 1 ]]"
"$sweep" "${small[@]}" --grid weight_decay=0,1,2 --grid frac_train=0.3,0.5 --seeds 0-1 --out "$dir/grid" --extend \
  >/dev/null 2>&1
check "--extend adds 4 rows (exit 0)" "[[ $? -eq 0 ]] && [[ \$(ls $dir/grid/runs/*.h5 | wc -l) -eq 12 ]]"
check "... and leaves the old 8 runs alone" "[[ '$before' == '$(mtimes "$dir/grid" | head -8)' ]]"

# ---- a row that fails does not stop the others
"$sweep" "${small[@]}" --grid hooks=bogus,default --seeds 0 --out "$dir/failing" >"$dir/failing.out" 2>&1
check "a sweep with a failed row exits 3" "[[ $? -eq 3 ]]"
check "the failed row is recorded with grok-train's error; the other completes" \
  "[[ '$(status_of "$dir/failing")' == 'failed complete' ]] && /usr/bin/python3 -c \"import h5py; e=h5py.File('$dir/failing/sweep.h5')['rows/error'].asstr()[0]; assert 'unknown hook' in e, e\""

# ---- Ctrl-C: every run checkpoints; the same command resumes
long=(--preset demo --p 23 --steps 3000 --stop-after-grok -1 --activation-log 0 --checkpoint-every 500)
"$sweep" "${long[@]}" --grid weight_decay=1,2 --out "$dir/stopped" --jobs 1 >"$dir/stopped.out" 2>&1 &
pid=$!
wait_for_metric_rows "$dir/stopped/runs/r0000.h5" 3
"$sweep" "${long[@]}" --grid weight_decay=1,2 --out "$dir/stopped" >/dev/null 2>"$dir/busy.err"
check "a second grok-sweep on a busy directory is refused" "[[ $? -eq 2 ]] && grep -q 'in use by another grok-sweep' '$dir/busy.err'"
kill -INT $pid
wait $pid
check "SIGINT: grok-sweep exits 130" "[[ $? -eq 130 ]]"
check "... the running row is interrupted, the other still pending" "[[ '$(status_of "$dir/stopped")' == 'interrupted pending' ]]"
check "... and its run file says interrupted" "/usr/bin/python3 -c \"import h5py; assert h5py.File('$dir/stopped/runs/r0000.h5').attrs['status'] == 'interrupted'\""
"$sweep" "${long[@]}" --grid weight_decay=1,2 --out "$dir/stopped" >/dev/null 2>&1
check "the same command finishes the sweep" "[[ $? -eq 0 ]] && [[ '$(status_of "$dir/stopped")' == 'complete complete' ]]"
check "... resuming the interrupted run" "grep -q 'resum' '$dir/stopped/logs/r0000.log' || /usr/bin/python3 -c \"import h5py; assert 'resumed_from_step' in h5py.File('$dir/stopped/runs/r0000.h5').attrs\""
/usr/bin/python3 "$here/check_sweep_file.py" "$dir/stopped" >/dev/null
check "... whose sweep.h5 agrees with the run files" "[[ $? -eq 0 ]]"

# ---- every shipped sweep is valid: --dry-run checks each row's options, trains and writes nothing
for expect in fraction:27 lr-wd:42 dd-random-features:126 dd-mlp:44; do
  name=${expect%%:*} rows=${expect##*:}
  "$sweep" --sweep "$name" --out "$dir/dry-$name" --dry-run >"$dir/dry.out" 2>&1
  check "--sweep $name --dry-run: exit 0, $rows rows, nothing written" \
    "[[ $? -eq 0 ]] && tail -1 '$dir/dry.out' | grep -q '^$rows rows, $rows to train' && [[ ! -e '$dir/dry-$name' ]]"
done

# ---- bad input: one line, exit 2
bad() { expect_one_line_error "$sweep" "bad input: $*" "$@"; }
bad "${small[@]}" --grid weight_decay=0,1
bad "${small[@]}" --grid nonsense=1,2 --out "$dir/bad"
bad "${small[@]}" --grid weight_decay=0,1 --seeds 3-1 --out "$dir/bad"
bad "${small[@]}" --grid seed=1,2 --out "$dir/bad"
bad "${small[@]}" --grid frac_train=0.3,1.5 --out "$dir/bad"
bad "${small[@]}" --grid weight_decay=0,1 --jobs 1000 --out "$dir/bad"
bad "${small[@]}" --grid weight_decay=0,1 --no-wait --out "$dir/bad"
bad "${small[@]}" --grid weight_decay=0,1 --weight-decay 2 --out "$dir/bad"
bad --preset nope --grid weight_decay=0,1 --out "$dir/bad"
bad --collect "$dir/nothing-here"
mkdir -p "$dir/notasweep" && cp "$dir/grid/runs/r0000.h5" "$dir/notasweep/sweep.h5"
bad "${small[@]}" --grid weight_decay=0,1 --out "$dir/notasweep"
check "no bad input left rows behind" "[[ ! -e $dir/bad/sweep.h5 ]]"

[[ $failures -eq 0 ]] || { echo "$failures failed"; exit 1; }
echo "all passed"
