#!/usr/bin/env bash
# check_sweep_report.sh GROK_PROBE SWEEP_DIR OUT_DIR — a sweep's report renders in headless Chromium
# (tests/check_report.sh) with every chart that applies, the double-descent charts first (a d_mlp
# sweep); the t_grok charts only when some row generalised. Then, on a copy with one row marked
# failed, one planted as generalised and the diagram's axes swapped, it lists the failed row with its
# error, counts it out, and draws the t_grok curve of the --x axis only; on a copy where no row
# generalised, it leaves every t_grok chart out.
set -uo pipefail
probe=$1 sweep=$2 out=$3
here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out"
fail=0
double_descent=size-test-loss,size-test-error,epochwise
# Whether the tiny sweep generalised depends on its 300 steps: the copies below plant both cases.
generalised=$(/usr/bin/python3 -c "import sys, h5py; f = h5py.File(sys.argv[1]); print(int(any(
  t >= 0 and s in (b'complete', 'complete') for t, s in zip(f['rows/t_grok'][:], f['rows/status'][:]))))" "$sweep/sweep.h5")
all=$double_descent,phase-diagram
[[ $generalised == 1 ]] && all=$double_descent,t-grok-diagram,phase-diagram,seeds-weight-decay,seeds-d-mlp
bash "$here/check_report.sh" "$probe" "$sweep/sweep.h5" "$out/full" "8 of 8 rows complete" "$all" || fail=1

cp -r "$sweep" "$out/failed"
/usr/bin/python3 - "$out/failed/sweep.h5" <<'PY' || fail=1
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f["rows/status"][5] = "failed"
    f["rows/error"][5] = "exit 1: grok-probe test planted this failure"
    f["rows/t_grok"][0] = 250
PY
REPORT_ARGS="--x d_mlp --y weight_decay" bash "$here/check_report.sh" "$probe" "$out/failed/sweep.h5" "$out/failed" \
  "7 of 8 rows complete" $double_descent,t-grok-diagram,phase-diagram,seeds-d-mlp || fail=1
dom="$out/failed/sweep.dom.html"
if grep -q "grok-probe test planted this failure" "$dom" && grep -q '<table id="incomplete">' "$dom"; then
  echo "ok   the failed row and its error are listed"
else
  echo "FAIL: the failed row is not listed with its error"; fail=1
fi
if grep -q 'Phases over d_mlp × weight_decay' "$dom"; then
  echo "ok   --x/--y choose the diagram's axes"
else
  echo "FAIL: the phase diagram is not over d_mlp × weight_decay"; fail=1
fi

# Nothing generalised: every t_grok would read 'never', so those charts are left out.
cp -r "$sweep" "$out/never"
/usr/bin/python3 -c "import sys, h5py; f = h5py.File(sys.argv[1], 'r+'); f['rows/t_grok'][:] = -1" \
  "$out/never/sweep.h5" || fail=1
bash "$here/check_report.sh" "$probe" "$out/never/sweep.h5" "$out/never" "8 of 8 rows complete" \
  $double_descent,phase-diagram || fail=1
exit $fail
