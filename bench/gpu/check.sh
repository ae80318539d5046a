#!/usr/bin/env bash
# check.sh [SEEDS] — the one prepared script for a device call (issue #11): run ON the lent GPU
# machine over a copy of the working tree, carrying .gpu-debs (bench/gpu/fetch-debs.sh):
#   carry: [".gpu-debs"]   command: bash bench/gpu/check.sh   timeout_s: 560
# Builds (bench/gpu/build.sh), runs the unit tests there, then prints side by side, in this one call:
#   1. the same demo run on CPU and on CUDA: test loss over the first steps and the dynamics; then
#      grok-probe summary of it with --device cpu and cuda (time, and the JSON compared);
#      and the demo again with the step as one CUDA graph (--cuda-graph true);
#   2. ms per nanda2023 training step: grokscope on CUDA, each path (--cuda-graph true among them)
#      (training time of --verbose's split, and the whole command) against PyTorch eager, CUDA-graphed and torch.compile'd + graphed;
#   3. ms per model-step with 64 and 512 models at once: grokscope's ensemble (grok-train --seeds)
#      against PyTorch vmap over stacked parameters;
#   4. time to grok on CUDA for nanda2023 seeds 0..SEEDS-1 (default 2; each about a minute).
# Every section prints its own wall time, so a section that runs out of time shows what it reached.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
seeds=${1:-2}
section() { echo; echo "== $* ($(date +%T))"; }
py=$(command -v python3)

section "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -2
"$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'

section "build"
start=$SECONDS
bash bench/gpu/build.sh 2>&1 | tail -3 || { echo "build failed"; exit 1; }
echo "build took $((SECONDS - start)) s"
train=build-gpu/grok-train

section "unit tests on the GPU machine"
build-gpu/tests/test_core 2>&1 | tail -2
build-gpu/tests/test_torch 2>&1 | tail -2
build-gpu/tests/test_torch "[device]" -s 2>&1 | grep -E "cuda|passed|failed" | tail -3

section "1. the demo on CPU and on CUDA (first steps, then the dynamics)"
common=(--preset demo --steps 1500 --stop-after-grok -1 --quiet --force)
for dev in cpu cuda; do
  /usr/bin/time -f "$dev: %e s" "$train" "${common[@]}" --device "$dev" --threads 1 --out "/tmp/demo-$dev.h5" 2>&1 |
    tail -1
done
# The same on CUDA with the step as one CUDA graph after the warm-up (--cuda-graph true).
/usr/bin/time -f "cuda, --cuda-graph true: %e s" "$train" "${common[@]}" --device cuda --cuda-graph true \
  --out /tmp/demo-cuda-graph.h5 2>&1 | tail -1
"$py" - /tmp/demo-cpu.h5 /tmp/demo-cuda.h5 /tmp/demo-cuda-graph.h5 <<'PY'
import sys
import h5py
import numpy as np
runs = []
for path in sys.argv[1:]:
    try:
        with h5py.File(path, "r") as f:
            m = f["metrics"]
            runs.append({k: m[k][()] for k in ("step", "test_loss", "train_acc", "test_acc")})
    except OSError as e:
        print(f"{path}: {e}")
        runs.append(None)
cpu, gpu, graphed = runs
def show(name, r):
    if r is None or cpu is None:
        return
    for i in range(4):
        rel = abs(r["test_loss"][i] - cpu["test_loss"][i]) / abs(cpu["test_loss"][i])
        print(f"step {cpu['step'][i]:>5}: test loss cpu {cpu['test_loss'][i]:.9f} {name} {r['test_loss'][i]:.9f} rel {rel:.1e}")
show("cuda", gpu)
show("cuda graph", graphed)
def first(r, key):
    hit = np.flatnonzero(r[key] >= 0.99)
    return int(r["step"][hit[0]]) if hit.size else None
for name, r in (("cpu", cpu), ("cuda", gpu), ("cuda graph", graphed)):
    if r is not None:
        print(f"{name}: t_mem {first(r, 'train_acc')}, t_grok {first(r, 'test_acc')}")
PY

section "1b. grok-probe's analyses on CPU and on CUDA (the CUDA demo run)"
for dev in cpu cuda; do
  /usr/bin/time -f "grok-probe summary --device $dev: %e s" build-gpu/grok-probe summary /tmp/demo-cuda.h5 \
    --device "$dev" --json -o "/tmp/demo-$dev.probe.h5" >"/tmp/summary-$dev.json" 2>"/tmp/probe-$dev.err"
  tail -1 "/tmp/probe-$dev.err"
done
"$py" tests/golden/compare.py /tmp/summary-cpu.json /tmp/summary-cuda.json --rtol 1e-4 --atol 1e-6 2>&1 | tail -4

section "2. ms per nanda2023 step, one model"
# The hooked forward and autograd (the reference, and the defaults on a GPU), the factored forward
# through autograd (fp32, and bf16 on tensor cores), the direct written-out backward, and the
# CPU's defaults, the factored forward's written-out step (about 100 kernels a step where autograd
# launches about 500: a launch-bound GPU step), in fp32 and bf16: which should auto pick here?
for variant in "" "--cuda-graph true" "--factored-forward true --backward autograd" \
  "--factored-forward true --backward autograd --precision bf16" "--factored-forward false --backward manual" \
  "--factored-forward true --backward manual" "--factored-forward true --backward manual --precision bf16"; do
  for steps in 100 600; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "grokscope cuda ${variant:-(defaults: hooked, autograd)}, $steps steps: whole command %e s" "$train" --preset nanda2023 \
      --steps "$steps" --stop-after-grok -1 --device cuda --eval-every 100 --checkpoint-every 0 --activation-log 0 \
      --verbose --quiet --force --out /tmp/nanda-cuda.h5 $variant 2>&1 | grep -E "^time|whole command"
  done
done
for mode in eager graph compile; do
  printf 'pytorch %-8s ' "$mode"; timeout 120 "$py" bench/nanda_step.py --device cuda --mode "$mode" --steps 200 --warmup 5 2>&1 | tail -1
done

section "3. many models at once (grokscope --seeds; PyTorch vmap over stacked parameters)"
for k in 64 512; do
  # No activations (--hooks ''): 512 files of grid snapshots would be 26 GB. The training time of
  # --verbose's split over K x 30 model-steps is the ms per model-step; the whole command follows.
  /usr/bin/time -f "grokscope $k models: whole command %e s" "$train" --preset nanda2023 --seeds "0-$((k - 1))" \
    --steps 30 --stop-after-grok -1 --device cuda --eval-every 1000 --checkpoint-every 0 --activation-log 0 \
    --hooks '' --verbose --quiet --force --out "/tmp/ensemble-$k" 2>&1 |
    grep -E "^time|whole command|model-step" | sed "s/^/grokscope $k models: /"
  rm -rf "/tmp/ensemble-$k"
  for mode in eager graph; do
    printf 'pytorch %-6s %4d models: ' "$mode" "$k"
    timeout 120 "$py" bench/nanda_step.py --device cuda --mode "$mode" --models "$k" --steps 20 --warmup 3 2>&1 | tr '\n' ' '
    echo
  done
done

section "4. time to grok on CUDA (grokscope, nanda2023)"
DEVICE=cuda GROK_TRAIN=$train bash bench/time_to_grok.sh nanda2023 "$seeds"
DEVICE=cuda GROK_TRAIN=$train OPTIONS="--cuda-graph true" bash bench/time_to_grok.sh nanda2023 "$seeds"
echo "seeds 0-4 at once, each to its own grok step:"
/usr/bin/time -f "ensemble of 5: whole command %e s" "$train" --preset nanda2023 --seeds 0-4 --stop-after-grok 0 \
  --device cuda --eval-every 10 --checkpoint-every 0 --activation-log 0 --hooks '' --force --quiet \
  --out /tmp/ensemble-grok 2>&1 | grep -E "seed-[0-9]+\.h5|whole command"
section "done"
