#!/usr/bin/env bash
# check_report.sh GROK_PROBE FILE.h5 OUT_DIR [EXPECT] [CHARTS] — the HTML report of a run (or of a
# sweep's sweep.h5) renders in headless Chromium: no console errors, every chart drawn as SVG, a
# screenshot PNG under OUT_DIR; EXPECT ("grokked", "did not grok", "8 of 8 rows complete") must
# appear in bold on the page; CHARTS, if given, are the chart ids the page must have, in order
# (comma-separated), so a chart that should be left out is not drawn empty. REPORT_ARGS (environment):
# more options for grok-probe report.
set -uo pipefail
probe=$1 run=$2 out=$3 expect=${4:-grokked} charts=${5:-}
mkdir -p "$out"
name=$(basename "$run" .h5)
html="$out/$name.report.html"
# shellcheck disable=SC2086  # REPORT_ARGS: extra options for grok-probe report, split on spaces
"$probe" report "$run" -o "$html" ${REPORT_ARGS:-} || { echo "FAIL: grok-probe report exited $?"; exit 1; }
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
        --disable-component-update --disable-sync --virtual-time-budget=20000)
profile=$(mktemp -d)
"${chrome[@]}" --user-data-dir="$profile" --enable-logging=stderr --v=0 --dump-dom "file://$html" \
  >"$out/$name.dom.html" 2>"$out/$name.console.txt"
rm -rf "$profile"
profile=$(mktemp -d)
"${chrome[@]}" --user-data-dir="$profile" --window-size=1280,3000 --screenshot="$out/$name.png" "file://$html" \
  >/dev/null 2>&1
rm -rf "$profile"
fail=0
if grep -E "CONSOLE.*(Uncaught|Error)" "$out/$name.console.txt"; then echo "FAIL: console errors"; fail=1; fi
/usr/bin/python3 - "$out/$name.dom.html" "$expect" "$charts" <<'PY' || fail=1
import re, sys
dom, expect, want = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
charts = re.findall(r'<div class="chart[^"]*" id="(chart-[a-z0-9-]+)"', dom)
rendered = re.search(r'data-rendered="(\d+)"', dom)
errors = re.search(r'<div id="errors">(.*?)</div>', dom, re.S)
assert charts, "no chart containers"
assert rendered and int(rendered.group(1)) == len(charts), f"rendered {rendered and rendered.group(1)} of {len(charts)}"
for c in charts:
    body = dom.split(f'id="{c}"', 1)[1][:200000]
    assert "<svg" in body.split('<div class="chart', 1)[0], f"{c} has no svg"
assert errors and not errors.group(1).strip(), f"page errors: {errors.group(1)}"
assert f"<b>{expect}</b>" in dom, f"page does not say '{expect}'"
if want:
    ids = [c[len("chart-"):] for c in charts]
    assert ids == want.split(","), f"charts {ids}, expected {want.split(',')}"
print(f"{len(charts)} charts rendered as SVG: {', '.join(charts)}")
PY
[[ -s "$out/$name.png" ]] || { echo "FAIL: no screenshot"; fail=1; }
[[ $fail -eq 0 ]] && echo "screenshot: $out/$name.png"
exit $fail
