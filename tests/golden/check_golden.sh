#!/usr/bin/env bash
# check_golden.sh GROK_TRAIN GROK_PROBE DIR [--update] — grok-probe's JSON on a fixed demo run (1 thread) must
# equal the stored tests/golden/demo1.<command>.json (to 1e-6 relative): a refactor that changes any
# number fails here. After an intended change of a measure, rerun with --update, check the diff
# (git diff tests/golden) and say why in the commit.
set -euo pipefail
train=$1 probe=$2 dir=$3 update=${4:-}
golden=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir" && mkdir -p "$dir"
# One thread: the run and every measure are then deterministic on this machine.
"$train" --preset demo --stop-after-grok 100 --checkpoint-every 100 --activation-log 0 --threads 1 --out "$dir/demo1.h5" --quiet >/dev/null
failures=0
for cmd in summary fourier norms probes; do
  "$probe" "$cmd" "$dir/demo1.h5" --json --threads 1 > "$dir/demo1.$cmd.json"
  if [[ $update == --update ]]; then
    /usr/bin/python3 -m json.tool --indent 1 "$dir/demo1.$cmd.json" > "$golden/demo1.$cmd.json"
    echo "updated tests/golden/demo1.$cmd.json"
  elif /usr/bin/python3 "$golden/compare.py" "$golden/demo1.$cmd.json" "$dir/demo1.$cmd.json" --rtol 1e-6 --atol 1e-12; then
    echo "ok   $cmd"
  else
    echo "FAIL $cmd differs from tests/golden/demo1.$cmd.json"; failures=$((failures + 1))
  fi
done
echo "$((4 - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
