#!/usr/bin/env bash
# cli_probe_bad_input.sh GROK_PROBE DIR — grok-probe answers bad input with one line and exit 2.
set -uo pipefail
probe=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir"
failures=0
count=0
source "$(dirname "$0")/lib/checks.sh"
expect_bad() { expect_one_line_error "$probe" "$@"; }
echo "not hdf5" > "$dir/text.h5"
/usr/bin/python3 -c "import h5py; h5py.File('$dir/foreign.h5', 'w').create_dataset('x', data=[1, 2])"
expect_bad "unknown command"  frobnicate "$dir/text.h5"
expect_bad "missing run"      summary
expect_bad "missing file"     summary "$dir/none.h5"
expect_bad "not HDF5"         summary "$dir/text.h5"
expect_bad "foreign HDF5"     fourier "$dir/foreign.h5"
expect_bad "unknown option"   summary "$dir/text.h5" --frob
expect_bad "bad tau"          summary "$dir/text.h5" --tau 2

# Runs where the Fourier analysis does not apply: fourier says why (exit 2); summary still tells the story.
train=$(dirname "$probe")/grok-train
for spec in "mul 13" "add 12"; do
  set -- $spec
  "$train" --task "$1" --p "$2" --d-model 16 --d-mlp 32 --n-heads 2 --d-head 8 --steps 3 --threads 1 \
    --out "$dir/$1$2.h5" --quiet >/dev/null || { echo "FAIL: could not train $spec"; failures=$((failures + 1)); }
  expect_bad "fourier on $spec" fourier "$dir/$1$2.h5"
  count=$((count + 1))
  if story=$("$probe" summary "$dir/$1$2.h5" --json) && grep -q "No Fourier analysis" <<<"$story"; then
    echo "ok   summary on $spec explains the missing Fourier analysis"
  else
    echo "FAIL summary on $spec: $story"; failures=$((failures + 1))
  fi
done

# The irrep analysis: only for group tasks (and add as Z_p); names and the threshold checked.
expect_bad "irreps on mul 13"  irreps "$dir/mul13.h5"
"$train" --task d5 --model mlp --mlp-input onehot --d-mlp 16 --steps 3 --threads 1 --out "$dir/d5.h5" --quiet \
  >/dev/null || { echo "FAIL: could not train d5"; failures=$((failures + 1)); }
expect_bad "unknown irrep"     irreps "$dir/d5.h5" --irreps sign,standard
expect_bad "trivial irrep"     irreps "$dir/d5.h5" --irreps trivial
expect_bad "bad threshold"     irreps "$dir/d5.h5" --threshold 1

# A truncated run file, and a run file without checkpoints.
head -c 20000 "$dir/add12.h5" > "$dir/truncated.h5"
expect_bad "truncated file"   summary "$dir/truncated.h5"
cp "$dir/add12.h5" "$dir/nockpt.h5"
/usr/bin/python3 - "$dir/nockpt.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    for ds in [f["checkpoints/step"], *f["checkpoints/params"].values()]:
        ds.resize(0, axis=0)
    f["config"].attrs["task"] = "add"
    import json; cfg = json.loads(f.attrs["config_json"]); cfg["p"] = 12; f.attrs["config_json"] = json.dumps(cfg)
PY
expect_bad "no checkpoints"   probes "$dir/nockpt.h5"
echo "$((count - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
