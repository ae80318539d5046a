#!/usr/bin/env bash
# cli_bad_input_table.sh BUILD_DIR WORK_DIR DOC [--update] — runs every bad input of docs/bad-input.md
# against the real tools and checks, for each: the exit code, exactly one line on stderr starting with
# the expected prefix, and the files afterwards (by default: every file of the fixture directory
# byte-identical and none created; disk full and signals say what they check). It then renders the
# table from what the tools actually printed and compares it with the one in DOC: a changed message
# fails this test until the doc is regenerated (--update writes it), so the table cannot drift.
# Needs root (a read-only and a full file system are small tmpfs mounts); skipped (77) otherwise.
set -uo pipefail
build=$(cd "$1" && pwd)
work=$2 doc=$3 update=${4:-}
train=$build/grok-train probe=$build/grok-probe sweep=$build/grok-sweep
source "$(dirname "$0")/lib/checks.sh"
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
F=$work/f           # the fixtures; every case must leave them as they were
ro=$work/readonly   # a read-only file system
full=$work/full     # a file system with 3 MB
mkdir -p "$F" "$ro" "$full"
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount "$m" 2>/dev/null; done
  [[ -n ${holder:-} ]] && kill "$holder" 2>/dev/null
}
trap cleanup EXIT
mount -t tmpfs -o size=3m tmpfs "$full" 2>/dev/null || { echo "cannot mount a tmpfs here (needs root): skipped"; exit 77; }
mounted+=("$full")
mount -t tmpfs -o ro,size=1m tmpfs "$ro" && mounted+=("$ro") || { echo "cannot mount a read-only tmpfs"; exit 1; }

# ---- fixtures: a tiny real run and its probe file, damaged and foreign variants, config files.
tiny=(--p 5 --d-model 4 --n-heads 1 --d-head 4 --d-mlp 8 --threads 1 --quiet)
"$train" "${tiny[@]}" --steps 20 --out "$F/run.h5" >/dev/null || { echo "FAIL: fixture run"; exit 1; }
"$train" "${tiny[@]}" --task mul --steps 4 --out "$F/mul.h5" >/dev/null || { echo "FAIL: fixture run"; exit 1; }
"$probe" norms "$F/run.h5" --threads 1 >/dev/null || { echo "FAIL: fixture probe file"; exit 1; }
head -c 20000 "$F/run.h5" >"$F/truncated.h5"
cp "$F/run.h5" "$F/zeroed.h5" && dd if=/dev/zero of="$F/zeroed.h5" bs=1 seek=0 count=8 conv=notrunc 2>/dev/null
echo "not hdf5" >"$F/text.h5"
/usr/bin/python3 - "$F" <<'PY' || { echo "FAIL: fixtures"; exit 1; }
import json, shutil, sys, h5py
d = sys.argv[1]
h5py.File(f"{d}/foreign.h5", "w").create_dataset("x", data=[1, 2])
for name, change in [("future", lambda f: f.attrs.__setitem__("schema_version", 2)),
                     ("noconfig", lambda f: f.attrs.__delitem__("config_json")),
                     ("badconfig", lambda f: f.attrs.__setitem__("config_json", json.dumps(
                         {**json.loads(f.attrs["config_json"]), "p": "five"}))),
                     ("nometrics", lambda f: f.__delitem__("metrics")),
                     ("nockptstep", lambda f: f["checkpoints"].__delitem__("step")),
                     ("oneslot", lambda f: (f["resume"].__delitem__("step"),
                                            f["resume"].create_dataset("step", data=[3])))]:
    shutil.copy(f"{d}/run.h5", f"{d}/{name}.h5")
    with h5py.File(f"{d}/{name}.h5", "r+") as f:
        change(f)
# A damaged global heap on which HDF5 1.10.8 itself crashes: the first heap object (a string
# attribute) made 2^34 bytes longer than it is.
data = bytearray(open(f"{d}/run.h5", "rb").read())
heap = data.find(b"GCOL")
data[heap + 28] = (data[heap + 28] + 4) % 256
open(f"{d}/heap.h5", "wb").write(data)
PY
mkdir -p "$F/heapsweep" && cp "$F/heap.h5" "$F/heapsweep/sweep.h5"
printf 'p = abc\n' >"$F/bad-value.ini"
printf 'frac_train = 0.5\nlearning_rate = 0.1\n' >"$F/unknown-key.ini"
printf 'task = add\njust some words\n' >"$F/no-equals.ini"
mkdir -p "$F/adir"
snapshot() { (cd "$F" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
hold_writer_lock "$F/run.h5" 600  # as a live grok-train holds it
holder=$!
sleep 1  # (the lock is taken before the first case that needs it runs, long after this)

# ---- the cases.
failures=0 n=0
rows=()
md() { local s=${1//$F\//F\/}; s=${s//$work\//W\/}; s=${s//|/\\|}; printf '%s' "$s"; }  # paths shortened, pipes escaped
# row INPUT COMMAND RC MESSAGE FILES — one table row.
row() { n=$((n + 1)); rows+=("| $n | $1 | \`$(md "$2")\` | $3 | \`$(md "$4")\` | $5 |"); }
# run_case WANT_RC PREFIX TOOL ARGS... — runs one command; sets rc, err, cmd; checks rc, one line, prefix.
run_case() {
  local want_rc=$1 prefix=$2 tool=$3
  shift 3
  cmd="$(basename "$tool") $*"
  err=$(cd "$work" && timeout 300 "$tool" "$@" 2>&1 >/dev/null); rc=$?
  local lines ok=1
  lines=$(printf '%s' "$err" | grep -c '')
  [[ $rc -eq $want_rc ]] || { echo "FAIL [$cmd]: exit $rc, want $want_rc: $err"; ok=0; }
  [[ $lines -eq 1 ]] || { echo "FAIL [$cmd]: $lines lines on stderr: $err"; ok=0; }
  [[ $err == "$prefix"* ]] || { echo "FAIL [$cmd]: message does not start with '$prefix': $err"; ok=0; }
  ((ok)) || failures=$((failures + 1))
  return $((1 - ok))
}
# bad DESCRIPTION WANT_RC PREFIX TOOL ARGS... — a case after which every fixture is unchanged and
# nothing new exists.
bad() {
  local what=$1 want_rc=$2 prefix=$3
  shift 3
  local before after
  before=$(snapshot)
  run_case "$want_rc" "$prefix" "$@"
  after=$(snapshot)
  if [[ $before != "$after" ]]; then
    echo "FAIL [$cmd]: the fixture files changed:"; diff <(echo "$before") <(echo "$after") | head -5
    failures=$((failures + 1))
  fi
  row "$what" "$cmd" "$rc" "$err" "unchanged, none created"
}
T="grok-train: " P="grok-probe: " S="grok-sweep: "
new=(--out "$F/new.h5" --steps 3 --threads 1)

# grok-train: flags and config values
bad "unknown flag"                 2 "${T}unrecognised option" "$train" "${new[@]}" --no-such-flag 3
bad "flag without its value"       2 "${T}the required argument" "$train" "${new[@]}" --lr
bad "non-numeric value"            2 "${T}the argument ('abc') for option" "$train" "${new[@]}" --p abc
bad "value holding Boost's placeholder" 2 "${T}the argument ('%value%') for option '--p'" "$train" "${new[@]}" --p %value%
bad "frac_train = 0"               2 "${T}frac_train must be in (0, 1)" "$train" "${new[@]}" --frac-train 0
bad "frac_train > 1"               2 "${T}frac_train must be in (0, 1)" "$train" "${new[@]}" --frac-train 1.5
bad "p < 2"                        2 "${T}p must be at least 2" "$train" "${new[@]}" --p 1
bad "p too large for the grid"     2 "${T}p = 5000 is too large" "$train" "${new[@]}" --p 5000
bad "division by a composite p"    2 "${T}task 'div' needs a prime p" "$train" "${new[@]}" --task div --p 100
bad "unknown task"                 2 "${T}unknown task 'addition'" "$train" "${new[@]}" --task addition
bad "unknown model"                2 "${T}unknown model 'lstm' (known: transformer" "$train" "${new[@]}" --model lstm
bad "unknown preset"               2 "${T}unknown preset 'nanda2024'" "$train" "${new[@]}" --preset nanda2024
# (the --device cuda rows expect a CPU-only LibTorch, as CI's Debian one is)
bad "--device cuda without a GPU"  2 "${T}--device cuda: no usable GPU" "$train" "${new[@]}" --device cuda
bad "unknown hook"                 2 "${T}unknown hook 'blocks.0.hook_nope'" "$train" "${new[@]}" --hooks blocks.0.hook_nope
bad "unknown activation"           2 "${T}act must be one of" "$train" "${new[@]}" --act swish
bad "negative learning rate"       2 "${T}lr must be positive" "$train" "${new[@]}" --lr -1
bad "label_noise = 1"              2 "${T}label_noise must be in [0, 1)" "$train" "${new[@]}" --label-noise 1
bad "gzip level 10"                2 "${T}gzip must be in 0..9" "$train" "${new[@]}" --gzip 10
bad "steps = 0"                    2 "${T}steps must be in 1..1e8" "$train" --out "$F/new.h5" --steps 0
bad "bad checkpoint step list"     2 "${T}bad step 'x'" "$train" "${new[@]}" --checkpoint-steps 1,x
bad "factored_forward with 2 layers" 2 "${T}factored_forward needs a one-layer transformer without biases" "$train" "${new[@]}" --factored-forward true --n-layers 2
bad "cuda_graph with minibatches" 2 "${T}cuda_graph captures one full-batch step: it needs batch_size 0" "$train" "${new[@]}" --cuda-graph true --batch-size 64
bad "backward = manual, 2 layers" 2 "${T}backward = manual needs a one-layer transformer without biases, in fp32 or with the factored forward" "$train" "${new[@]}" --backward manual --n-layers 2
bad "precision bf16 for the MLP"   2 "${T}precision bf16 needs model = transformer (got model = mlp)" "$train" "${new[@]}" --model mlp --precision bf16
bad "min_norm with cross-entropy"  2 "${T}solver = min_norm needs" "$train" "${new[@]}" --model mlp --random-features true --solver min_norm --loss ce
# grok-train: many seeds at once
bad "--seeds: reversed range"      2 "${T}--seeds: '3-1' is not a seed or a range" "$train" "${new[@]}" --seeds 3-1
bad "--seeds: a seed twice"        2 "${T}--seeds: seed 2 appears twice" "$train" "${new[@]}" --seeds 0-3,2
bad "--seed with --seeds"          2 "${T}--seed and --seeds: give one of them" "$train" "${new[@]}" --seed 1 --seeds 0-3
bad "--seeds with --resume"        2 "${T}--resume continues a run file, or an ensemble's directory" "$train" --resume "$F/run.h5" --seeds 0-1
bad "--seeds with --out FILE.h5"   2 "${T}--seeds writes a directory of run files" "$train" "${new[@]}" --seeds 0-1
bad "--resume DIR without members" 2 "${T}$F/adir holds no member run files (seed-N.h5)" "$train" --resume "$F/adir"
bad "--seeds: --out is a file"     2 "${T}$F/bad-value.ini exists and is not a directory" "$train" "${tiny[@]}" --steps 3 --seeds 0-1 --out "$F/bad-value.ini"
# grok-train: config files
bad "config file: missing"         2 "${T}cannot read config file" "$train" "${new[@]}" --config "$F/none.ini"
bad "config file: bad value"       2 "${T}$F/bad-value.ini: the argument ('abc')" "$train" "${new[@]}" --config "$F/bad-value.ini"
bad "config file: unknown key"     2 "${T}$F/unknown-key.ini: unrecognised option" "$train" "${new[@]}" --config "$F/unknown-key.ini"
bad "config file: line without =" 2 "${T}$F/no-equals.ini: the options configuration file contains an invalid line" "$train" "${new[@]}" --config "$F/no-equals.ini"
# grok-train: output paths
bad "output exists (no --force)"   2 "${T}$F/run.h5 exists" "$train" "${tiny[@]}" --steps 3 --out "$F/run.h5"
bad "output is a directory"        2 "${T}$F/adir is a directory" "$train" "${tiny[@]}" --steps 3 --out "$F/adir" --force
bad "output under a file"          2 "${T}cannot create directory $F/text.h5" "$train" "${tiny[@]}" --steps 3 --out "$F/text.h5/run.h5"
bad "read-only directory"          2 "${T}cannot write $ro/run.h5" "$train" "${tiny[@]}" --steps 3 --out "$ro/run.h5"
# grok-train --resume / --recover: hostile and foreign files
bad "resume: no such file"         2 "${T}$F/none.h5: no such file" "$train" --resume "$F/none.h5"
bad "resume: a text file"          2 "${T}$F/text.h5 is not an HDF5 file" "$train" --resume "$F/text.h5"
bad "resume: HDF5 signature zeroed" 2 "${T}$F/zeroed.h5 is not an HDF5 file" "$train" --resume "$F/zeroed.h5"
bad "resume: truncated run file"   2 "${T}$F/truncated.h5 cannot be opened: truncated or damaged" "$train" --resume "$F/truncated.h5"
bad "resume: foreign HDF5 file"    2 "${T}$F/foreign.h5 is an HDF5 file but not a grokscope run file" "$train" --resume "$F/foreign.h5"
bad "resume: future schema"        2 "${T}$F/future.h5 has schema version 2" "$train" --resume "$F/future.h5"
bad "resume: config_json missing"  2 "${T}$F/noconfig.h5: damaged run file (missing attribute 'config_json'" "$train" --resume "$F/noconfig.h5"
bad "resume: config value of the wrong type" 2 "${T}config value 'p' has the wrong type" "$train" --resume "$F/badconfig.h5"
bad "resume: /checkpoints/step missing" 2 "${T}$F/nockptstep.h5: damaged run file (missing dataset 'checkpoints/step')" "$train" --resume "$F/nockptstep.h5"
bad "resume: resume slots damaged" 2 "${T}$F/oneslot.h5: damaged run file (/resume/step must hold two slots)" "$train" --resume "$F/oneslot.h5"
bad "resume: another writer alive" 2 "${T}$F/run.h5 is being written by a running grok-train" "$train" --resume "$F/run.h5"
bad "resume with a changed config" 2 "${T}--resume keeps the run's config" "$train" --resume "$F/run.h5" --lr 0.1
bad "resume with --preset"         2 "${T}--resume continues a run with its own config" "$train" --resume "$F/run.h5" --preset demo
bad "recover: foreign HDF5 file"   2 "${T}$F/foreign.h5 is not a grokscope run file" "$train" --recover "$F/foreign.h5"
bad "resume: HDF5 crashes on the file" 2 "${T}$F/heap.h5 is damaged: HDF5 crashed reading its metadata" "$train" --resume "$F/heap.h5"
bad "recover: HDF5 crashes on the file" 2 "${T}$F/heap.h5 is damaged: HDF5 crashed reading its metadata" "$train" --recover "$F/heap.h5"
bad "recover: truncated run file"  2 "${T}$F/truncated.h5 cannot be opened: truncated or damaged" "$train" --recover "$F/truncated.h5"
# grok-probe
bad "unknown command"              2 "${P}unknown command 'frobnicate'" "$probe" frobnicate "$F/run.h5"
bad "run file not given"           2 "${P}missing RUN.h5" "$probe" summary
bad "no such file"                 2 "${P}$F/none.h5: no such file" "$probe" summary "$F/none.h5"
bad "a text file"                  2 "${P}$F/text.h5 is not an HDF5 file" "$probe" summary "$F/text.h5"
bad "foreign HDF5 file"            2 "${P}$F/foreign.h5 is an HDF5 file but not a grokscope run file" "$probe" fourier "$F/foreign.h5"
bad "truncated run file"           2 "${P}$F/truncated.h5 cannot be opened: truncated or damaged" "$probe" summary "$F/truncated.h5"
bad "future schema"                2 "${P}$F/future.h5 has schema version 2" "$probe" inspect "$F/future.h5"
bad "HDF5 crashes on the run file"  2 "${P}$F/heap.h5 is damaged: HDF5 crashed reading its metadata" "$probe" summary "$F/heap.h5" -o "$F/new.probe.h5"
bad "HDF5 crashes on the old probe file" 2 "${P}$F/heap.h5 is damaged: HDF5 crashed reading its metadata" "$probe" norms "$F/run.h5" -o "$F/heap.h5"
bad "run file without /metrics"    2 "${P}$F/nometrics.h5: damaged run file (missing dataset 'metrics/step')" "$probe" summary "$F/nometrics.h5" -o "$F/new.probe.h5"
bad "Fourier analysis on mul"      2 "${P}Fourier analysis over Z_p applies to add, sub and rand" "$probe" fourier "$F/mul.h5" -o "$F/new.probe.h5"
bad "--tau out of range"           2 "${P}--tau must be in (0, 1]" "$probe" summary "$F/run.h5" --tau 2
bad "--keys not numbers"           2 "${P}bad frequency 'x'" "$probe" fourier "$F/run.h5" --keys 1,x -o "$F/new.probe.h5"
bad "--key-step not a checkpoint"  2 "${P}no checkpoint at step 7" "$probe" summary "$F/run.h5" --key-step 7 -o "$F/new.probe.h5"
bad "probe file in a read-only directory" 2 "${P}cannot write $ro/run.probe.h5.tmp" "$probe" norms "$F/run.h5" -o "$ro/run.probe.h5"
bad "report in a read-only directory" 2 "${P}cannot write $ro/run.report.html" "$probe" report "$F/run.h5" -o "$ro/run.report.html" --threads 1
bad "sweep view of a run file"     2 "${P}$F/run.h5 is not a grokscope sweep file" "$probe" sweep "$F/run.h5"
bad "--device cuda without a GPU"  2 "${P}--device cuda: no usable GPU" "$probe" summary "$F/run.h5" --device cuda -o "$F/new.probe.h5"
bad "unknown device"               2 "${P}device must be one of cpu | cuda | auto" "$probe" summary "$F/run.h5" --device tpu -o "$F/new.probe.h5"
# grok-sweep
bad "grid axis not an option"      2 "${S}--grid nosuch: not a grok-train option" "$sweep" --preset demo --grid nosuch=1,2 --out "$F/sw" --dry-run
bad "reversed log range"           2 "${S}--grid lr: a log range needs" "$sweep" --preset demo --grid lr=0.1..0.01:log:3 --out "$F/sw" --dry-run
bad "value twice in a grid"        2 "${S}--grid lr: 0.1 appears twice" "$sweep" --preset demo --grid lr=0.1,0.1 --out "$F/sw" --dry-run
bad "reversed seed range"          2 "${S}--seeds: '3-1' is not a seed" "$sweep" --preset demo --grid lr=0.1 --seeds 3-1 --out "$F/sw" --dry-run
bad "grid of 10^8 points"          2 "${S}the sweep has more than 100000 points" "$sweep" --preset demo --grid lr=0.001:1:0.0001 --grid weight_decay=0:1:0.0001 --out "$F/sw" --dry-run
bad "unknown shipped sweep"        2 "${S}unknown sweep 'nope'" "$sweep" --sweep nope --out "$F/sw"
bad "collect: HDF5 crashes on sweep.h5" 2 "${S}$F/heapsweep/sweep.h5 is damaged: HDF5 crashed reading its metadata" "$sweep" --collect "$F/heapsweep"
bad "collect a missing sweep"      2 "${S}$F/nosweep/sweep.h5: no such file" "$sweep" --collect "$F/nosweep"
bad "sweep in a read-only directory" 2 "${S}cannot create directory $ro/sw" "$sweep" --preset demo --grid lr=0.1 --steps 3 --threads 1 --out "$ro/sw"

# ---- a full disk: one line, exit 1, and the partial run file still reads.
run_case 1 "${T}error: cannot " "$train" --threads 1 --out "$full/run.h5" --quiet
[[ $err == *"disk full"* ]] || { echo "FAIL [$cmd]: the message does not say disk full: $err"; failures=$((failures + 1)); }
rows_read=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r',libver='latest',swmr=True)['metrics/step'].shape[0])" "$full/run.h5" 2>&1)
[[ $rows_read =~ ^[0-9]+$ && $rows_read -ge 1 ]] || { echo "FAIL [$cmd]: partial run file unreadable: $rows_read"; failures=$((failures + 1)); }
row "disk full while training (3 MB file system)" "$cmd" "$rc" "$err" "the partial run file opens (h5py, SWMR) with its metric rows"

# ---- signals: the run stops after the current step with a final checkpoint, and resumes.
for sig in INT TERM; do
  run="$work/signal-$sig.h5"
  "$train" --p 23 --d-model 32 --d-mlp 64 --steps 100000 --stop-after-grok -1 --threads 1 --checkpoint-every 1000 \
    --quiet --out "$run" >/dev/null 2>"$work/signal.err" &
  pid=$!
  wait_for_metric_rows "$run" 3
  kill -s $sig $pid
  wait $pid; rc=$?
  err=$(sed -E 's/step [0-9]+/step N/' "$work/signal.err")
  cmd="grok-train ... --out $run, then kill -$sig"
  lines=$(printf '%s' "$err" | grep -c '')
  [[ $rc -eq 130 && $lines -eq 1 && $err == "interrupted at step N: final checkpoint written"* ]] ||
    { echo "FAIL [$cmd]: exit $rc: $err"; failures=$((failures + 1)); }
  /usr/bin/python3 - "$run" <<'PY' || { echo "FAIL [$cmd]: file not complete to its last step"; failures=$((failures + 1)); }
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["status"] == "interrupted" and f["checkpoints/step"][-1] == f.attrs["final_step"]
PY
  "$train" --resume "$run" --steps $(( $(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs['final_step'])" "$run") + 5 )) --quiet >/dev/null 2>&1 ||
    { echo "FAIL [$cmd]: --resume after SIG$sig"; failures=$((failures + 1)); }
  row "SIG$sig while training" "$cmd" "$rc" "$err" "status interrupted, final checkpoint at the last step; --resume continues"
done

# ---- the table, rendered from what ran, against the doc.
table=$(printf '| # | bad input | command (F = fixtures, W = work dir) | exit | stderr (one line) | files afterwards |\n'
        printf '|---|---|---|---|---|---|\n'
        printf '%s\n' "${rows[@]}")
begin='<!-- bad-input-table:begin (generated by tests/cli_bad_input_table.sh --update; do not edit) -->'
end='<!-- bad-input-table:end -->'
if [[ $update == --update ]]; then
  /usr/bin/python3 - "$doc" "$begin" "$end" "$table" <<'PY'
import sys
path, begin, end, table = sys.argv[1:]
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + table + "\n" + end + tail)
PY
  echo "updated the table in $doc"
fi
documented=$(sed -n "/^<!-- bad-input-table:begin/,/^<!-- bad-input-table:end/p" "$doc" | sed '1d;$d')
if [[ $documented != "$table" ]]; then
  echo "FAIL: $doc differs from what the tools print (regenerate: bash $0 BUILD WORK DOC --update):"
  diff <(echo "$documented") <(echo "$table") | head -20
  failures=$((failures + 1))
fi
echo "$n cases, $failures failures"
[[ $failures -eq 0 ]]
