#!/usr/bin/env bash
# check_report.sh GROK_PROBE RUN.h5 OUT_DIR [EXPECT] — the HTML report renders in headless Chromium:
# no console errors, every chart drawn as SVG, a screenshot PNG under OUT_DIR; EXPECT ("grokked" or
# "did not grok") must appear on the page.
set -uo pipefail
probe=$1 run=$2 out=$3 expect=${4:-grokked}
mkdir -p "$out"
name=$(basename "$run" .h5)
html="$out/$name.report.html"
"$probe" report "$run" -o "$html" || { echo "FAIL: grok-probe report exited $?"; exit 1; }
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
/usr/bin/python3 - "$out/$name.dom.html" "$expect" <<'PY' || fail=1
import re, sys
dom, expect = open(sys.argv[1]).read(), sys.argv[2]
charts = re.findall(r'<div class="chart[^"]*" id="(chart-[a-z]+)"', dom)
rendered = re.search(r'data-rendered="(\d+)"', dom)
errors = re.search(r'<div id="errors">(.*?)</div>', dom, re.S)
assert charts, "no chart containers"
assert rendered and int(rendered.group(1)) == len(charts), f"rendered {rendered and rendered.group(1)} of {len(charts)}"
for c in charts:
    body = dom.split(f'id="{c}"', 1)[1][:200000]
    assert "<svg" in body.split('<div class="chart', 1)[0], f"{c} has no svg"
assert errors and not errors.group(1).strip(), f"page errors: {errors.group(1)}"
assert f"<b>{expect}</b>" in dom, f"page does not say '{expect}'"
print(f"{len(charts)} charts rendered as SVG: {', '.join(charts)}")
PY
[[ -s "$out/$name.png" ]] || { echo "FAIL: no screenshot"; fail=1; }
[[ $fail -eq 0 ]] && echo "screenshot: $out/$name.png"
exit $fail
