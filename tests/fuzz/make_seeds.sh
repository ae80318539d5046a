#!/usr/bin/env bash
# make_seeds.sh BUILD_DIR OUT_DIR — the fuzz targets' seed inputs, made with the real tools:
#   OUT_DIR/run_file/    two tiny runs (transformer with activations and gzip; one-hot MLP, no gzip,
#                        optimizer state at checkpoints), written by grok-train
#   OUT_DIR/probe_file/  the probe file grok-probe summary + norms wrote for the first run
#   OUT_DIR/sweep_file/  sweep.h5 of a 4-row grok-sweep (2 tasks x 2 weight decays)
#   OUT_DIR/config/      the shipped presets as INI text, command lines, a config_json, grid specs
#                        (each prefixed with the byte that selects the reader in fuzz_config.cpp)
# tests/fuzz/corpus/ holds these plus what fuzzing added (docs/fuzzing.md); rerun after a schema change.
set -euo pipefail
build=$(cd "$1" && pwd)
out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"/{run_file,probe_file,sweep_file,config}
small=(--p 5 --d-model 4 --n-heads 1 --d-head 4 --d-mlp 8 --steps 4 --eval-every 2 --checkpoint-every 2 --threads 1
       --quiet)
"$build/grok-train" "${small[@]}" --activation-log 1 --out "$tmp/transformer.h5" >/dev/null
"$build/grok-train" "${small[@]}" --model mlp --mlp-input onehot --act quadratic --activation-log 0 --gzip 0 \
  --checkpoint-optimizer true --out "$tmp/mlp.h5" >/dev/null
cp "$tmp/transformer.h5" "$out/run_file/seed-transformer.h5"
cp "$tmp/mlp.h5" "$out/run_file/seed-mlp.h5"
"$build/grok-probe" summary "$tmp/transformer.h5" --threads 1 >/dev/null
"$build/grok-probe" norms "$tmp/transformer.h5" --threads 1 >/dev/null
cp "$tmp/transformer.probe.h5" "$out/probe_file/seed-summary-norms.probe.h5"
"$build/grok-sweep" --preset demo --p 5 --d-model 4 --n-heads 1 --d-head 4 --d-mlp 8 --steps 4 --checkpoint-every 0 \
  --activation-log 0 --grid weight_decay=0,1 --grid task=add,div --seeds 0 --jobs 1 --out "$tmp/sweep" >/dev/null 2>&1 || true
cp "$tmp/sweep/sweep.h5" "$out/sweep_file/seed-sweep.h5"
# config: byte 0 INI, 1 command line, 2 config_json, 3 grid axes.
for ini in "$src"/data/presets/*.ini; do
  { printf '\x00'; cat "$ini"; } >"$out/config/seed-ini-$(basename "$ini" .ini)"
done
printf '\x01--preset\nnanda2023\n--lr\n3e-3\n--frac-train=0.5\n--hooks\nall\n--\nweight_decay = 0.5\n' >"$out/config/seed-args"
printf '\x01--task\ndiv\n--p\n97\n--checkpoint-steps\n1,5,10\n--resume\nx.h5\n' >"$out/config/seed-args-resume"
{ printf '\x02'; /usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['config_json'])" \
  "$tmp/mlp.h5"; } >"$out/config/seed-config-json"
printf '\x03weight_decay=0,0.3,1\nlr=1e-4..1e-1:log:7\nfrac_train=0.2:0.8:0.1\nseeds=0-2,5\n' >"$out/config/seed-grid"
printf '\x03act=relu,gelu\nbias=true,false\nd_mlp=16:64:16\n' >"$out/config/seed-grid-types"
ls -l "$out"/*
