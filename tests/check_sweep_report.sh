#!/usr/bin/env bash
# check_sweep_report.sh GROK_PROBE SWEEP_DIR OUT_DIR — a sweep's report renders in headless Chromium
# (tests/check_report.sh) with every chart that applies; then, on a copy of the sweep with one row
# marked failed and the diagram's axes swapped, it lists the failed row with its error, counts it
# out, and draws the t_grok curve of the --x axis only.
set -uo pipefail
probe=$1 sweep=$2 out=$3
here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out"
fail=0
all=t-grok-diagram,phase-diagram,seeds-weight-decay,seeds-d-mlp,size-test-loss,size-test-error,epochwise
bash "$here/check_report.sh" "$probe" "$sweep/sweep.h5" "$out/full" "8 of 8 rows complete" "$all" || fail=1

cp -r "$sweep" "$out/failed"
/usr/bin/python3 - "$out/failed/sweep.h5" <<'PY' || fail=1
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f["rows/status"][5] = "failed"
    f["rows/error"][5] = "exit 1: grok-probe test planted this failure"
PY
REPORT_ARGS="--x d_mlp --y weight_decay" bash "$here/check_report.sh" "$probe" "$out/failed/sweep.h5" "$out/failed" \
  "7 of 8 rows complete" t-grok-diagram,phase-diagram,seeds-d-mlp,size-test-loss,size-test-error,epochwise || fail=1
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
exit $fail
