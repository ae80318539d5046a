#!/usr/bin/env bash
# cli_precision_warning.sh GROK_TRAIN DIR — grok-train warns, in one line on stderr, that
# --precision bf16 gets no speed-up over float32 (its products run in float32) exactly on CPUs the
# kernel reports without bfloat16 arithmetic (/proc/cpuinfo: avx512_bf16 with avx512f, or
# amx_bf16): for a new run, an ensemble and a resume, and never for float32. The run itself goes on
# and ends with exit 0.
set -uo pipefail
train=$1 dir=$2
source "$(dirname "$0")/lib/checks.sh"
rm -rf "$dir" && mkdir -p "$dir"
grep -q '^flags' /proc/cpuinfo 2>/dev/null || { echo "no /proc/cpuinfo flags: skipped"; exit 77; }
if { cpu_has avx512_bf16 && cpu_has avx512f; } || cpu_has amx_bf16; then expected=0; else expected=1; fi
echo "kernel flags: bfloat16 arithmetic $([[ $expected == 0 ]] && echo yes || echo no); expecting $expected warning(s) per bf16 run"
failures=0
check() {  # check WHAT EXPECTED_COUNT COMMAND...
  local what=$1 want=$2
  shift 2
  if ! "$@" --quiet >"$dir/out.txt" 2>"$dir/err.txt"; then
    echo "FAIL $what: exit $?"; cat "$dir/err.txt"; failures=$((failures + 1)); return
  fi
  local got
  got=$(grep -c '^grok-train: warning: --precision bf16: .*not faster' "$dir/err.txt")
  if [[ $got == "$want" ]]; then echo "ok   $what: $got warning(s)"; else
    echo "FAIL $what: $got warning line(s), expected $want"; cat "$dir/err.txt"; failures=$((failures + 1))
  fi
}
short=(--preset demo --steps 20 --threads 1)
check "new run, bf16" "$expected" "$train" "${short[@]}" --precision bf16 --out "$dir/bf16.h5"
check "new run, float32" 0 "$train" "${short[@]}" --out "$dir/fp32.h5"
check "ensemble of 2, bf16 (one warning)" "$expected" "$train" "${short[@]}" --precision bf16 --seeds 0,1 --out "$dir/seeds"
check "resume of the bf16 run" "$expected" "$train" --resume "$dir/bf16.h5" --steps 30
check "resume of the float32 run" 0 "$train" --resume "$dir/fp32.h5" --steps 30
[[ $failures -eq 0 ]]
