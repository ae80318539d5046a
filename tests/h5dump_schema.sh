#!/usr/bin/env bash
# h5dump_schema.sh RUN.h5 — h5dump -H (the HDF5 project's own reader) lists the documented groups.
set -euo pipefail
header=$(h5dump -H "$1")
for group in '"config"' '"task"' '"split"' '"metrics"' '"param_sq_norm"' '"checkpoints"' '"params"' \
             '"activations"' '"resume"' '"slot_0"' '"optimizer"'; do
  grep -q "GROUP $group" <<<"$header" || { echo "h5dump: missing GROUP $group"; exit 1; }
done
for dataset in '"labels"' '"train"' '"test_loss"' '"blocks.0.attn.W_Q"' '"blocks.0.mlp.hook_post"'; do
  grep -q "DATASET $dataset" <<<"$header" || { echo "h5dump: missing DATASET $dataset"; exit 1; }
done
grep -q 'ATTRIBUTE "schema_version"' <<<"$header" || { echo "h5dump: no schema_version"; exit 1; }
h5dump -a /schema_version "$1" | grep -q '(0): 1' || { echo "schema_version is not 1"; exit 1; }
echo "h5dump lists every documented group"
