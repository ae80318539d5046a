#!/usr/bin/env bash
# cli_ensemble.sh GROK_TRAIN GROK_PROBE DIR — grok-train --seeds trains one model per seed as one
# batched model; each member's run file must equal, bit for bit (tests/repro/compare_runs.py: every
# dataset but wall time, and the config), the run of that seed alone with the same thread count:
#   1. three seeds, 120 steps, 1 thread;
#   2. seeds 1-3 of the demo to their grok steps (770, 1,350 and 370 on a Zen 4): each stops at its own
#      grok step + stop_after_grok while the others train on, 2 threads; an ended member leaves
#      the batch (seed 3 from its last slot, then seed 1 from its first, so seed 2 moves down);
#   3. a member file is an ordinary run file: --resume continues it exactly as the single run
#      continues, and grok-probe reads it;
#   4. an ensemble killed with kill -9 (twice, at different moments) continues as an ensemble
#      (--resume DIR) and ends as the runs alone, uninterrupted, end (metrics, checkpoints,
#      activations; the final state sits in the other resume slot after a resume);
#   5. a member one checkpoint ahead of the others (as a kill between two members' checkpoints
#      leaves it) goes back to the step they all hold, and a member without any slot (killed
#      before its first checkpoint) makes all start again from step 0; --steps raised on --resume DIR
#      carries every member on (metrics and checkpoints as the runs alone);
#   6. Ctrl-C (SIGINT) mid-run ends every member at the same step (exit 130, status
#      interrupted), and --resume DIR finishes them as the runs alone finish;
#   7. every model family and training variant, 2 seeds each, against the runs alone: Grokfast
#      MA and EMA, SGD with momentum, perp-grad, fixed norm, minibatches, two layers with biases
#      and constant attention (every hook), the factored forward, bf16 (hooked and factored), the
#      written-out backward (with minibatches and Grokfast), the one-hot MLP with MSE, random features;
#   8. ten members, more than one chunk of the batched snapshot forwards (8 members each): the
#      first and the last two members against their runs alone.
set -uo pipefail
train=$1 probe=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
compare=$(dirname "$0")/repro/compare_runs.py
failures=0
same() {  # same WHAT ALONE.h5 MEMBER.h5 [compare_runs.py options, e.g. --except resume/]
  if /usr/bin/python3 "$compare" "$2" "$3" "${@:4}" >"$dir/compare.txt"; then
    echo "ok   $1: $(tail -1 "$dir/compare.txt")"
  else
    echo "FAIL $1:"; cat "$dir/compare.txt"; failures=$((failures + 1))
  fi
}
run() { "$train" "$@" --quiet >/dev/null || { echo "FAIL: grok-train $*"; exit 1; }; }

short=(--preset demo --steps 120 --threads 1)
run "${short[@]}" --seeds 0-2 --out "$dir/short"
for s in 0 1 2; do
  run "${short[@]}" --seed "$s" --out "$dir/short-alone-$s.h5"
  same "seed $s of 3, 1 thread" "$dir/short-alone-$s.h5" "$dir/short/seed-$s.h5"
done

full=(--preset demo --activation-log 0 --checkpoint-every 250 --threads 2)
run "${full[@]}" --seeds 1-3 --out "$dir/full"
for s in 1 2 3; do
  run "${full[@]}" --seed "$s" --out "$dir/full-alone-$s.h5"
  same "seed $s of {1, 2, 3} to its own end, 2 threads" "$dir/full-alone-$s.h5" "$dir/full/seed-$s.h5"
done
ends=$(/usr/bin/python3 -c "import h5py, sys; print(*[h5py.File(f, 'r').attrs['final_step'] for f in sys.argv[1:]])" \
  "$dir/full/seed-1.h5" "$dir/full/seed-2.h5" "$dir/full/seed-3.h5")
if [[ $(echo "$ends" | tr ' ' '\n' | sort -u | wc -l) -eq 3 ]]; then
  echo "ok   the members ended at their own steps: $ends"
else
  echo "FAIL the members should end at different steps, got: $ends"; failures=$((failures + 1))
fi

for f in "$dir/short/seed-1.h5" "$dir/short-alone-1.h5"; do run --resume "$f" --steps 200 --threads 1; done
same "a member and its seed alone, both resumed to step 200" "$dir/short-alone-1.h5" "$dir/short/seed-1.h5"
# The member's grok step as h5py reads it from its metrics (first test accuracy >= 99%).
t_grok=$(/usr/bin/python3 -c "import h5py, sys
m = h5py.File(sys.argv[1], 'r')['metrics']
print(next(int(s) for s, a in zip(m['step'][:], m['test_acc'][:]) if a >= 0.99))" "$dir/full/seed-3.h5")
if "$probe" summary "$dir/full/seed-3.h5" --threads 1 >"$dir/summary.txt" 2>&1 && grep -q "t_grok $t_grok " "$dir/summary.txt"; then
  echo "ok   grok-probe summary reads a member: $(grep -m1 t_grok "$dir/summary.txt")"
else
  echo "FAIL grok-probe summary on a member:"; cat "$dir/summary.txt"; failures=$((failures + 1))
fi
kill_run=(--preset demo --steps 400 --checkpoint-every 50 --threads 2)
for s in 0 1 2; do run "${kill_run[@]}" --seed "$s" --out "$dir/kill-alone-$s.h5"; done
for delay in 1.5 3.5; do
  rm -rf "$dir/killed"
  "$train" "${kill_run[@]}" --seeds 0-2 --out "$dir/killed" --quiet >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  run --resume "$dir/killed"
  for s in 0 1 2; do
    same "killed after $delay s, resumed as an ensemble: seed $s" "$dir/kill-alone-$s.h5" "$dir/killed/seed-$s.h5" \
      --except resume/
  done
done
lag=(--preset demo --checkpoint-every 20 --threads 2)
run "${lag[@]}" --steps 60 --seeds 0,1 --out "$dir/lag"
run --resume "$dir/lag/seed-0.h5" --steps 80
run --resume "$dir/lag" --steps 120
for s in 0 1; do
  run "${lag[@]}" --steps 120 --seed "$s" --out "$dir/lag-alone-$s.h5"
  same "members at steps 80 and 60, resumed together to 120: seed $s" "$dir/lag-alone-$s.h5" "$dir/lag/seed-$s.h5" \
    --except resume/ --except activations/
done
# A member killed before its first checkpoint (no resume slot) while the other has slots: both
# start again from step 0 and end as their runs alone.
run "${lag[@]}" --steps 60 --seeds 0,1 --out "$dir/noslot"
/usr/bin/python3 -c "import h5py, sys; h5py.File(sys.argv[1], 'r+')['resume/step'][:] = [-1, -1]" "$dir/noslot/seed-1.h5"
run --resume "$dir/noslot" --steps 120
for s in 0 1; do
  same "a member without a resume slot: both start again, seed $s" "$dir/lag-alone-$s.h5" "$dir/noslot/seed-$s.h5" \
    --except resume/
done
int_run=(--preset demo --steps 600 --stop-after-grok -1 --threads 2)
"$train" "${int_run[@]}" --seeds 0-2 --out "$dir/int" --quiet >/dev/null 2>&1 &
pid=$!
sleep 2.5
kill -INT "$pid"
wait "$pid"
rc=$?
states=$(/usr/bin/python3 -c "import h5py, sys; print(*sorted({(h5py.File(f, 'r').attrs['status'], int(h5py.File(f, 'r').attrs['final_step'])) for f in sys.argv[1:]}))" \
  "$dir"/int/seed-*.h5)
if [[ $rc -eq 130 && $(grep -o "interrupted" <<<"$states" | wc -l) -eq 1 ]]; then
  echo "ok   Ctrl-C: exit 130, every member $states"
else
  echo "FAIL Ctrl-C: exit $rc, members ended as: $states"; failures=$((failures + 1))
fi
run --resume "$dir/int"
for s in 0 1 2; do
  run "${int_run[@]}" --seed "$s" --out "$dir/int-alone-$s.h5"
  same "interrupted, resumed as an ensemble: seed $s" "$dir/int-alone-$s.h5" "$dir/int/seed-$s.h5" --except resume/
done

variants=(
  "--preset demo --steps 40 --grokfast ma --grokfast-window 5"
  "--preset demo --steps 40 --grokfast ema --optimizer sgd --momentum 0.9 --lr 0.05"
  "--preset nanda2023-perp-grad --p 31 --steps 15"
  "--preset omnigrok2023 --p 31 --steps 15"
  "--preset demo --steps 40 --batch-size 100"
  "--preset demo --steps 25 --n-layers 2 --bias true --attention-rate 0.5 --hooks all"
  "--preset demo --steps 40 --factored-forward true --attention-rate 0.7"
  "--preset demo --steps 40 --precision bf16"
  "--preset demo --steps 40 --precision bf16 --factored-forward true"
  "--preset demo --steps 40 --backward manual --attention-rate 0.7 --act gelu"
  "--preset demo --steps 40 --backward manual --batch-size 100 --grokfast ema"
  "--preset gromov2023 --p 41 --steps 40"
  "--preset gromov2023 --p 41 --steps 25 --random-features true"
)
for i in "${!variants[@]}"; do
  read -r -a v <<<"${variants[$i]}"
  run "${v[@]}" --threads 2 --seeds 0,1 --out "$dir/variant$i"
  for s in 0 1; do
    run "${v[@]}" --threads 2 --seed "$s" --out "$dir/variant$i-alone-$s.h5"
    same "${variants[$i]}: seed $s" "$dir/variant$i-alone-$s.h5" "$dir/variant$i/seed-$s.h5"
  done
done
ten=(--preset demo --steps 30 --threads 2)
run "${ten[@]}" --seeds 0-9 --out "$dir/ten"
for s in 0 8 9; do
  run "${ten[@]}" --seed "$s" --out "$dir/ten-alone-$s.h5"
  same "seed $s of ten (snapshot chunks of 8)" "$dir/ten-alone-$s.h5" "$dir/ten/seed-$s.h5"
done
[[ $failures -eq 0 ]]
