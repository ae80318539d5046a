#!/usr/bin/env bash
# accelerators.sh [SEEDS] [RECIPES...] — steps to 99% test accuracy on the nanda2023 task and
# model (p 113, 30% of pairs, 1-layer transformer) under grokking accelerators and plain AdamW
# variants, side by side. Every run is an ordinary grok-train process (one thread; as many at
# once as there are cores) that stops at 99% test accuracy or at the recipe's step cap; the
# table gives the step per seed, the median, and the median's speed-up over the nanda2023
# recipe's. Runs are kept in $ACC_OUT (default /tmp/grok-accelerators) and a complete one is
# not trained again, so the script can be stopped and rerun. Results are deterministic per
# thread count; only the seconds column needs an idle machine.
#
#   bash bench/accelerators.sh 0-2                       every recipe, seeds 0, 1, 2
#   bash bench/accelerators.sh 0 grokfast-ema perp-sm    two recipes, seed 0
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${GROK_BIN:-build}
out=${ACC_OUT:-/tmp/grok-accelerators}
py=${PYTHON:-/usr/bin/python3}  # Debian's, with h5py
seeds_arg=${1:-0-2}
shift || true
mkdir -p "$out"

# name | step cap | grok-train options on top of --preset nanda2023
recipes=(
  "nanda2023|12000|"
  "adamw-lr3e-3|3000|--lr 3e-3"
  "adamw-wd3|3000|--weight-decay 3"
  "adamw-lr3e-3-wd3|3000|--lr 3e-3 --weight-decay 3"
  "grokfast-ema|3000|--grokfast ema --grokfast-alpha 0.98 --grokfast-lambda 2"
  "grokfast-ema-wd0.005|3000|--grokfast ema --grokfast-alpha 0.98 --grokfast-lambda 2 --weight-decay 0.005"
  "grokfast-ma-wd0.01|3000|--grokfast ma --grokfast-window 100 --grokfast-lambda 5 --weight-decay 0.01"
  "perp-grad|3000|--perp-grad true"
  "perp-sm|3000|--perp-grad true --loss stablemax --weight-decay 0"
  "grokfast-ema-lr3e-3-wd3|3000|--lr 3e-3 --weight-decay 3 --grokfast ema --grokfast-alpha 0.98 --grokfast-lambda 2"
  "perp-sm-lr3e-3|3000|--perp-grad true --loss stablemax --weight-decay 0 --lr 3e-3"
)
wanted=("$@")
selected() { [ ${#wanted[@]} -eq 0 ] && return 0; local w; for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

seeds=$("$py" -c "a='$seeds_arg'; lo,hi=(a.split('-')+[a])[:2]; print(' '.join(map(str,range(int(lo),int(hi)+1))))")
jobs=()
for r in "${recipes[@]}"; do
  IFS='|' read -r name cap opts <<<"$r"
  selected "$name" || continue
  for s in $seeds; do jobs+=("$name|$cap|$s|$opts"); done
done

train_one() {
  IFS='|' read -r name cap seed opts <<<"$1"
  local file="$out/$name-s$seed.h5"
  if [ -f "$file" ] && "$py" -c "import h5py,sys; sys.exit(0 if h5py.File('$file','r').attrs['status'] in (b'complete','complete') else 1)" 2>/dev/null; then
    return 0
  fi
  # shellcheck disable=SC2086
  "$bin/grok-train" --preset nanda2023 $opts --seed "$seed" --steps "$cap" --stop-after-grok 0 --threads 1 \
    --checkpoint-every 1000 --activation-log 0 --out "$file" --force --quiet >"$out/$name-s$seed.log" 2>&1 ||
    echo "FAILED: $name seed $seed (see $out/$name-s$seed.log)" >&2
}
export -f train_one
export bin out py
printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} bash -c 'train_one "$@"' _ {}

"$py" - "$out" "$seeds_arg" "${recipes[@]}" <<'PY'
import sys, statistics, h5py, numpy as np
out, seeds_arg, recipes = sys.argv[1], sys.argv[2], sys.argv[3:]
lo, hi = (seeds_arg.split('-') + [seeds_arg])[:2]
seeds = range(int(lo), int(hi) + 1)
def t99(path):
    try:
        with h5py.File(path, 'r') as f:
            step, acc = f['metrics/step'][:], f['metrics/test_acc'][:]
            wall = float(f['metrics/wall_time_s'][-1])
            hit = np.nonzero(acc >= 0.99)[0]
            return (int(step[hit[0]]) if len(hit) else None), int(step[-1]), wall
    except (OSError, KeyError):
        return None
rows, base = [], None
for r in recipes:
    name, cap, opts = r.split('|')
    res = [t99(f"{out}/{name}-s{s}.h5") for s in seeds]
    if any(x is None for x in res):
        continue
    steps = [x[0] if x[0] is not None else float('inf') for x in res]
    med = statistics.median(steps)
    if name == 'nanda2023':
        base = med
    rows.append((name, opts or '(the preset)', res, med))
print(f"{'recipe':22} {'per seed: step of 99% test acc (s)':44} {'median':>7} {'vs nanda2023':>12}")
for name, opts, res, med in rows:
    cells = ', '.join(f"{x[0]:,} ({x[2]:.0f}s)" if x[0] is not None else f"none by {x[1]:,}" for x in res)
    ratio = f"{base / med:.2f}x" if base and med != float('inf') else '-'
    print(f"{name:22} {cells:44} {med if med == float('inf') else int(med):>7} {ratio:>12}")
    print(f"{'':22} {opts}")
PY
